import Foundation
import GRDB
import MinpingCore
import MinpingStore

/// The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a 202
/// survives power loss, not only a killed process.
/// - Seealso: SPEC §4 (Redemption)
public final class SQLiteStore: EvaluationStore {
    let pool: DatabasePool

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets synchronous=NORMAL on the writer after prepareDatabase; FULL must be set
        // on the writer itself, after opening.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.migrator.migrate(pool)
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
            try db.execute(sql: "INSERT INTO api_key (hash, role, street, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [key.hash, key.role.rawValue, key.street, key.createdAt.timeIntervalSince1970])
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE hash = ?", arguments: [hash]).flatMap { row in
                guard let role = Role(rawValue: row["role"]) else { return nil }
                return APIKeyRecord(hash: row["hash"], role: role, street: row["street"],
                                    createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    // MARK: Log keys

    public func logKeySeed(street: String, makeSeed: @Sendable () -> Data) async throws -> Data {
        try await pool.write { db in
            if let seed = try Data.fetchOne(db, sql: "SELECT seed FROM log_key WHERE street = ?", arguments: [street]) {
                return seed
            }
            let seed = makeSeed()
            try db.execute(sql: "INSERT INTO log_key (street, seed) VALUES (?, ?)", arguments: [street, seed])
            return seed
        }
    }

    // MARK: Evaluations

    public func createEvaluation(_ record: EvaluationRecord, created: StoredEntry, checkpoint: String) async throws {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM evaluation WHERE id = ?", arguments: [record.id]) == true {
                throw StoreError.evaluationExists(record.id)
            }
            try db.execute(sql: """
                INSERT INTO evaluation (id, street, definition, token_key_pem, state, slips, codes, issued, ballots,
                                        electorate, created_at, preliminary_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.id, record.street, Data(record.definitionJSON), record.tokenKeyPEM,
                                 record.state.rawValue, record.slips, record.codes, record.issued, record.ballots,
                                 record.electorate, record.createdAt.timeIntervalSince1970,
                                 record.preliminaryAt?.timeIntervalSince1970])
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

    public func addEnrollmentCodes(evaluation: String, hashes: [String]) async throws {
        try await pool.write { db in
            var record = try Self.requireEvaluation(evaluation, db)
            try record.addCodes(hashes.count)
            for hash in hashes {
                try db.execute(sql: "INSERT INTO enrollment_code (evaluation, hash, used) VALUES (?, ?, 0)",
                               arguments: [evaluation, hash])
            }
            try db.execute(sql: "UPDATE evaluation SET codes = ? WHERE id = ?", arguments: [record.codes, evaluation])
        }
    }

    public func enrollmentCodeUnused(evaluation: String, hash: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM enrollment_code WHERE evaluation = ? AND hash = ? AND used = 0",
                              arguments: [evaluation, hash]) ?? false
        }
    }

    // MARK: Ballots

    public func spendTokensAndStoreBallots(_ ballots: [BallotRecord]) async throws -> [BallotOutcome] {
        // Encoded before the transaction: the writer is the one serial resource.
        let encodedRatings = ballots.map { Self.encode($0.ratings) }
        return try await pool.write { db in
            var states: [String: EvaluationState?] = [:]
            var outcomes: [BallotOutcome] = []
            outcomes.reserveCapacity(ballots.count)
            for (ballot, ratings) in zip(ballots, encodedRatings) {
                if states[ballot.evaluation] == nil {
                    states[ballot.evaluation] = try String.fetchOne(db, sql: "SELECT state FROM evaluation WHERE id = ?",
                                                                    arguments: [ballot.evaluation]).flatMap(EvaluationState.init)
                }
                guard let state = states[ballot.evaluation] ?? nil else {
                    outcomes.append(.unknownEvaluation)
                    continue
                }
                guard state == .open else {
                    outcomes.append(.notOpen)
                    continue
                }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO ballot (evaluation, nonce, token, ratings, tracker, seq) VALUES (?, ?, ?, ?, ?, NULL)
                    """, arguments: [ballot.evaluation, ballot.nonce, ballot.token, ratings, ballot.tracker])
                if db.changesCount == 1 {
                    try db.execute(sql: "UPDATE evaluation SET ballots = ballots + 1 WHERE id = ?", arguments: [ballot.evaluation])
                    outcomes.append(.stored)
                } else {
                    outcomes.append(.tokenSpent)
                }
            }
            return outcomes
        }
    }

    public func pendingBallots(evaluation: String) async throws -> [BallotRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ballot WHERE evaluation = ? AND seq IS NULL", arguments: [evaluation])
                .map(Self.ballot)
        }
    }

    public func ballot(evaluation: String, tracker: String) async throws -> BallotRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ballot WHERE evaluation = ? AND tracker = ?", arguments: [evaluation, tracker])
                .map(Self.ballot)
        }
    }

    // MARK: The log

    public func commit(_ step: LogStep) async throws {
        try await pool.write { db in
            var record = try Self.requireEvaluation(step.evaluation, db)
            let size = try Int.fetchOne(db, sql: "SELECT count(*) FROM log_entry WHERE evaluation = ?", arguments: [step.evaluation]) ?? 0
            guard size == step.expectedSize else { throw StoreError.logConflict }
            for effect in step.effects {
                try Self.apply(effect, to: &record, db)
            }
            for entry in step.entries { try Self.insert(entry, evaluation: step.evaluation, db) }
            try Self.insertCheckpoint(step.checkpoint, size: size + step.entries.count, evaluation: step.evaluation, db)
            try db.execute(sql: """
                UPDATE evaluation SET state = ?, slips = ?, issued = ?, preliminary_at = ? WHERE id = ?
                """, arguments: [record.state.rawValue, record.slips, record.issued,
                                 record.preliminaryAt?.timeIntervalSince1970, record.id])
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

    // MARK: Appeals

    public func appeals(evaluation: String) async throws -> [AppealRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM appeal WHERE evaluation = ? ORDER BY filed_at, id", arguments: [evaluation]).map { row in
                AppealRecord(evaluation: row["evaluation"], id: row["id"], subject: row["subject"], text: row["text"],
                             filedAt: Date(timeIntervalSince1970: row["filed_at"]), outcome: row["outcome"], note: row["note"])
            }
        }
    }
}

