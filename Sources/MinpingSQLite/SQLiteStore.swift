import Foundation
import GRDB
import MinpingCore
import MinpingKeys
import MinpingStore

/// The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a 202
/// survives power loss, not only a killed process.
/// - Seealso: SPEC §4 (Redemption)
public final class SQLiteStore: EvaluationStore {
    let pool: DatabasePool
    let checkpointer: Checkpointer
    /// The writer's own automatic checkpoint, a backstop behind ``Checkpointer``: 40 MB of WAL
    /// (SQLite's default is 1,000 pages).
    static let walBackstopPages = 10_000

    /// Opens (creating and migrating if needed) the database at `path`. `keys` seals the
    /// signing keys an older database holds in the clear (migration v2).
    public init(path: String, keys: KeyEncryptionKey) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Freed pages are zeroed: no key once in the clear survives in the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        checkpointer = try Checkpointer(path: path, writer: pool)
        // GRDB sets synchronous=NORMAL on the writer after prepareDatabase; FULL must be set
        // on the writer itself, after opening.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walBackstopPages)")
        }
        let migrator = Self.migrator(keys: keys)
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let sealing = applied.contains("v1") && !applied.contains("v2")
        try migrator.migrate(pool)
        try pool.write { db in
            if let check = try keys.bind(stored: try Data.fetchOne(db, sql: "SELECT sealed FROM key_check WHERE id = 1")) {
                try db.execute(sql: "INSERT INTO key_check (id, sealed) VALUES (1, ?)", arguments: [check])
            }
        }
        if sealing {
            // The clear keys were in pages now freed (zeroed) and perhaps in the WAL: fold the
            // WAL into the file and rewrite it.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        }
    }

    /// Caps the database at `pages` pages on the writer's connection (SQLite `max_page_count`):
    /// past it every write fails with SQLITE_FULL, as on a full disk. For tests.
    public func limitPages(to pages: Int) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }
    }

    /// Whether the database at `path` is bound to a key-encryption key (its check value, or
    /// keys sealed under it), so that a new key file could never stand in. Read without
    /// migrating: a database from before keys were sealed is not bound yet.
    public static func holdsSealedKeys(path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            guard try db.tableExists("key_check") else { return false }
            return try Bool.fetchOne(db, sql: "SELECT 1 FROM key_check UNION ALL SELECT 1 FROM log_key LIMIT 1") ?? false
        }
    }

    /// `PRAGMA synchronous` as the writer sees it: 2 is FULL.
    public func writerSynchronous() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public func journalMode() throws -> String {
        try pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: API keys

    public func addAPIKey(_ key: APIKeyRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO api_key (hash, role, street, evaluation, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key.hash, key.role.rawValue, key.street, key.evaluation, key.createdAt.timeIntervalSince1970])
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE hash = ?", arguments: [hash]).map(Self.apiKey)
        }
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY created_at, hash").map(Self.apiKey)
        }
    }

    public func revokeAPIKey(hash: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM api_key WHERE hash = ?", arguments: [hash])
            return db.changesCount > 0
        }
    }

    static func apiKey(_ row: Row) throws -> APIKeyRecord {
        let roleName: String = row["role"]
        guard let role = Role(rawValue: roleName) else { throw StoreError.integrity("an API key has the unknown role '\(roleName)'") }
        return APIKeyRecord(hash: row["hash"], role: role, street: row["street"], evaluation: row["evaluation"],
                            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    // MARK: Log keys

    public func sealedLogKey(street: String, makeSealedSeed: @Sendable () throws -> Data) async throws -> Data {
        if let sealed = try await pool.read({ db in
            try Row.fetchOne(db, sql: "SELECT seed_sealed FROM log_key WHERE street = ?", arguments: [street])
                .map { row throws(StoreError) in try Self.sealed(row["seed_sealed"]) }
        }) {
            return sealed
        }
        return try await pool.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT seed_sealed FROM log_key WHERE street = ?", arguments: [street]) {
                return try Self.sealed(row["seed_sealed"])
            }
            let sealed = try makeSealedSeed()
            try db.execute(sql: "INSERT INTO log_key (street, seed_sealed) VALUES (?, ?)", arguments: [street, sealed])
            return sealed
        }
    }

    public func sealedTokenKey(evaluation: String) async throws -> Data? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT token_key_sealed FROM evaluation WHERE id = ?", arguments: [evaluation])
                .map { row throws(StoreError) in try Self.sealed(row["token_key_sealed"]) }
        }
    }

    public func anySealedKey() async throws -> (purpose: String, sealed: Data)? {
        try await pool.read { db in
            if let row = try Row.fetchOne(db, sql: "SELECT street, seed_sealed FROM log_key LIMIT 1") {
                return (KeyEncryptionKey.logKeyPurpose(street: row["street"]), try Self.sealed(row["seed_sealed"]))
            }
            if let row = try Row.fetchOne(db, sql: "SELECT id, token_key_sealed FROM evaluation LIMIT 1") {
                return (KeyEncryptionKey.tokenKeyPurpose(evaluation: row["id"]), try Self.sealed(row["token_key_sealed"]))
            }
            return try Data.fetchOne(db, sql: "SELECT sealed FROM key_check WHERE id = 1").map { (KeyEncryptionKey.checkPurpose, $0) }
        }
    }

    /// A sealed key column, which only a damaged database leaves empty.
    static func sealed(_ value: Data?) throws(StoreError) -> Data {
        guard let value else { throw .integrity("a signing key is missing from its row") }
        return value
    }

    // MARK: Evaluations

    public func createEvaluation(_ record: EvaluationRecord, sealedTokenKey: Data, created: StoredEntry, checkpoint: String) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM evaluation WHERE id = ?", arguments: [record.id]) == true {
                throw StoreError.evaluationExists(record.id)
            }
            try db.execute(sql: """
                INSERT INTO evaluation (id, street, definition, token_key_sealed, state, slips, codes, issued, ballots,
                                        electorate, publicity_days, created_at, preliminary_at)
                VALUES (?, ?, ?, ?, 'draft', 0, 0, 0, 0, ?, ?, ?, NULL)
                """, arguments: [record.id, record.street, Data(record.definitionJSON), sealedTokenKey,
                                 record.lifecycle.electorate, record.lifecycle.publicityDays,
                                 record.createdAt.timeIntervalSince1970])
            try Self.write(record.lifecycle, evaluation: record.id, db)
            try Self.insert(created, evaluation: record.id, db)
            try Self.insertCheckpoint(checkpoint, size: created.seq + 1, evaluation: record.id, db)
        }
    }

    public func evaluation(id: String) async throws -> EvaluationRecord? {
        try await pool.read { db in try Self.fetchEvaluation(id, db) }
    }

    public func evaluationIDs() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM evaluation ORDER BY id") }
    }

    public func checkpointCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoint") ?? 0 }
    }

    public func evaluationIDs(street: String) async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM evaluation WHERE street = ? ORDER BY id", arguments: [street]) }
    }

    public func addEnrollmentCodes(evaluation: String, hashes: [String], batch: SlipBatch?) async throws {
        try await pool.write { db in
            var record = try Self.requireEvaluation(evaluation, db)
            try record.apply([.codesCreated(count: hashes.count)])
            if let batch { try Self.insert(batch, evaluation: evaluation, db) }
            for hash in hashes {
                try db.execute(sql: "INSERT INTO enrollment_code (evaluation, hash, used, batch) VALUES (?, ?, 0, ?)",
                               arguments: [evaluation, hash, batch?.id])
            }
            try Self.write(record.lifecycle, evaluation: evaluation, db)
        }
    }

    public func enrollmentCodeUnused(evaluation: String, hash: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM enrollment_code WHERE evaluation = ? AND hash = ? AND used = 0",
                              arguments: [evaluation, hash]) ?? false
        }
    }

    public func enrollmentCodeAnswer(evaluation: String, hash: String) async throws -> CodeAnswer? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT request, response FROM enrollment_code
                WHERE evaluation = ? AND hash = ? AND used = 1 AND request IS NOT NULL AND response IS NOT NULL
                """, arguments: [evaluation, hash]).map { CodeAnswer(request: $0["request"], response: $0["response"]) }
        }
    }

    // MARK: The log

    public func commit(_ step: LogStep) async throws {
        defer { checkpointer.schedule() }
        try await pool.write { db in
            let locked = try Self.requireEvaluation(step.evaluation, db)
            // max, not count: an index seek, where count(*) read every entry of the log.
            let size = try Int.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM log_entry WHERE evaluation = ?",
                                        arguments: [step.evaluation]) ?? 0
            let (record, writes) = try step.writes(locked: locked, logSize: size)
            for write in writes {
                switch write {
                case let .effect(effect): try Self.apply(effect, to: record, db)
                case let .entries(entries): for entry in entries { try Self.insert(entry, evaluation: record.id, db) }
                case let .checkpoint(note, size): try Self.insertCheckpoint(note, size: size, evaluation: record.id, db)
                case let .lifecycle(lifecycle): try Self.write(lifecycle, evaluation: record.id, db)
                }
            }
        }
    }

    public func leafHashes(evaluation: String) async throws -> [Data] {
        try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT leaf_hash FROM log_entry WHERE evaluation = ? ORDER BY seq", arguments: [evaluation])
        }
    }

    public func logSize(evaluation: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT coalesce(max(seq) + 1, 0) FROM log_entry WHERE evaluation = ?", arguments: [evaluation]) ?? 0
        }
    }

    public func entries(evaluation: String, range: Range<Int>) async throws -> [StoredEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT seq, type, bytes, leaf_hash FROM log_entry WHERE evaluation = ? AND seq >= ? AND seq < ? ORDER BY seq
                """, arguments: [evaluation, range.lowerBound, range.upperBound]).map { row in
                StoredEntry(seq: row["seq"], type: row["type"], bytes: Array(row["bytes"] as Data), leafHash: row["leaf_hash"])
            }
        }
    }

    public func checkpoints(evaluation: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT note FROM checkpoint WHERE evaluation = ? ORDER BY size", arguments: [evaluation])
        }
    }

    public func latestCheckpoint(evaluation: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT note FROM checkpoint WHERE evaluation = ? ORDER BY size DESC LIMIT 1", arguments: [evaluation])
        }
    }

    public func addCosignatures(evaluation: String, size: Int, lines: [String]) async throws {
        try await pool.write { db in
            guard let note = try String.fetchOne(db, sql: "SELECT note FROM checkpoint WHERE evaluation = ? AND size = ?",
                                                 arguments: [evaluation, size])
            else { throw StoreError.notFound("checkpoint \(size)") }
            let cosigned = CosignedNote.appending(lines, to: note)
            if cosigned != note {
                try db.execute(sql: "UPDATE checkpoint SET note = ? WHERE evaluation = ? AND size = ?", arguments: [cosigned, evaluation, size])
            }
        }
    }

    // MARK: Appeals

    public func appeals(evaluation: String) async throws -> [AppealRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM appeal WHERE evaluation = ? ORDER BY filed_at, id", arguments: [evaluation]).map { row in
                AppealRecord(evaluation: row["evaluation"], id: row["id"], subject: row["subject"], text: row["text"],
                             filedAt: Date(timeIntervalSince1970: row["filed_at"]), outcome: try Self.outcome(row["outcome"]),
                             note: row["note"])
            }
        }
    }
}

