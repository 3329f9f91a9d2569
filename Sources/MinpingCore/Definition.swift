/// An evaluation definition (一次测评的定义), as read from `Ballots/*.yaml`.
///
/// Values of this type are always valid: the only way to build one from outside input is
/// ``DefinitionParser``, which refuses everything SPEC §2 refuses.
/// - Seealso: SPEC §2
public struct EvaluationDefinition: Sendable, Equatable {
    public var id: String
    public var title: String
    public var street: String
    public var community: String?
    public var electorate: Int
    public var publicityDays: Int
    public var options: [RatingOption]
    public var rules: CountingRules
    public var organizations: [Organization]
    public var members: [Member]
    /// Cadres rated by a level-2 evaluation (两级测评: members rate the community's cadres).
    public var cadres: [Cadre]
    /// The same community's previous round (动态增星减星): checked to exist on the same street
    /// when this one is created; read but never checked by `tally` and the verifiers.
    public var previous: String?
    /// What the printed notices say (SPEC §2): when and where, whom to ask, who issues.
    public var notice: Notice?
    /// The period this evaluation belongs to (`"2026"`, `"2026年第三季度"`): it groups a street's
    /// evaluations on its star board (SPEC §2, §7).
    public var round: String?

    public init(
        id: String, title: String, street: String, community: String? = nil,
        electorate: Int, publicityDays: Int = EvaluationDefinition.defaultPublicityDays,
        options: [RatingOption] = RatingOption.defaults, rules: CountingRules = .rushan,
        organizations: [Organization], members: [Member], cadres: [Cadre] = [], previous: String? = nil, notice: Notice? = nil,
        round: String? = nil
    ) {
        self.cadres = cadres
        self.round = round
        self.notice = notice
        self.id = id
        self.title = title
        self.street = street
        self.community = community
        self.electorate = electorate
        self.publicityDays = publicityDays
        self.options = options
        self.rules = rules
        self.organizations = organizations
        self.members = members
        self.previous = previous
    }

    public static let defaultPublicityDays = 5

    /// Every rated subject in result order: members in definition order, then organizations,
    /// then cadres.
    /// - Seealso: SPEC §3 ("organizations after members, cadres last")
    public var subjects: [Subject] {
        members.map { Subject(id: $0.id, kind: .member, name: $0.name, organization: $0.organization) }
            + organizations.map { Subject(id: $0.id, kind: .organization, name: $0.name, organization: nil) }
            + cadres.map { Subject(id: $0.id, kind: .cadre, name: $0.name, organization: nil, title: $0.title) }
    }

    public func organization(id: String) -> Organization? {
        organizations.first { $0.id == id }
    }
}

/// One rating choice, e.g. 满意 / 基本满意 / 不满意 / 不了解.
public struct RatingOption: Sendable, Equatable {
    public var id: String
    public var label: String
    /// Counts towards the satisfaction rate.
    public var satisfied: Bool
    /// "I don't know this person": excluded from the `answers` denominator.
    public var abstain: Bool
    /// Counts towards a `dissatisfied_above` flag (SPEC §2); the default 不满意 does.
    public var dissatisfied: Bool

    public init(id: String, label: String, satisfied: Bool = false, abstain: Bool = false, dissatisfied: Bool = false) {
        self.id = id
        self.label = label
        self.satisfied = satisfied
        self.abstain = abstain
        self.dissatisfied = dissatisfied
    }

    /// The default list of SPEC §2, used when a definition gives no `options`.
    public static let defaults: [RatingOption] = [
        RatingOption(id: "satisfied", label: "满意", satisfied: true),
        RatingOption(id: "basically_satisfied", label: "基本满意", satisfied: true),
        RatingOption(id: "dissatisfied", label: "不满意", dissatisfied: true),
        RatingOption(id: "unknown", label: "不了解", abstain: true),
    ]
}

public struct Organization: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// The name this id had in the previous round, for a real change of name (SPEC §2).
    public var renamedFrom: String?

    public init(id: String, name: String, renamedFrom: String? = nil) {
        self.id = id
        self.name = name
        self.renamedFrom = renamedFrom
    }
}

public struct Member: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// The id of the member's branch (党支部); optional, but when given it must be listed.
    public var organization: String?
    /// The name this id had in the previous round, for a real change of name (SPEC §2).
    public var renamedFrom: String?

    public init(id: String, name: String, organization: String?, renamedFrom: String? = nil) {
        self.id = id
        self.name = name
        self.organization = organization
        self.renamedFrom = renamedFrom
    }
}

/// A cadre (干部) rated in a level-2 evaluation: 社区党委书记, 网格员 (SPEC §2 `cadres`).
public struct Cadre: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// 职务, shown beside the name.
    public var title: String?
    /// The name this id had in the previous round, for a real change of name (SPEC §2).
    public var renamedFrom: String?

    public init(id: String, name: String, title: String? = nil, renamedFrom: String? = nil) {
        self.id = id
        self.name = name
        self.title = title
        self.renamedFrom = renamedFrom
    }
}

public enum SubjectKind: String, Sendable, Equatable, Codable, CaseIterable {
    case member
    case organization
    case cadre
}

