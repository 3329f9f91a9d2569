import Foundation
import MinpingLog
import MinpingStore

// MARK: Integration: accepted ballots into the log, in shuffled batches (SPEC §5)

extension EvaluationService {
    /// Integrates the evaluation's pending ballots, shuffled, followed by a checkpoint.
    /// Returns how many were integrated.
    @discardableResult
    public func integratePending(_ id: String) async throws -> Int {
        // Read under the lock: `close` and `annul` integrate the same ballots in their own step.
        try await locked(id) {
            try await integrateLocked(id)
        }
    }

    /// Integrates the pending ballots in batches of at most `batchSize`, each its own step
    /// with a checkpoint (SPEC §5: a checkpoint after every batch): while voting, the store's
    /// single writer is never held long, so ballots keep their latency. The caller holds the lock.
    func integrateLocked(_ id: String, batchSize: Int = integrationBatch) async throws -> Int {
        let pending = try await store.pendingBallots(evaluation: id)
        for batch in Self.batches(pending, size: batchSize) {
            let started = ContinuousClock.now
            try await commitStep(id) { head, _ in
                let (entries, positions) = try Self.ballotEntries(batch, head: &head)
                return (entries, [.lifecycle(.ballotsLogged), .integrateBallots(positions)])
            }
            ServiceMetrics.integrated(count: batch.count, duration: ContinuousClock.now - started)
        }
        return pending.count
    }

    /// Integrates every evaluation's pending ballots: at start-up (ballots accepted before a
    /// crash come first) and on every tick of the integrator.
    @discardableResult
    public func integrateAll() async throws -> Int {
        var total = 0
        for id in try await store.evaluationIDs() {
            do {
                total += try await integratePending(id)
            } catch ServiceError.busy {
                // Another instance on the same database integrated these ballots first (SPEC §9).
                logger.info("another writer integrated first; trying again next round", metadata: ["evaluation": "\(id)"])
            } catch {
                logger.error("integration failed", metadata: ["evaluation": "\(id)", "error": "\(error)"])
            }
        }
        return total
    }

    /// Ballots per integration step: a step of 500 holds SQLite's one writer for tens of
    /// milliseconds while voters queue behind it (BENCHMARKS.md).
    static let integrationBatch = 100

    /// Ballots per step when voting ends (close, annul): ballots are held at the door then, so
    /// no voter waits on the writer, and fewer, larger steps take the backlog in sooner (fewer
    /// commits and signed checkpoints; a larger batch also mixes more ballots).
    static let closingBatch = 1_000

    /// A round's pending ballots in batches of at most `size`, drawn at random: a store may
    /// list them in casting order (PostgreSQL's heap does), and the k-th batch must not be
    /// "the k-th hundred to arrive". Each batch is shuffled again as it is logged.
    static func batches(_ pending: [PendingBallot], size: Int = integrationBatch) -> [[PendingBallot]] {
        let drawn = pending.shuffled()
        return stride(from: 0, to: drawn.count, by: size).map { Array(drawn[$0..<min($0 + size, drawn.count)]) }
    }

    static func ballotEntries(_ pending: [PendingBallot], head: inout LogHead) throws -> ([LogEntry], [Data: Int]) {
        var entries: [LogEntry] = []
        var positions: [Data: Int] = [:]
        // Random order within the batch: the log's order does not reveal casting order.
        for ballot in pending.shuffled() {
            let entry = try head.appendBallot(token: ballot.token, storedRatings: ballot.storedRatings)
            positions[ballot.nonce] = entry.seq
            entries.append(entry)
        }
        return (entries, positions)
    }
}