// MARK: - Rows and effects

extension SQLiteStore {
    /// The rows beside the evaluation's own (which ``Lifecycle`` moved already).
    static func apply(_ effect: LogEffect, to record: EvaluationRecord, _ db: Database) throws {
        switch effect {
        case .lifecycle:
            break
        case let .redeemEnrollmentCode(hash, answer):
            try db.execute(sql: "UPDATE enrollment_code SET used = 1, request = ?, response = ? WHERE evaluation = ? AND hash = ? AND used = 0",
                           arguments: [answer.request, answer.response, record.id, hash])
            guard db.changesCount == 1 else { throw StoreError.codeInvalid }
        case let .integrateBallots(positions):
            // Only the small tables change: the ballot's own row was written once, when cast.
            let position = try db.cachedStatement(sql: """
                INSERT INTO ballot_position (evaluation, tracker, seq) SELECT evaluation, tracker, ? FROM pending_ballot
                WHERE evaluation = ? AND nonce = ?
                """)
            let integrated = try db.cachedStatement(sql: "DELETE FROM pending_ballot WHERE evaluation = ? AND nonce = ?")
            for (nonce, seq) in positions {
                try position.execute(arguments: [seq, record.id, nonce])
                guard db.changesCount == 1 else { throw StoreError.logConflict }
                try integrated.execute(arguments: [record.id, nonce])
            }
        case .requireNoPendingBallots:
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM pending_ballot WHERE evaluation = ?",
                                           arguments: [record.id]) ?? 0
            guard pending == 0 else { throw StoreError.ballotsPending }
        case let .storeAppeal(appeal):
            try db.execute(sql: "INSERT INTO appeal (evaluation, id, subject, text, filed_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [record.id, appeal.id, appeal.subject, appeal.text, appeal.filedAt.timeIntervalSince1970])
        case let .storeResolution(id, outcome, note):
            try db.execute(sql: "UPDATE appeal SET outcome = ?, note = ? WHERE evaluation = ? AND id = ? AND outcome IS NULL",
                           arguments: [outcome.rawValue, note, record.id, id])
            guard db.changesCount == 1 else { throw StoreError.refused(.alreadyResolved(id)) }
        case let .storeRoundKey(key):
            try Self.insert(key, evaluation: record.id, db)
        case .voidUnusedCodes:
            try db.execute(sql: "UPDATE enrollment_code SET used = 1 WHERE evaluation = ? AND used = 0", arguments: [record.id])
        case let .recordBatch(batch):
            try Self.insert(batch, evaluation: record.id, db)
        case let .voidBatch(id):
            guard let kind = try String.fetchOne(db, sql: "SELECT kind FROM slip_batch WHERE evaluation = ? AND id = ? AND NOT voided",
                                                 arguments: [record.id, id]), kind == SlipBatch.Kind.code.rawValue
            else { throw StoreError.notFound("batch \(id)") }
            let used = try Int.fetchOne(db, sql: "SELECT count(*) FROM enrollment_code WHERE evaluation = ? AND batch = ? AND used",
                                        arguments: [record.id, id]) ?? 0
            guard used == 0 else { throw StoreError.batchUsed(id) }
            try db.execute(sql: "UPDATE enrollment_code SET used = 1 WHERE evaluation = ? AND batch = ?", arguments: [record.id, id])
            try db.execute(sql: "UPDATE slip_batch SET voided = 1 WHERE evaluation = ? AND id = ?", arguments: [record.id, id])
        }
    }

