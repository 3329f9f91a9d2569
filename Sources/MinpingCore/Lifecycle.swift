/// The lifecycle states of an evaluation.
/// - Seealso: SPEC §6
public enum EvaluationState: String, Sendable, CaseIterable, Codable {
    case draft, open, closed, preliminary, final, annulled

    /// Slips and enrollment tokens may be issued in draft and open.
    public var issuesTokens: Bool { self == .draft || self == .open }

    /// Results are public only from preliminary; before that, only turnout.
    public var resultsPublic: Bool { self == .preliminary || self == .final }

    /// The states a step may move to from here (`annulled` from any state but `final`).
    public func canMove(to next: EvaluationState) -> Bool {
        switch (self, next) {
        case (.draft, .open), (.open, .closed), (.closed, .preliminary), (.preliminary, .preliminary), (.preliminary, .final):
            true
        case (_, .annulled):
            self != .final && self != .annulled
        default:
            false
        }
    }
}
