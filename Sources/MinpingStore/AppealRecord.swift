import Foundation
import MinpingCore

public struct AppealRecord: Sendable, Equatable {
    public var evaluation: String
    public var id: String
    public var subject: String?
    public var text: String
    public var filedAt: Date
    /// Set once resolved.
    public var outcome: AppealOutcome?
    public var note: String?

    public init(evaluation: String, id: String, subject: String?, text: String, filedAt: Date, outcome: AppealOutcome? = nil, note: String? = nil) {
        self.evaluation = evaluation
        self.id = id
        self.subject = subject
        self.text = text
        self.filedAt = filedAt
        self.outcome = outcome
        self.note = note
    }
}
