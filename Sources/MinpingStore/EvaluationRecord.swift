import Foundation
import MinpingCore

/// An evaluation's row: its definition (canonical JSON), where it is in its ``Lifecycle``,
/// and when it was made. Its issuing key is kept apart (``EvaluationStore/sealedTokenKey(evaluation:)``),
/// sealed, and never travels with the record.
public struct EvaluationRecord: Sendable, Equatable {
    public var id: String
    public var street: String
    /// The definition's canonical JSON, as in the `created` entry and `definition.json`.
    public var definitionJSON: [UInt8]
    public var lifecycle: Lifecycle
    public var createdAt: Date

    public init(id: String, street: String, definitionJSON: [UInt8], lifecycle: Lifecycle, createdAt: Date) {
        self.id = id
        self.street = street
        self.definitionJSON = definitionJSON
        self.lifecycle = lifecycle
        self.createdAt = createdAt
    }

    public var state: EvaluationState { lifecycle.state }
    public var electorate: Int { lifecycle.electorate }
    public var issued: Int { lifecycle.issued }
    public var ballots: Int { lifecycle.ballots }
}

extension EvaluationRecord {
    /// Moves the lifecycle by a step's events, all or nothing, as ``StoreError/refused(_:)``.
    public mutating func apply(_ events: [LifecycleEvent]) throws(StoreError) {
        do {
            try lifecycle.apply(events)
        } catch {
            throw .refused(error)
        }
    }
}
