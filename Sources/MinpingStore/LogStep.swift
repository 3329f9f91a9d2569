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