    /// The evaluation's row as its lifecycle now stands.
    static func write(_ lifecycle: Lifecycle, evaluation: String, _ db: Database) throws {
        try db.execute(sql: """
            UPDATE evaluation SET state = ?, slips = ?, codes = ?, issued = ?, ballots = ?, preliminary_at = ?, round = ?,
                republication_due = ? WHERE id = ?
            """, arguments: [lifecycle.state.rawValue, lifecycle.slips, lifecycle.codes, lifecycle.issued, lifecycle.ballots,
                             lifecycle.preliminaryAt?.timeIntervalSince1970, lifecycle.round, lifecycle.republicationDue, evaluation])
    }

    static func insert(_ entry: StoredEntry, evaluation: String, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO log_entry (evaluation, seq, type, bytes, leaf_hash) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [evaluation, entry.seq, entry.type, Data(entry.bytes), entry.leafHash])
    }

    static func insertCheckpoint(_ note: String, size: Int, evaluation: String, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO checkpoint (evaluation, size, note) VALUES (?, ?, ?)",
                       arguments: [evaluation, size, note])
    }

    static func requireEvaluation(_ id: String, _ db: Database) throws -> EvaluationRecord {
        guard let record = try fetchEvaluation(id, db) else { throw StoreError.notFound("evaluation \(id)") }
        return record
    }

    /// The evaluation's row and its appeals, as one record. A state this code does not know
    /// is an integrity failure, never read as some other state.
    static func fetchEvaluation(_ id: String, _ db: Database) throws -> EvaluationRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM evaluation WHERE id = ?", arguments: [id]) else { return nil }
        let stateName: String = row["state"]
        guard let state = EvaluationState(rawValue: stateName) else {
            throw StoreError.integrity("evaluation \(id) has the unknown state '\(stateName)'")
        }
        var appeals: [String: Bool] = [:]
        for appeal in try Row.fetchAll(db, sql: "SELECT id, outcome FROM appeal WHERE evaluation = ?", arguments: [id]) {
            appeals[appeal["id"]] = try outcome(appeal["outcome"]) != nil
        }
        let lifecycle = Lifecycle(
            electorate: row["electorate"], publicityDays: row["publicity_days"], state: state,
            slips: row["slips"], codes: row["codes"], issued: row["issued"], ballots: row["ballots"],
            preliminaryAt: (row["preliminary_at"] as Double?).map(Date.init(timeIntervalSince1970:)), appeals: appeals,
            round: row["round"], republicationDue: row["republication_due"])
        return EvaluationRecord(id: row["id"], street: row["street"], definitionJSON: Array(row["definition"] as Data),
                                lifecycle: lifecycle, createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func outcome(_ text: String?) throws(StoreError) -> AppealOutcome? {
        guard let text else { return nil }
        guard let outcome = AppealOutcome(rawValue: text) else { throw .integrity("an appeal has the unknown outcome '\(text)'") }
        return outcome
    }
}

/// A full disk (SQLITE_FULL), an I/O error, a read-only or unopenable file: the database
/// cannot take writes for now (503 with Retry-After); nothing was committed.
extension DatabaseError: StorageFailure {
    public var meansUnavailable: Bool {
        [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN].contains(resultCode)
    }
}