// MARK: - Rows and effects

extension SQLiteStore {
    static func apply(_ effect: LogEffect, to record: inout EvaluationRecord, _ db: Database) throws {
        try record.apply(effect)
        switch effect {
        case .transition, .issueSlips:
            break
        case let .redeemEnrollmentCode(hash):
            try db.execute(sql: "UPDATE enrollment_code SET used = 1 WHERE evaluation = ? AND hash = ? AND used = 0",
                           arguments: [record.id, hash])
            guard db.changesCount == 1 else { throw StoreError.codeInvalid }
        case let .integrateBallots(positions):
            for (nonce, seq) in positions {
                try db.execute(sql: "UPDATE ballot SET seq = ? WHERE evaluation = ? AND nonce = ? AND seq IS NULL",
                               arguments: [seq, record.id, nonce])
                guard db.changesCount == 1 else { throw StoreError.logConflict }
            }
        case .requireNoPendingBallots:
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM ballot WHERE evaluation = ? AND seq IS NULL",
                                           arguments: [record.id]) ?? 0
            guard pending == 0 else { throw StoreError.ballotsPending }
        case let .fileAppeal(appeal):
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM appeal WHERE evaluation = ? AND id = ?", arguments: [record.id, appeal.id]) == true {
                throw StoreError.appealExists(appeal.id)
            }
            try db.execute(sql: "INSERT INTO appeal (evaluation, id, subject, text, filed_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [record.id, appeal.id, appeal.subject, appeal.text, appeal.filedAt.timeIntervalSince1970])
        case let .resolveAppeal(_, id, outcome, note):
            guard let current = try Row.fetchOne(db, sql: "SELECT outcome FROM appeal WHERE evaluation = ? AND id = ?",
                                                 arguments: [record.id, id]) else { throw StoreError.notFound("appeal \(id)") }
            guard (current["outcome"] as String?) == nil else { throw StoreError.alreadyResolved(id) }
            try db.execute(sql: "UPDATE appeal SET outcome = ?, note = ? WHERE evaluation = ? AND id = ?",
                           arguments: [outcome, note, record.id, id])
        }
    }

    static func insert(_ entry: StoredEntry, evaluation: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO log_entry (evaluation, seq, type, bytes, leaf_hash) VALUES (?, ?, ?, ?, ?)",
                       arguments: [evaluation, entry.seq, entry.type, Data(entry.bytes), entry.leafHash])
    }

    static func insertCheckpoint(_ note: String, size: Int, evaluation: String, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO checkpoint (evaluation, size, note) VALUES (?, ?, ?)",
                       arguments: [evaluation, size, note])
    }

    static func requireEvaluation(_ id: String, _ db: Database) throws -> EvaluationRecord {
        guard let record = try fetchEvaluation(id, db) else { throw StoreError.notFound("evaluation \(id)") }
        return record
    }

    static func fetchEvaluation(_ id: String, _ db: Database) throws -> EvaluationRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM evaluation WHERE id = ?", arguments: [id]).map { row in
            EvaluationRecord(
                id: row["id"], street: row["street"], definitionJSON: Array(row["definition"] as Data),
                tokenKeyPEM: row["token_key_pem"], state: EvaluationState(rawValue: row["state"]) ?? .draft,
                slips: row["slips"], codes: row["codes"], issued: row["issued"], ballots: row["ballots"],
                electorate: row["electorate"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                preliminaryAt: (row["preliminary_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    static func ballot(_ row: Row) -> BallotRecord {
        BallotRecord(evaluation: row["evaluation"], nonce: row["nonce"], token: row["token"],
                     ratings: decode(row["ratings"]), tracker: row["tracker"], seq: row["seq"])
    }

    /// Ratings as compact JSON with sorted keys (Foundation's sortedKeys writer is far too
    /// slow for the ballot path).
    static func encode(_ ratings: [String: String]) -> String {
        JSONValue.object(ratings.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { ($0.key, JSONValue.string($0.value)) }).serialized
    }

    static func decode(_ text: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] ?? [:]
    }
}
