import Foundation
import MinpingCore
import MinpingStore
import NIOCore
import PostgresNIO

/// Ballots (SPEC §4, issue 35): a ballot transaction key-share locks its evaluation and counts in
/// `ballot_tally`, so ballot transactions on any instance never wait for each other.
extension PostgresStore {
    /// The rows a ballot transaction adds its count to, one chosen at random (issue 35).
    static let tallyShards = 16

    public func spendTokensAndStoreBallots(_ ballots: [BallotRecord]) async throws -> [BallotOutcome] {
        // If the connection is lost at COMMIT, the first ballot stored tells whether the
        // transaction committed (it is all or nothing); with none stored nothing changed.
        let committed: ([BallotOutcome]) async throws -> Bool = { outcomes in
            guard let index = outcomes.firstIndex(of: .stored) else { return true }
            let ballot = ballots[index]
            return try await !self.rows("""
                SELECT 1 FROM ballot WHERE evaluation = \(ballot.evaluation) AND nonce = \(ballot.nonce) AND tracker = \(ballot.tracker)
                """).isEmpty
        }
        return try await write(committed: committed) { connection in
            // Evaluations in one order on every instance, so two batches never wait on each other's locks.
            let byEvaluation = Dictionary(grouping: ballots.indices, by: { ballots[$0].evaluation }).sorted(by: { $0.key < $1.key })
                .map { evaluation, indices in
                    // A nonce twice in one batch: the first is tried, the others are spent.
                    var nonces: Set<Data> = []
                    return (evaluation, indices, tried: indices.filter { nonces.insert(ballots[$0].nonce).inserted })
                }
            // Three statements an evaluation, sent together with BEGIN (Session.run): its row
            // key-share locked until commit, so the state a ballot is checked against cannot
            // move under it while other ballot transactions (on any instance) do not wait for
            // it; its tallies, summed once the lock is held; its ballots inserted. Spending the
            // nonce is the insert (its primary key), across every instance; the insert answers
            // with the nonces it took.
            let answers: [PostgresQueryResult]
            do {
                answers = try await connection.run(byEvaluation.flatMap { evaluation, _, tried in
                    [Self.evaluationQuery(evaluation, lock: .ballot), Self.tallyQuery(evaluation), """
                        INSERT INTO ballot (evaluation, nonce, token, ratings, tracker, seq)
                        SELECT \(evaluation), nonce, token, ratings, tracker, NULL
                        FROM unnest(\(tried.map { ByteBuffer(data: ballots[$0].nonce) })::bytea[], \(tried.map { ballots[$0].token })::text[],
                                    \(tried.map { ballots[$0].storedRatings })::text[], \(tried.map { ballots[$0].tracker })::text[])
                             AS arriving (nonce, token, ratings, tracker)
                        WHERE EXISTS (SELECT 1 FROM evaluation WHERE id = \(evaluation))
                        ON CONFLICT DO NOTHING RETURNING nonce
                        """]
                }, logger: logger)
            } catch let failure as Session.Failure {
                throw failure.error
            }
            var outcomes = [BallotOutcome](repeating: .tokenSpent, count: ballots.count)
            for (position, (evaluation, indices, tried)) in byEvaluation.enumerated() {
                let (row, tally, inserted) = (answers[3 * position], answers[3 * position + 1], answers[3 * position + 2])
                let stored = Set(try inserted.map { try $0.decode(Data.self) })
                guard let row = row.first(where: { _ in true }) else {
                    for index in indices { outcomes[index] = .unknownEvaluation }
                    continue
                }
                let tallied = try tally.first(where: { _ in true })?.decode(Int.self) ?? 0
                var lifecycle = try Self.evaluationRecord(row, tallied: tallied, appeals: [:]).lifecycle
                var refused: [ByteBuffer] = []
                for index in tried where stored.contains(ballots[index].nonce) {
                    do throws(LifecycleRefusal) {
                        try lifecycle.apply(.ballotCast(round: ballots[index].round))
                        outcomes[index] = .stored
                    } catch {
                        outcomes[index] = .refused(error)
                        refused.append(ByteBuffer(data: ballots[index].nonce))
                    }
                }
                // Both go with COMMIT (Session.queue); one failing rolls the whole batch back.
                if !refused.isEmpty {
                    connection.queue("DELETE FROM ballot WHERE evaluation = \(evaluation) AND nonce = ANY(\(refused)::bytea[])")
                }
                // Counted in one of a few rows chosen at random, never in the evaluation's own row:
                // concurrent batches seldom meet, and a lifecycle step folds them (write(_:…)).
                let counted = indices.filter { outcomes[$0] == .stored }.count
                if counted > 0 {
                    connection.queue("""
                        INSERT INTO ballot_tally (evaluation, shard, ballots) VALUES (\(evaluation), \(Int.random(in: 0..<Self.tallyShards)), \(counted))
                        ON CONFLICT (evaluation, shard) DO UPDATE SET ballots = ballot_tally.ballots + excluded.ballots
                        """)
                }
            }
            return outcomes
        }
    }

    public func pendingBallots(evaluation: String) async throws -> [PendingBallot] {
        try await rows("SELECT nonce, token, ratings FROM ballot WHERE evaluation = \(evaluation) AND seq IS NULL").map { row in
            let (nonce, token, ratings) = try row.decode((Data, String, String).self)
            return PendingBallot(nonce: nonce, token: token, storedRatings: ratings)
        }
    }

    public func nonceSpent(evaluation: String, nonce: Data) async throws -> Bool {
        !(try await rows("SELECT 1 FROM ballot WHERE evaluation = \(evaluation) AND nonce = \(nonce)")).isEmpty
    }

    public func ballotPlace(evaluation: String, tracker: String) async throws -> BallotPlace? {
        try await rows("SELECT seq FROM ballot WHERE evaluation = \(evaluation) AND tracker = \(tracker)").first.map { row in
            try row.decode(Int?.self).map { .logged(seq: $0) } ?? .pending
        }
    }
}
