import Foundation
import MinpingCore

/// Entries to append with a checkpoint after them, and the state changes they record, in one
/// transaction: the log and the state never disagree.
public struct LogStep: Sendable {
    public var evaluation: String
    /// How many entries the log must have before this step (optimistic concurrency).
    public var expectedSize: Int
    public var entries: [StoredEntry]
    /// The signed checkpoint of the log after these entries.
    public var checkpoint: String
    public var effects: [LogEffect]

    public init(evaluation: String, expectedSize: Int, entries: [StoredEntry], checkpoint: String, effects: [LogEffect]) {
        self.evaluation = evaluation
        self.expectedSize = expectedSize
        self.entries = entries
        self.checkpoint = checkpoint
        self.effects = effects
    }

    /// The moves of the lifecycle this step records, in order.
    public var lifecycleEvents: [LifecycleEvent] { effects.lifecycleEvents }
}

/// One write of a log step. ``LogStep/writes(locked:logSize:)`` says which, in what order;
/// each store only knows how to make one.
public enum LogWrite: Sendable {
    /// A row beside the evaluation's own (a code, a ballot's position, an appeal, …).
    case effect(LogEffect)
    case entries([StoredEntry])
    case checkpoint(note: String, size: Int)
    /// The evaluation's row as its lifecycle now stands.
    case lifecycle(Lifecycle)
}

extension LogStep {
    /// The log-step algorithm, written once for every store (SPEC §5, §9): given the evaluation
    /// as this transaction holds it and the log's size, the writes that take the step, in order:
    /// the rows beside the evaluation, the entries, the checkpoint over them, the evaluation's
    /// row. Refused before any write if another writer moved the log (``StoreError/logConflict``)
    /// or the lifecycle refuses a move; a store runs the writes in one transaction, so a write
    /// that fails leaves nothing behind either.
    public func writes(locked record: EvaluationRecord, logSize: Int) throws(StoreError) -> (record: EvaluationRecord, writes: [LogWrite]) {
        guard logSize == expectedSize else { throw .logConflict }
        var record = record
        try record.apply(lifecycleEvents)
        return (record, effects.map(LogWrite.effect) + [
            .entries(entries),
            .checkpoint(note: checkpoint, size: logSize + entries.count),
            .lifecycle(record.lifecycle),
        ])
    }
}

extension [LogEffect] {
    /// The moves of the lifecycle among these effects, in order.
    public var lifecycleEvents: [LifecycleEvent] {
        compactMap { if case let .lifecycle(event) = $0 { event } else { nil } }
    }
}

/// The state changes a log step records. The evaluation's own row moves only through
/// ``Lifecycle/apply(_:)``; the rest are the rows beside it.
public enum LogEffect: Sendable, Equatable {
    /// Moves the evaluation's lifecycle (refused as the lifecycle refuses).
    case lifecycle(LifecycleEvent)
    /// Consumes an unused enrollment code (by hash), keeping the answer it got, so that the
    /// same request sent again (its answer was lost) gets the same answer.
    case redeemEnrollmentCode(hash: String, answer: CodeAnswer)
    /// Gives pending ballots (by nonce) their log positions.
    case integrateBallots([Data: Int])
    /// Refused if any ballot is still pending: close and annul integrate them all first.
    case requireNoPendingBallots
    case storeAppeal(AppealRecord)
    case storeResolution(id: String, outcome: AppealOutcome, note: String)
    /// A supplementary round's issuing key, sealed, with its subjects (SPEC §6 `revote`).
    case storeRoundKey(RoundKey)
    /// Every enrollment code not yet used stops working: a new round needs new codes.
    case voidUnusedCodes
    /// Records a batch of token slips (codes record theirs with the codes).
    case recordBatch(SlipBatch)
    /// Voids a batch of codes: refused (`batchUsed`) if any of its codes was used.
    case voidBatch(id: String)
}