/// A member, an organization or a cadre being rated.
public struct Subject: Sendable, Equatable {
    public var id: String
    public var kind: SubjectKind
    public var name: String
    public var organization: String?
    /// A cadre's 职务.
    public var title: String? = nil
}

/// How ratings become stars.
/// - Seealso: SPEC §3
public struct CountingRules: Sendable, Equatable {
    public enum Denominator: String, Sendable, CaseIterable {
        /// Every ballot cast; blank and abstain count against.
        case ballots
        /// Ballots that gave the subject a non-abstain option.
        case answers
        /// The definition's electorate.
        case electorate
    }

    public enum Comparison: String, Sendable, CaseIterable {
        /// 超过: strictly greater.
        case above
        /// 达到: greater or equal.
        case atLeast = "at_least"
    }

    public var denominator: Denominator
    public var comparison: Comparison
    /// When set, ballots cast must exceed this share of the electorate for any star.
    public var quorumPercent: Percent?
    public var memberStars: [StarRule]
    public var organizationStars: [StarRule]
    /// Stars a cadre can earn: none by default.
    public var cadreStars: [StarRule]
    /// Low-result flags (黑旗, 需整改): none by default.
    public var flags: [FlagRule]

    public init(
        denominator: Denominator = .ballots, comparison: Comparison = .above,
        quorumPercent: Percent? = nil,
        memberStars: [StarRule] = CountingRules.rushanMemberStars,
        organizationStars: [StarRule] = CountingRules.rushanOrganizationStars,
        cadreStars: [StarRule] = [], flags: [FlagRule] = []
    ) {
        self.denominator = denominator
        self.comparison = comparison
        self.quorumPercent = quorumPercent
        self.memberStars = memberStars
        self.organizationStars = organizationStars
        self.cadreStars = cadreStars
        self.flags = flags
    }

    /// 乳山 rule: members above 60 % earn 群众认可星, above 80 % 群众满意星.
    public static let rushanMemberStars: [StarRule] = [
        StarRule(star: "recognition", label: "群众认可星", percent: Percent(basisPoints: 6000)),
        StarRule(star: "satisfaction", label: "群众满意星", percent: Percent(basisPoints: 8000)),
    ]

    /// 乳山 rule: organizations above 70 % earn 群众满意星.
    public static let rushanOrganizationStars: [StarRule] = [
        StarRule(star: "satisfaction", label: "群众满意星", percent: Percent(basisPoints: 7000)),
    ]

    /// The default rules of SPEC §2.
    public static let rushan = CountingRules()

    public func stars(for kind: SubjectKind) -> [StarRule] {
        switch kind {
        case .member: memberStars
        case .organization: organizationStars
        case .cadre: cadreStars
        }
    }

    /// The flag rules that apply to subjects of `kind`, in the order the rules list them.
    public func flags(for kind: SubjectKind) -> [FlagRule] {
        flags.filter { $0.kinds.contains(kind) }
    }
}

/// A low-result flag (SPEC §2 `rules.flags`): 黑旗 when the satisfaction rate is below a
/// percent, 需整改 when the dissatisfied share is above one. Decided in integers, as stars are.
public struct FlagRule: Sendable, Equatable {
    public enum Condition: Sendable, Equatable {
        /// `satisfied * 10000 < p_bp * denominator`.
        case below(Percent)
        /// `dissatisfied * 10000 > p_bp * denominator`.
        case dissatisfiedAbove(Percent)
    }

    public var flag: String
    public var label: String
    public var kinds: [SubjectKind]
    public var condition: Condition

    public init(flag: String, label: String, kinds: [SubjectKind], condition: Condition) {
        self.flag = flag
        self.label = label
        self.kinds = kinds
        self.condition = condition
    }
}

/// A star awarded when the satisfaction rate passes `percent`.
public struct StarRule: Sendable, Equatable {
    public var star: String
    public var label: String
    public var percent: Percent

    public init(star: String, label: String, percent: Percent) {
        self.star = star
        self.label = label
        self.percent = percent
    }
}

/// The fields of the printed notices (测评公告, 初评公示, 结果公示; SPEC §2 `notice`): each
/// optional, each at most 200 characters, the text at most 2,000 (line breaks kept).
public struct Notice: Sendable, Equatable {
    /// When the meeting is, as people write it: 2026年12月20日上午9:00.
    public var date: String?
    public var place: String?
    /// Where and how to appeal: 街道党工委办公室 0631-1234567.
    public var contact: String?
    /// The 落款: 中共城区街道工作委员会.
    public var issuer: String?
    public var text: String?

    public init(date: String? = nil, place: String? = nil, contact: String? = nil, issuer: String? = nil, text: String? = nil) {
        self.date = date
        self.place = place
        self.contact = contact
        self.issuer = issuer
        self.text = text
    }

    public static let keys = ["date", "place", "contact", "issuer", "text"]
    public static let maximumTextLength = 2_000

    var fields: [(String, String)] {
        [("date", date), ("place", place), ("contact", contact), ("issuer", issuer), ("text", text)].compactMap { key, value in
            value.map { (key, $0) }
        }
    }
}
