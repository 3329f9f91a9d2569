import Foundation
import Logging
import MinpingCore
import MinpingStore
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// The rows a step writes beside its log entries, and records read back from rows.
extension PostgresStore {
    static func apply(_ effect: LogEffect, to record: EvaluationRecord, _ connection: Session, _ logger: Logger) async throws {
        switch effect {
        case .lifecycle:
            break
        case let .redeemEnrollmentCode(hash, answer):
            let used = try await connection.query("""
                UPDATE enrollment_code SET used = true, request = \(answer.request), response = \(answer.response)
                WHERE evaluation = \(record.id) AND hash = \(hash) AND NOT used RETURNING 1
                """, logger: logger).collect()
            guard used.count == 1 else { throw StoreError.codeInvalid }
        case let .integrateBallots(positions):
            guard !positions.isEmpty else { break }
            let pairs = Array(positions)
            let updated = try await connection.query("""
                UPDATE ballot SET seq = position.seq
                FROM unnest(\(pairs.map { ByteBuffer(data: $0.key) })::bytea[], \(pairs.map(\.value))::bigint[]) AS position (nonce, seq)
                WHERE ballot.evaluation = \(record.id) AND ballot.nonce = position.nonce AND ballot.seq IS NULL RETURNING 1
                """, logger: logger).collect()
            guard updated.count == positions.count else { throw StoreError.logConflict }
        case .requireNoPendingBallots:
            let pending = try await connection.query("SELECT count(*) FROM ballot WHERE evaluation = \(record.id) AND seq IS NULL",
                                                     logger: logger).decode(Int.self).first(where: { _ in true }) ?? 0
            guard pending == 0 else { throw StoreError.ballotsPending }
        case let .storeAppeal(appeal):
            try await connection.query("""
                INSERT INTO appeal (evaluation, id, subject, text, filed_at)
                VALUES (\(record.id), \(appeal.id), \(appeal.subject), \(appeal.text), \(appeal.filedAt.timeIntervalSince1970))
                """, logger: logger)
        case let .storeResolution(id, outcome, note):
            let resolved = try await connection.query("""
                UPDATE appeal SET outcome = \(outcome.rawValue), note = \(note)
                WHERE evaluation = \(record.id) AND id = \(id) AND outcome IS NULL RETURNING 1
                """, logger: logger).collect()
            guard resolved.count == 1 else { throw StoreError.refused(.alreadyResolved(id)) }
        case let .storeRoundKey(key):
            try await insert(key, evaluation: record.id, connection, logger)
        case .voidUnusedCodes:
            try await connection.query("UPDATE enrollment_code SET used = true WHERE evaluation = \(record.id) AND NOT used",
                                       logger: logger)
        case let .recordBatch(batch):
            try await insert(batch, evaluation: record.id, connection, logger)
        case let .voidBatch(id):
            let found = try await connection.query("""
                SELECT 1 FROM slip_batch WHERE evaluation = \(record.id) AND id = \(id) AND kind = 'code' AND NOT voided
                """, logger: logger).collect()
            guard !found.isEmpty else { throw StoreError.notFound("batch \(id)") }
            let used = try await connection.query("""
                SELECT 1 FROM enrollment_code WHERE evaluation = \(record.id) AND batch = \(id) AND used LIMIT 1
                """, logger: logger).collect()
            guard used.isEmpty else { throw StoreError.batchUsed(id) }
            try await connection.query("UPDATE enrollment_code SET used = true WHERE evaluation = \(record.id) AND batch = \(id)", logger: logger)
            try await connection.query("UPDATE slip_batch SET voided = true WHERE evaluation = \(record.id) AND id = \(id)", logger: logger)
        }
    }

