import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

extension EvaluationService {
    /// Accepts a ballot exactly once (SPEC §4, Redemption): the token must parse, carry this
    /// evaluation's key id and challenge, and verify; the ratings must name known subjects
    /// and options; then spending the nonce and storing the ballot happen in one transaction
    /// (grouped with concurrent ballots into one commit). Returns the tracker.
    ///
    /// Nothing here logs the token, the ratings or the caller.
    public nonisolated func castBallot(_ id: String, token: String, ratings: [String: String]) async throws -> String {
        do {
            let tracker = try await accept(id, token: token, ratings: ratings)
            ServiceMetrics.ballotAccepted()
            return tracker
        } catch let error as ServiceError {
            ServiceMetrics.ballotRefused(error.code.rawValue)
            throw error
        }
    }

    /// Whether a valid token of the current round was spent: asked by the voting page before
    /// it shows the ballot. Only the token's holder can ask (an invalid token is refused), and
    /// the answer says nothing about any ballot.
    public nonisolated func tokenSpent(_ id: String, token: String) async throws -> Bool {
        let context = try await currentContext(id, round: record(id).lifecycle.round)
        let nonce: Data
        do {
            nonce = try context.verifier.verify(base64URL: token)
        } catch {
            throw ServiceError.tokenInvalid("\(error)")
        }
        return try await store.nonceSpent(evaluation: id, nonce: nonce)
    }

    private nonisolated func accept(_ id: String, token: String, ratings: [String: String]) async throws -> String {
        var context = try await context(id)
        let nonce: Data
        do {
            nonce = try context.verifier.verify(base64URL: token)
        } catch TokenError.wrongKey {
            // A round may have opened since the context was cached (here or on another
            // instance): look once more under the record's round.
            context = try await currentContext(id, round: record(id).lifecycle.round)
            do {
                nonce = try context.verifier.verify(base64URL: token)
            } catch {
                throw ServiceError.tokenInvalid("\(error)")
            }
        } catch {
            throw ServiceError.tokenInvalid("\(error)")
        }
        guard !ratings.isEmpty else { throw ServiceError.ballotInvalid("the ballot rates no subject") }
        if let allowed = context.roundSubjects, let outside = ratings.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ServiceError.ballotInvalid("round \(context.round) rates only its subjects; '\(outside)' is not one of them")
        }
        do {
            try context.blankTally.check(ratings: ratings)
        } catch {
            throw ServiceError.ballotInvalid(error.description)
        }
        // The ratings' canonical JSON, encoded once: the tracker and the stored row use it,
        // and integration splices it into the log entry.
        let storedRatings = StoredRatings.encode(ratings)
        let tracker = Tracker.of(token: token, storedRatings: storedRatings)
        let ballot = BallotRecord(evaluation: id, nonce: nonce, token: token, ratings: ratings, storedRatings: storedRatings,
                                  tracker: tracker, round: context.round)
        switch try await committer.submit(ballot) {
        case .stored: return tracker
        case .tokenSpent: throw ServiceError.tokenSpent
        case let .refused(refusal): throw ServiceError.refused(refusal)
        case .unknownEvaluation: throw ServiceError.notFound("evaluation '\(id)'")
        }
    }
}

/// Group commit: ballots arriving while a commit is in flight wait for the next one, which
/// takes them all in one transaction, so every 202 waits for its fsync without one fsync
/// per ballot.
actor BallotCommitter {
    let store: any EvaluationStore
    private var waiting: [(BallotRecord, CheckedContinuation<BallotOutcome, any Error>)] = []
    private var flushing = false
    /// While set, ballots wait at the door instead of being stored (see ``hold()``).
    private var held = 0
    private var idle: [CheckedContinuation<Void, Never>] = []

    init(store: any EvaluationStore) {
        self.store = store
    }

    func submit(_ ballot: BallotRecord) async throws -> BallotOutcome {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append((ballot, continuation))
            startFlushing()
        }
    }

    /// Holds ballots at the door until ``release()``: the commit in flight finishes first,
    /// ballots arriving meanwhile wait and are stored (or refused, if voting closed) after.
    /// Close and annul hold it, so a steady stream of voters cannot keep them off.
    func hold() async {
        held += 1
        while flushing { await withCheckedContinuation { idle.append($0) } }
    }

    func release() {
        held -= 1
        startFlushing()
    }

    private func startFlushing() {
        guard !flushing, held == 0, !waiting.isEmpty else { return }
        flushing = true
        // Ahead of the request handlers in the cooperative pool: a PostgreSQL batch awaits
        // eight round trips, and each answer waited its turn behind the handlers of the
        // ballots arriving meanwhile (BENCHMARKS.md, issue 35: 2,813 → about 3,150 ballots/s).
        Task(priority: .high) { await self.flush() }
    }

    private func flush() async {
        while !waiting.isEmpty, held == 0 {
            let batch = waiting.prefix(512)
            waiting.removeFirst(batch.count)
            do {
                let outcomes = try await store.spendTokensAndStoreBallots(batch.map(\.0))
                for ((_, continuation), outcome) in zip(batch, outcomes) { continuation.resume(returning: outcome) }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        flushing = false
        let waiters = idle
        idle = []
        for waiter in waiters { waiter.resume() }
    }
}
