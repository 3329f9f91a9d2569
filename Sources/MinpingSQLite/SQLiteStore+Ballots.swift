import Foundation
import GRDB
import MinpingCore
import MinpingStore

// MARK: Ballots: spent and stored when cast, pending until integration (SPEC §4, §5)

extension SQLiteStore {
    public func spendTokensAndStoreBallots(_ ballots: [BallotRecord]) async throws -> [BallotOutcome] {
        defer { checkpointer.schedule() }
        return try await pool.write { db in
            // Each evaluation's lifecycle, read once per group commit and written back once.
            var lifecycles: [String: Lifecycle?] = [:]
            var outcomes: [BallotOutcome] = []
            outcomes.reserveCapacity(ballots.count)
            for ballot in ballots {
                if lifecycles[ballot.evaluation] == nil {
                    lifecycles[ballot.evaluation] = .some(try Self.fetchEvaluation(ballot.evaluation, db)?.lifecycle)
                }
                guard var lifecycle = lifecycles[ballot.evaluation] ?? nil else {
                    outcomes.append(.unknownEvaluation)
                    continue
                }
                // Spending the nonce is the insert (its primary key); a spent token is told so
                // whatever the state, and a ballot the lifecycle refuses is taken out again.
                guard try Self.insertBallot(ballot, db) else {
                    outcomes.append(.tokenSpent)
                    continue
                }
                do throws(LifecycleRefusal) {
                    try lifecycle.apply(.ballotCast(round: ballot.round))
                    lifecycles[ballot.evaluation] = lifecycle
                    outcomes.append(.stored)
                } catch {
                    try db.execute(sql: "DELETE FROM ballot WHERE evaluation = ? AND nonce = ?", arguments: [ballot.evaluation, ballot.nonce])
                    try db.execute(sql: "DELETE FROM pending_ballot WHERE evaluation = ? AND nonce = ?",
                                   arguments: [ballot.evaluation, ballot.nonce])
                    outcomes.append(.refused(error))
                }
            }
            for case let (id, lifecycle?) in lifecycles {
                try db.execute(sql: "UPDATE evaluation SET ballots = ? WHERE id = ?", arguments: [lifecycle.ballots, id])
            }
            return outcomes
        }
    }

    /// Stores an accepted ballot, and lists it as pending; false if its nonce was spent
    /// already. The rowid is random, never the next number: the table must not keep casting
    /// order (SPEC §5). INSERT OR IGNORE also passes over a rowid already taken (one chance in
    /// about 2^63 per row); that is told apart by looking the nonce up, and the row tried again
    /// under another rowid. The statements are cached: compiled once per connection, not once
    /// per ballot.
    static func insertBallot(_ ballot: BallotRecord, _ db: Database) throws -> Bool {
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO ballot (rowid, evaluation, nonce, token, ratings, tracker) VALUES (?, ?, ?, ?, ?, ?)
            """)
        while true {
            try insert.execute(arguments: [Int64.random(in: 1...Int64.max), ballot.evaluation, ballot.nonce, ballot.token,
                                           ballot.storedRatings, ballot.tracker])
            if db.changesCount == 1 {
                try db.cachedStatement(sql: "INSERT INTO pending_ballot (evaluation, nonce, tracker) VALUES (?, ?, ?)")
                    .execute(arguments: [ballot.evaluation, ballot.nonce, ballot.tracker])
                return true
            }
            let spent = try db.cachedStatement(sql: "SELECT 1 FROM ballot WHERE evaluation = ? AND nonce = ?")
            if try Bool.fetchOne(spent, arguments: [ballot.evaluation, ballot.nonce]) == true { return false }
        }
    }

    public func pendingBallots(evaluation: String) async throws -> [PendingBallot] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.nonce, b.token, b.ratings FROM pending_ballot p JOIN ballot b ON b.evaluation = p.evaluation AND b.nonce = p.nonce
                WHERE p.evaluation = ?
                """, arguments: [evaluation])
                .map { row in PendingBallot(nonce: row[0], token: row[1], storedRatings: row[2]) }
        }
    }

    /// A logged ballot by its position's key; a pending one among the few pending ballots
    /// (read whole: they are what the last second or so brought).
    public func nonceSpent(evaluation: String, nonce: Data) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM ballot WHERE evaluation = ? AND nonce = ?", arguments: [evaluation, nonce]) ?? false
        }
    }

    public func ballotPlace(evaluation: String, tracker: String) async throws -> BallotPlace? {
        try await pool.read { db in
            if let seq = try Int.fetchOne(db, sql: "SELECT seq FROM ballot_position WHERE evaluation = ? AND tracker = ?",
                                          arguments: [evaluation, tracker]) {
                return .logged(seq: seq)
            }
            let pending = try Bool.fetchOne(db, sql: "SELECT 1 FROM pending_ballot WHERE evaluation = ? AND tracker = ?",
                                            arguments: [evaluation, tracker]) ?? false
            return pending ? .pending : nil
        }
    }

    /// A ballot row (with `seq` from its position, if logged) as a record.
    static func ballot(_ row: Row) throws(StoreError) -> BallotRecord {
        BallotRecord(evaluation: row["evaluation"], nonce: row["nonce"], token: row["token"],
                     ratings: try StoredRatings.decode(row["ratings"]), storedRatings: row["ratings"], tracker: row["tracker"], seq: row["seq"])
    }
}