    static func insert(_ batch: SlipBatch, evaluation: String, _ connection: Session, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO slip_batch (evaluation, id, kind, count, created_at, voided)
            VALUES (\(evaluation), \(batch.id), \(batch.kind.rawValue), \(batch.count), \(batch.createdAt.timeIntervalSince1970), \(batch.voided))
            """, logger: logger)
    }

    /// The batches, oldest first; a code batch's `used` counts its codes that got an answer.
    static func batches(_ evaluation: String, _ connection: Session, _ logger: Logger) async throws -> [SlipBatch] {
        var batches: [SlipBatch] = []
        for try await (id, kind, count, created, voided, used) in try await connection.query("""
            SELECT b.id, b.kind, b.count, b.created_at, b.voided,
                   (SELECT count(*) FROM enrollment_code c WHERE c.evaluation = b.evaluation AND c.batch = b.id AND c.request IS NOT NULL)::bigint
            FROM slip_batch b WHERE b.evaluation = \(evaluation) ORDER BY b.created_at, b.id COLLATE "C"
            """, logger: logger).decode((String, String, Int, Double, Bool, Int).self) {
            guard let kind = SlipBatch.Kind(rawValue: kind) else { throw StoreError.integrity("a slip batch has the unknown kind '\(kind)'") }
            batches.append(SlipBatch(id: id, kind: kind, count: count, createdAt: Date(timeIntervalSince1970: created), used: used, voided: voided))
        }
        return batches
    }

    static func insert(_ key: RoundKey, evaluation: String, _ connection: Session, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO round_key (evaluation, round, sealed, subjects)
            VALUES (\(evaluation), \(key.round), \(key.sealed), \(RoundKey.encode(key.subjects)))
            """, logger: logger)
    }

    static func roundKeys(_ evaluation: String, _ connection: Session, _ logger: Logger) async throws -> [RoundKey] {
        var keys: [RoundKey] = []
        for try await (round, sealed, subjects) in try await connection.query(
            "SELECT round, sealed, subjects FROM round_key WHERE evaluation = \(evaluation) ORDER BY round", logger: logger
        ).decode((Int, Data, String).self) {
            keys.append(RoundKey(round: round, sealed: sealed, subjects: try RoundKey.decode(subjects)))
        }
        return keys
    }

    /// Writes the evaluation's lifecycle. Only under the row's exclusive lock (`fetchEvaluation(…,
    /// lock: .exclusive)` earlier in the transaction, which counted the ballot tallies into
    /// `lifecycle.ballots`): the tallies are folded into the row here.
    static func write(_ lifecycle: Lifecycle, evaluation: String, _ connection: Session, _ logger: Logger) async throws {
        try await connection.query("DELETE FROM ballot_tally WHERE evaluation = \(evaluation)", logger: logger)
        try await connection.query("""
            UPDATE evaluation SET state = \(lifecycle.state.rawValue), slips = \(lifecycle.slips), codes = \(lifecycle.codes),
                issued = \(lifecycle.issued), ballots = \(lifecycle.ballots), preliminary_at = \(lifecycle.preliminaryAt?.timeIntervalSince1970),
                round = \(lifecycle.round), republication_due = \(lifecycle.republicationDue)
            WHERE id = \(evaluation)
            """, logger: logger)
    }

    /// Every entry in one statement: a step of 500 ballots is one round trip, not 500, while
    /// the evaluation's row is locked.
    static func insert(_ entries: [StoredEntry], evaluation: String, _ connection: Session, _ logger: Logger) async throws {
        for start in stride(from: 0, to: entries.count, by: 1000) {  // a migrated log of 100,000 in parts
            try await insertPart(entries[start..<min(start + 1000, entries.count)], evaluation: evaluation, connection, logger)
        }
    }

    private static func insertPart(_ entries: ArraySlice<StoredEntry>, evaluation: String, _ connection: Session, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO log_entry (evaluation, seq, type, bytes, leaf_hash)
            SELECT \(evaluation), * FROM unnest(\(entries.map(\.seq))::bigint[], \(entries.map(\.type))::text[],
                                                \(entries.map { ByteBuffer(bytes: $0.bytes) })::bytea[],
                                                \(entries.map { ByteBuffer(data: $0.leafHash) })::bytea[])
            """, logger: logger)
    }

    static func insertCheckpoint(_ note: String, size: Int, evaluation: String, _ connection: Session, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO checkpoint (evaluation, size, note) VALUES (\(evaluation), \(size), \(note))
            ON CONFLICT (evaluation, size) DO UPDATE SET note = excluded.note
            """, logger: logger)
    }

    static func requireEvaluation(_ id: String, _ connection: Session, _ logger: Logger) async throws -> EvaluationRecord {
        guard let record = try await fetchEvaluation(id, lock: .exclusive, connection, logger) else { throw StoreError.notFound("evaluation \(id)") }
        return record
    }

    /// How a transaction holds an evaluation's row until it commits.
    enum RowLock {
        /// A read: no lock.
        case none
        /// A ballot transaction (`FOR KEY SHARE`): any number at once, and none while a lifecycle
        /// step holds the row; so the state a ballot is checked against cannot move under it.
        /// The record read under it leaves the appeals out (a ballot is not checked against them).
        case ballot
        /// A log step that only takes pending ballots into the log (`FOR NO KEY UPDATE`): one at a
        /// time and never beside a lifecycle step, but beside ballot transactions, which go on
        /// storing ballots (pending, for the next step) while it commits.
        case integration
        /// A lifecycle or log step (`FOR UPDATE`): one at a time, and no ballot transaction meanwhile.
        case exclusive
    }

    /// The evaluation's row and its appeals as one record; `lock` holds the row until commit.
    /// Its ballots are the row's count plus the ballot transactions' tallies not folded yet,
    /// summed by a statement of its own after the lock is held (so it sees every transaction the
    /// lock waited for).
    static func fetchEvaluation(_ id: String, lock: RowLock, _ connection: Session, _ logger: Logger) async throws -> EvaluationRecord? {
        let row = try await connection.query(evaluationQuery(id, lock: lock), logger: logger).collect().first
        guard let row else { return nil }
        let tallied = try await connection.query(tallyQuery(id), logger: logger).decode(Int.self).first(where: { _ in true }) ?? 0
        var appeals: [String: Bool] = [:]
        // A ballot transaction checks only the state, round and counts, and writes no lifecycle
        // back: it does not wait for the appeals (a round trip on every batch of ballots).
        if lock != .ballot {
            for try await (appeal, outcome) in try await connection.query("SELECT id, outcome FROM appeal WHERE evaluation = \(id)",
                                                                           logger: logger).decode((String, String?).self) {
                appeals[appeal] = try Self.outcome(outcome) != nil
            }
        }
        return try evaluationRecord(row, tallied: tallied, appeals: appeals)
    }

    /// The evaluation's row, held by `lock` until commit (``fetchEvaluation(_:lock:_:_:)``).
    static func evaluationQuery(_ id: String, lock: RowLock) -> PostgresQuery {
        switch lock {
        case .none:
            """
            SELECT id, street, definition, state, slips, codes, issued, ballots, electorate, publicity_days, created_at, preliminary_at,
                   round, republication_due
            FROM evaluation WHERE id = \(id)
            """
        case .ballot:
            """
            SELECT id, street, definition, state, slips, codes, issued, ballots, electorate, publicity_days, created_at, preliminary_at,
                   round, republication_due
            FROM evaluation WHERE id = \(id) FOR KEY SHARE
            """
        case .integration:
            """
            SELECT id, street, definition, state, slips, codes, issued, ballots, electorate, publicity_days, created_at, preliminary_at,
                   round, republication_due
            FROM evaluation WHERE id = \(id) FOR NO KEY UPDATE
            """
        case .exclusive:
            """
            SELECT id, street, definition, state, slips, codes, issued, ballots, electorate, publicity_days, created_at, preliminary_at,
                   round, republication_due
            FROM evaluation WHERE id = \(id) FOR UPDATE
            """
        }
    }

    /// The ballots counted in `ballot_tally` and not folded into the evaluation's row yet: one row, one number.
    static func tallyQuery(_ id: String) -> PostgresQuery {
        "SELECT coalesce(sum(ballots), 0)::bigint FROM ballot_tally WHERE evaluation = \(id)"
    }

    /// The record of a row of ``evaluationQuery(_:lock:)``, with `tallied` ballots more than it counts.
    static func evaluationRecord(_ row: PostgresRow, tallied: Int, appeals: [String: Bool]) throws -> EvaluationRecord {
        let (id, street, definition, stateName, slips, codes, issued, counted, electorate, publicityDays, created, preliminary,
             round, republicationDue)
            = try row.decode((String, String, Data, String, Int, Int, Int, Int, Int, Int, Double, Double?, Int, Bool).self)
        guard let state = EvaluationState(rawValue: stateName) else {
            throw StoreError.integrity("evaluation \(id) has the unknown state '\(stateName)'")
        }
        let lifecycle = Lifecycle(electorate: electorate, publicityDays: publicityDays, state: state, slips: slips, codes: codes,
                                  issued: issued, ballots: counted + tallied,
                                  preliminaryAt: preliminary.map(Date.init(timeIntervalSince1970:)),
                                  appeals: appeals, round: round, republicationDue: republicationDue)
        return EvaluationRecord(id: id, street: street, definitionJSON: Array(definition), lifecycle: lifecycle,
                                createdAt: Date(timeIntervalSince1970: created))
    }

    static func outcome(_ text: String?) throws(StoreError) -> AppealOutcome? {
        guard let text else { return nil }
        guard let outcome = AppealOutcome(rawValue: text) else { throw .integrity("an appeal has the unknown outcome '\(text)'") }
        return outcome
    }

    static func ballot(_ row: PostgresRow) throws -> BallotRecord {
        let (evaluation, nonce, token, ratings, tracker, seq) = try row.decode((String, Data, String, String, String, Int?).self)
        return BallotRecord(evaluation: evaluation, nonce: nonce, token: token, ratings: try StoredRatings.decode(ratings), storedRatings: ratings,
                            tracker: tracker, seq: seq)
    }
}
