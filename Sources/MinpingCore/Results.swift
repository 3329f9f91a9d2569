public enum ResultsStage: String, Sendable, Equatable {
    case preliminary
    case final
}

/// The results of one evaluation, in the JSON shape of SPEC §3.
public struct EvaluationResults: Sendable, Equatable {
    public var evaluation: String
    /// Absent from `minping tally` output; set when results are published.
    public var stage: ResultsStage?
    public var electorate: Int
    public var ballots: Int
    public var quorumMet: Bool
    /// Members in definition order, then organizations.
    public var subjects: [SubjectResult]

    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [("evaluation", .string(evaluation))]
        if let stage { members.append(("stage", .string(stage.rawValue))) }
        members += [
            ("electorate", .int(electorate)),
            ("ballots", .int(ballots)),
            ("quorum_met", .bool(quorumMet)),
            ("subjects", .array(subjects.map(\.jsonValue))),
        ]
        return .object(members)
    }
}

public struct OptionCount: Sendable, Equatable {
    public var option: String
    public var count: Int
}

public struct SubjectResult: Sendable, Equatable {
    public var id: String
    public var kind: SubjectKind
    public var name: String
    public var organization: String?
    /// One entry per option, in the definition's option order.
    public var counts: [OptionCount]
    public var satisfied: Int
    public var denominator: Int
    /// Rounded half-up to one decimal, e.g. "76.9"; nil when the denominator is 0.
    public var rate: String?
    /// Star ids in the order the rules list them.
    public var stars: [String]

    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(id)), ("kind", .string(kind.rawValue)), ("name", .string(name)),
        ]
        if let organization { members.append(("organization", .string(organization))) }
        members += [
            ("counts", .object(counts.map { ($0.option, .int($0.count)) })),
            ("satisfied", .int(satisfied)),
            ("denominator", .int(denominator)),
            ("rate", rate.map(JSONValue.string) ?? .null),
            ("stars", .array(stars.map(JSONValue.string))),
        ]
        return .object(members)
    }
}
