/// Who may do what (SPEC §7): an operator acts on every street, an admin or a reviewer on one,
/// a teller (计票人) on one evaluation, and may only count its paper forms.
public enum Role: String, Sendable, CaseIterable, Codable {
    case `operator`, admin, reviewer, teller

    /// "an admin", "a reviewer": the role in an English sentence.
    public var withArticle: String {
        switch self {
        case .operator: "an operator"
        case .admin: "an admin"
        case .reviewer: "a reviewer"
        case .teller: "a teller"
        }
    }
}
