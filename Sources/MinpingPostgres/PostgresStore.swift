import Foundation
import Logging
import MinpingCore
import MinpingKeys
import MinpingStore
import NIOCore
import NIOFoundationCompat
import PostgresNIO
import _ConnectionPoolModule

/// The store for more than one machine (SPEC §9): PostgreSQL through postgres-nio's pooled
/// client. Every write is one transaction with `synchronous_commit = on`, so a 202 is on disk
/// before it is answered; an evaluation's row is locked (`SELECT … FOR UPDATE`) by every
/// transaction that moves its lifecycle or extends its log, so instances sharing the database
/// extend each log one at a time, and key-share locked (`FOR KEY SHARE`) by ballot
/// transactions, which do not wait for each other; a spent nonce (a primary key) is spent once
/// across all of them, and the ballots are counted in `ballot_tally`, not in the hot row.
public final class PostgresStore: EvaluationStore {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    /// Connects (the pool runs until ``shutdown()``), migrates and binds the database to the
    /// key-encryption key at its first start, as SQLite does.
    public init(url: String, keys: KeyEncryptionKey, logger: Logger = Logger(label: "minping.postgres")) async throws {
        let (client, running) = await Self.start(try PostgresURL.configuration(url), logger: logger)
        self.client = client
        self.logger = logger
        self.running = running
        do {
            try await Self.migrate(client, logger: logger)
            try await Self.transaction(client, logger: logger) { connection in
                let rows = try await connection.query("SELECT sealed FROM key_check WHERE id = 1", logger: logger)
                if let check = try keys.bind(stored: try await rows.decode(Data.self).first(where: { _ in true })) {
                    try await connection.query("INSERT INTO key_check (id, sealed) VALUES (1, \(check)) ON CONFLICT DO NOTHING", logger: logger)
                }
            }
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Whether the database is bound to a key-encryption key already (so a new key file could
    /// never stand in): it has the key check or a sealed key.
    public static func holdsSealedKeys(url: String, logger: Logger = Logger(label: "minping.postgres")) async throws -> Bool {
        let (client, running) = await start(try PostgresURL.configuration(url), logger: logger)
        defer { running.cancel() }
        return try await transaction(client, logger: logger) { connection in
            let rows = try await connection.query("""
                SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'key_check')
                """, logger: logger)
            guard try await rows.decode(Bool.self).first(where: { _ in true }) == true else { return false }
            let held = try await connection.query("SELECT EXISTS (SELECT 1 FROM key_check UNION ALL SELECT 1 FROM log_key)", logger: logger)
            return try await held.decode(Bool.self).first(where: { _ in true }) ?? false
        }
    }

    /// A client with its pool running: the task has entered `run()` before the first lease.
    static func start(_ configuration: PostgresClient.Configuration, logger: Logger) async -> (PostgresClient, Task<Void, Never>) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let (started, signal) = AsyncStream.makeStream(of: Void.self)
        let running = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        await Task.yield()
        return (client, running)
    }

    /// Stops the connection pool.
    public func shutdown() {
        running.cancel()
    }

    deinit {
        running.cancel()
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await read { try await $0.query(query, logger: logger).collect() }
    }

    // MARK: API keys

    public func addAPIKey(_ key: APIKeyRecord) async throws {
        try await write { connection in
            _ = try await connection.query("""
                INSERT INTO api_key (hash, role, street, evaluation, created_at)
                VALUES (\(key.hash), \(key.role.rawValue), \(key.street), \(key.evaluation), \(key.createdAt.timeIntervalSince1970))
                """, logger: logger)
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        guard let row = try await rows("SELECT hash, role, street, created_at, evaluation FROM api_key WHERE hash = \(hash)").first else { return nil }
        return try Self.apiKey(row)
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await rows("SELECT hash, role, street, created_at, evaluation FROM api_key ORDER BY created_at, hash").map(Self.apiKey)
    }

    public func revokeAPIKey(hash: String) async throws -> Bool {
        try await write { connection in
            let deleted = try await connection.query("DELETE FROM api_key WHERE hash = \(hash) RETURNING hash", logger: logger)
            return try await deleted.collect().count > 0
        }
    }

    static func apiKey(_ row: PostgresRow) throws -> APIKeyRecord {
        let (hash, roleName, street, created, evaluation) = try row.decode((String, String, String?, Double, String?).self)
        guard let role = Role(rawValue: roleName) else { throw StoreError.integrity("an API key has the unknown role '\(roleName)'") }
        return APIKeyRecord(hash: hash, role: role, street: street, evaluation: evaluation, createdAt: Date(timeIntervalSince1970: created))
    }

    // MARK: Signing keys

    public func sealedLogKey(street: String, makeSealedSeed: @Sendable () throws -> Data) async throws -> Data {
        if let row = try await rows("SELECT seed_sealed FROM log_key WHERE street = \(street)").first {
            return try row.decode(Data.self)
        }
        let sealed = try makeSealedSeed()
        // Two instances may race: the first insert wins and both read it back.
        try await write { connection in
            _ = try await connection.query("INSERT INTO log_key (street, seed_sealed) VALUES (\(street), \(sealed)) ON CONFLICT DO NOTHING",
                                           logger: logger)
        }
        guard let row = try await rows("SELECT seed_sealed FROM log_key WHERE street = \(street)").first else {
            throw StoreError.integrity("the log key of street \(street) vanished")
        }
        return try row.decode(Data.self)
    }

    public func sealedTokenKey(evaluation: String) async throws -> Data? {
        try await rows("SELECT token_key_sealed FROM evaluation WHERE id = \(evaluation)").first?.decode(Data.self)
    }

    public func streetNames() async throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try await rows("SELECT slug, name FROM street") {
            let (slug, name) = try row.decode((String, String).self)
            names[slug] = name
        }
        return names
    }

    public func setStreetName(street: String, name: String) async throws {
        _ = try await write { connection in
            try await connection.query("""
                INSERT INTO street (slug, name) VALUES (\(street), \(name)) ON CONFLICT (slug) DO UPDATE SET name = excluded.name
                """, logger: logger)
        }
    }

    public func slipBatches(evaluation: String) async throws -> [SlipBatch] {
        try await read { connection in try await Self.batches(evaluation, connection, logger) }
    }

    public func roundKeys(evaluation: String) async throws -> [RoundKey] {
        try await read { connection in try await Self.roundKeys(evaluation, connection, logger) }
    }

    public func anySealedKey() async throws -> (purpose: String, sealed: Data)? {
        if let row = try await rows("SELECT street, seed_sealed FROM log_key LIMIT 1").first {
            let (street, sealed) = try row.decode((String, Data).self)
            return (KeyEncryptionKey.logKeyPurpose(street: street), sealed)
        }
        if let row = try await rows("SELECT id, token_key_sealed FROM evaluation LIMIT 1").first {
            let (id, sealed) = try row.decode((String, Data).self)
            return (KeyEncryptionKey.tokenKeyPurpose(evaluation: id), sealed)
        }
        return try await rows("SELECT sealed FROM key_check WHERE id = 1").first.map { (KeyEncryptionKey.checkPurpose, try $0.decode(Data.self)) }
    }

    // MARK: Evaluations

    public func createEvaluation(_ record: EvaluationRecord, sealedTokenKey: Data, created: StoredEntry, checkpoint: String) async throws {
        try await write { connection in
            let inserted = try await connection.query("""
                INSERT INTO evaluation (id, street, definition, token_key_sealed, state, slips, codes, issued, ballots,
                                        electorate, publicity_days, created_at, preliminary_at)
                VALUES (\(record.id), \(record.street), \(Data(record.definitionJSON)), \(sealedTokenKey), 'draft', 0, 0, 0, 0,
                        \(record.lifecycle.electorate), \(record.lifecycle.publicityDays), \(record.createdAt.timeIntervalSince1970), NULL)
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger).collect()
            guard !inserted.isEmpty else { throw StoreError.evaluationExists(record.id) }
            try await Self.write(record.lifecycle, evaluation: record.id, connection, logger)
            try await Self.insert([created], evaluation: record.id, connection, logger)
            try await Self.insertCheckpoint(checkpoint, size: created.seq + 1, evaluation: record.id, connection, logger)
        }
    }

    public func evaluation(id: String) async throws -> EvaluationRecord? {
        try await read { connection in try await Self.fetchEvaluation(id, lock: .none, connection, logger) }
    }

    public func evaluationIDs() async throws -> [String] {
        try await rows("SELECT id FROM evaluation ORDER BY id COLLATE \"C\"").map { try $0.decode(String.self) }
    }

    public func checkpointCount() async throws -> Int {
        try await rows("SELECT count(*) FROM checkpoint").first?.decode(Int.self) ?? 0
    }

    public func evaluationIDs(street: String) async throws -> [String] {
        try await rows("SELECT id FROM evaluation WHERE street = \(street) ORDER BY id COLLATE \"C\"").map { try $0.decode(String.self) }
    }

    public func addEnrollmentCodes(evaluation: String, hashes: [String], batch: SlipBatch?) async throws {
        try await write { connection in
            var record = try await Self.requireEvaluation(evaluation, connection, logger)
            try record.apply([.codesCreated(count: hashes.count)])
            if let batch { try await Self.insert(batch, evaluation: evaluation, connection, logger) }
            if !hashes.isEmpty {
                try await connection.query("""
                    INSERT INTO enrollment_code (evaluation, hash, used, batch) SELECT \(evaluation), unnest(\(hashes)::text[]), false, \(batch?.id)
                    """, logger: logger)
            }
            try await Self.write(record.lifecycle, evaluation: evaluation, connection, logger)
        }
    }

    public func enrollmentCodeUnused(evaluation: String, hash: String) async throws -> Bool {
        try await !rows("SELECT 1 FROM enrollment_code WHERE evaluation = \(evaluation) AND hash = \(hash) AND NOT used").isEmpty
    }

    public func enrollmentCodeAnswer(evaluation: String, hash: String) async throws -> CodeAnswer? {
        try await rows("""
            SELECT request, response FROM enrollment_code
            WHERE evaluation = \(evaluation) AND hash = \(hash) AND used AND request IS NOT NULL AND response IS NOT NULL
            """).first.map { row in
            let (request, response) = try row.decode((String, Data).self)
            return CodeAnswer(request: request, response: response)
        }
    }

    // MARK: The log

    public func commit(_ step: LogStep) async throws {
        // Lost at COMMIT: the step's checkpoint (signed over the new root) is there only if
        // this very transaction committed.
        let size = step.expectedSize + step.entries.count
        let committed: (()) async throws -> Bool = { _ in
            try await !self.rows("""
                SELECT 1 FROM checkpoint WHERE evaluation = \(step.evaluation) AND size = \(size) AND starts_with(note, \(step.checkpoint))
                """).isEmpty
        }
        // A step that only logs pending ballots moves no lifecycle: it need not stop ballot
        // transactions (issue 35), only other log steps.
        let integration = step.effects.allSatisfy { effect in
            switch effect {
            case .lifecycle(.ballotsLogged), .integrateBallots: true
            default: false
            }
        }
        try await write(committed: committed) { connection in
            // The row lock on the evaluation (its log head) makes this instance the one
            // extending the log until commit (SPEC §9).
            guard let locked = try await Self.fetchEvaluation(step.evaluation, lock: integration ? .integration : .exclusive,
                                                              connection, logger) else {
                throw StoreError.notFound("evaluation \(step.evaluation)")
            }
            let size = try await connection.query("SELECT coalesce(max(seq) + 1, 0) FROM log_entry WHERE evaluation = \(step.evaluation)", logger: logger)
                .decode(Int.self).first(where: { _ in true }) ?? 0
            let (record, writes) = try step.writes(locked: locked, logSize: size)
            for write in writes {
                switch write {
                case let .effect(effect): try await Self.apply(effect, to: record, connection, logger)
                case let .entries(entries): try await Self.insert(entries, evaluation: record.id, connection, logger)
                case let .checkpoint(note, size): try await Self.insertCheckpoint(note, size: size, evaluation: record.id, connection, logger)
                case let .lifecycle(lifecycle):
                    // An integration leaves the lifecycle as it was (and may not fold the tallies:
                    // ballot transactions go on beside it).
                    if !integration { try await Self.write(lifecycle, evaluation: record.id, connection, logger) }
                }
            }
        }
    }

    public func leafHashes(evaluation: String) async throws -> [Data] {
        try await rows("SELECT leaf_hash FROM log_entry WHERE evaluation = \(evaluation) ORDER BY seq").map { try $0.decode(Data.self) }
    }

    public func logSize(evaluation: String) async throws -> Int {
        try await rows("SELECT coalesce(max(seq) + 1, 0) FROM log_entry WHERE evaluation = \(evaluation)").first?.decode(Int.self) ?? 0
    }

    public func entries(evaluation: String, range: Range<Int>) async throws -> [StoredEntry] {
        try await rows("""
            SELECT seq, type, bytes, leaf_hash FROM log_entry
            WHERE evaluation = \(evaluation) AND seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq
            """).map { row in
            let (seq, type, bytes, leafHash) = try row.decode((Int, String, Data, Data).self)
            return StoredEntry(seq: seq, type: type, bytes: Array(bytes), leafHash: leafHash)
        }
    }

    public func checkpoints(evaluation: String) async throws -> [String] {
        try await rows("SELECT note FROM checkpoint WHERE evaluation = \(evaluation) ORDER BY size").map { try $0.decode(String.self) }
    }

    public func latestCheckpoint(evaluation: String) async throws -> String? {
        try await rows("SELECT note FROM checkpoint WHERE evaluation = \(evaluation) ORDER BY size DESC LIMIT 1").first?.decode(String.self)
    }

    public func addCosignatures(evaluation: String, size: Int, lines: [String]) async throws {
        try await write { connection in
            let found = try await connection.query("""
                SELECT note FROM checkpoint WHERE evaluation = \(evaluation) AND size = \(size) FOR UPDATE
                """, logger: logger).collect()
            guard let note = try found.first?.decode(String.self) else { throw StoreError.notFound("checkpoint \(size)") }
            let cosigned = CosignedNote.appending(lines, to: note)
            if cosigned != note {
                try await connection.query("""
                    UPDATE checkpoint SET note = \(cosigned) WHERE evaluation = \(evaluation) AND size = \(size)
                    """, logger: logger)
            }
        }
    }

    // MARK: Appeals

    // MARK: The tellers' desk

    public func addCountEntry(_ entry: CountEntry) async throws -> Bool {
        try await write { connection in
            let inserted = try await connection.query("""
                INSERT INTO count_entry (evaluation, form, token, ratings, teller)
                VALUES (\(entry.evaluation), \(entry.form), \(entry.token), \(StoredRatings.encode(entry.ratings)), \(entry.teller))
                ON CONFLICT (evaluation, form) DO NOTHING RETURNING form
                """, logger: logger)
            return try await inserted.collect().count > 0
        }
    }

    public func countEntry(evaluation: String, form: String) async throws -> CountEntry? {
        try await rows("""
            SELECT evaluation, form, token, ratings, teller, second_ratings, second_teller FROM count_entry
            WHERE evaluation = \(evaluation) AND form = \(form)
            """).first.map(Self.countEntry)
    }

    public func setSecondCountEntry(evaluation: String, form: String, ratings: [String: String], teller: String) async throws {
        try await write { connection in
            _ = try await connection.query("""
                UPDATE count_entry SET second_ratings = \(StoredRatings.encode(ratings)), second_teller = \(teller)
                WHERE evaluation = \(evaluation) AND form = \(form)
                """, logger: logger)
        }
    }

    public func removeCountEntry(evaluation: String, form: String) async throws {
        try await write { connection in
            _ = try await connection.query("DELETE FROM count_entry WHERE evaluation = \(evaluation) AND form = \(form)", logger: logger)
        }
    }

    public func countEntries(evaluation: String) async throws -> [CountEntry] {
        try await rows("""
            SELECT evaluation, form, token, ratings, teller, second_ratings, second_teller FROM count_entry
            WHERE evaluation = \(evaluation) ORDER BY form COLLATE "C"
            """).map(Self.countEntry)
    }

    static func countEntry(_ row: PostgresRow) throws -> CountEntry {
        let (evaluation, form, token, ratings, teller, second, secondTeller) =
            try row.decode((String, String, String, String, String, String?, String?).self)
        return CountEntry(evaluation: evaluation, form: form, token: token, ratings: try StoredRatings.decode(ratings), teller: teller,
                          secondRatings: try second.map { text throws(StoreError) in try StoredRatings.decode(text) }, secondTeller: secondTeller)
    }

    public func appeals(evaluation: String) async throws -> [AppealRecord] {
        try await rows("""
            SELECT evaluation, id, subject, text, filed_at, outcome, note FROM appeal WHERE evaluation = \(evaluation)
            ORDER BY filed_at, id COLLATE "C"
            """).map { row in
            let (evaluation, id, subject, text, filed, outcome, note) = try row.decode((String, String, String?, String, Double, String?, String?).self)
            return AppealRecord(evaluation: evaluation, id: id, subject: subject, text: text, filedAt: Date(timeIntervalSince1970: filed),
                                outcome: try Self.outcome(outcome), note: note)
        }
    }
}
