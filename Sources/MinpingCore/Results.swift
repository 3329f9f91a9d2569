public enum ResultsStage: String, Sendable, Equatable, Codable {
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
    /// Supplementary rounds (SPEC §3 `rounds`), absent while there are none.
    public var rounds: [RoundSummary] = []

    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [("evaluation", .string(evaluation))]
        if let stage { members.append(("stage", .string(stage.rawValue))) }
        members += [
            ("electorate", .int(electorate)),
            ("ballots", .int(ballots)),
            ("quorum_met", .bool(quorumMet)),
            ("subjects", .array(subjects.map(\.jsonValue))),
        ]
        if !rounds.isEmpty {
            members.append(("rounds", .array(rounds.map { round in
                .object([("round", .int(round.round)), ("subjects", .array(round.subjects.map(JSONValue.string))),
                         ("ballots", .int(round.ballots)), ("electorate", .int(round.electorate))])
            })))
        }
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
    /// Star ids in the order the rules list them (withheld ones left out).
    public var stars: [String]
    /// Flag ids raised, in the order the rules list them; nil when no flag rule applies to
    /// the subject's kind (the JSON leaves `flags` out then).
    public var flags: [String]?
    /// Stars the count awarded and a remedy or the street withheld (SPEC §3).
    public var withheld: [WithheldStar] = []
    /// The supplementary round the counts come from; nil for round 1.
    public var round: Int?
    /// The roster's values a `correct` remedy replaced; nil when nothing was corrected.
    public var corrected: Correction?

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
        if let flags { members.append(("flags", .array(flags.map(JSONValue.string)))) }
        if !withheld.isEmpty {
            members.append(("withheld", .array(withheld.map { star in
                .object([("star", .string(star.star)), ("reason", .string(star.reason))]
                        + (star.appeal.map { [("appeal", JSONValue.string($0))] } ?? []))
            })))
        }
        if let round { members.append(("round", .int(round))) }
        if let corrected {
            members.append(("corrected", .object((corrected.name.map { [("name", JSONValue.string($0))] } ?? [])
                + (corrected.organization.map { [("organization", JSONValue.string($0))] } ?? []))))
        }
        return .object(members)
    }
}

extension EvaluationResults {
    /// Each subject's name as these results show it: the definition's, or a correction's
    /// (SPEC §6 `correct`) once published. Whatever names a subject beside these results
    /// (a remedy's sentence, an appeal, a branch heading) names it so.
    public func subjectNames(_ definition: EvaluationDefinition) -> [String: String] {
        var names = Dictionary(definition.subjects.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for subject in subjects { names[subject.id] = subject.name }
        return names
    }

    /// Each organization's name as these results show it: a corrected branch is renamed
    /// wherever its members are listed under it, not only in its own row.
    public func organizationNames(_ definition: EvaluationDefinition) -> [String: String] {
        var names = Dictionary(definition.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for subject in subjects where subject.kind == .organization { names[subject.id] = subject.name }
        return names
    }
}

extension EvaluationResults {
    /// Reads results back from their JSON (a `results` entry, whose keys are in canonical
    /// order), the counts in the definition's option order: the one place results are read
    /// from JSON, so everything after works on the typed value.
    public init(json: JSONValue, definition: EvaluationDefinition) throws(ResultsReadError) {
        let fields = try Self.object(json, "results")
        evaluation = try Self.string(fields["evaluation"], "evaluation")
        stage = try fields["stage"].map { value throws(ResultsReadError) in
            guard let stage = ResultsStage(rawValue: try Self.string(value, "stage")) else { throw ResultsReadError("stage") }
            return stage
        }
        electorate = try Self.int(fields["electorate"], "electorate")
        ballots = try Self.int(fields["ballots"], "ballots")
        guard case let .bool(quorumMet)? = fields["quorum_met"] else { throw ResultsReadError("quorum_met") }
        self.quorumMet = quorumMet
        guard case let .array(items)? = fields["subjects"] else { throw ResultsReadError("subjects") }
        if case let .array(roundItems)? = fields["rounds"] {
            rounds = try roundItems.map { item throws(ResultsReadError) in
                let round = try Self.object(item, "rounds[]")
                guard case let .array(ids)? = round["subjects"] else { throw ResultsReadError("rounds[].subjects") }
                return RoundSummary(round: try Self.int(round["round"], "rounds[].round"),
                                    subjects: try ids.map { id throws(ResultsReadError) in try Self.string(id, "rounds[].subjects[]") },
                                    ballots: try Self.int(round["ballots"], "rounds[].ballots"),
                                    electorate: try Self.int(round["electorate"], "rounds[].electorate"))
            }
        }
        subjects = try items.map { item throws(ResultsReadError) in
            let subject = try Self.object(item, "subjects[]")
            guard let kind = SubjectKind(rawValue: try Self.string(subject["kind"], "kind")) else { throw ResultsReadError("kind") }
            let counts = try Self.object(subject["counts"] ?? .null, "counts")
            let rate = try Self.optionalString(subject["rate"], "rate")
            guard case let .array(starItems)? = subject["stars"] else { throw ResultsReadError("stars") }
            var result = SubjectResult(
                id: try Self.string(subject["id"], "id"), kind: kind, name: try Self.string(subject["name"], "name"),
                organization: try Self.optionalString(subject["organization"], "organization"),
                counts: try definition.options.map { option throws(ResultsReadError) in
                    OptionCount(option: option.id, count: try Self.int(counts[option.id], "counts.\(option.id)"))
                },
                satisfied: try Self.int(subject["satisfied"], "satisfied"),
                denominator: try Self.int(subject["denominator"], "denominator"), rate: rate,
                stars: try starItems.map { star throws(ResultsReadError) in try Self.string(star, "stars[]") })
            if case let .array(withheld)? = subject["withheld"] {
                result.withheld = try withheld.map { item throws(ResultsReadError) in
                    let star = try Self.object(item, "withheld[]")
                    return WithheldStar(star: try Self.string(star["star"], "withheld[].star"),
                                        reason: try Self.string(star["reason"], "withheld[].reason"),
                                        appeal: try Self.optionalString(star["appeal"], "withheld[].appeal"))
                }
            }
            if let flags = subject["flags"] {
                guard case let .array(flagItems) = flags else { throw ResultsReadError("flags") }
                result.flags = try flagItems.map { flag throws(ResultsReadError) in try Self.string(flag, "flags[]") }
            }
            if let round = subject["round"] { result.round = try Self.int(round, "round") }
            if let corrected = subject["corrected"] {
                let fields = try Self.object(corrected, "corrected")
                result.corrected = Correction(name: try Self.optionalString(fields["name"], "corrected.name"),
                                              organization: try Self.optionalString(fields["organization"], "corrected.organization"))
            }
            return result
        }
    }

    private static func object(_ value: JSONValue, _ name: String) throws(ResultsReadError) -> [String: JSONValue] {
        guard case let .object(members) = value else { throw ResultsReadError(name) }
        return Dictionary(members, uniquingKeysWith: { first, _ in first })
    }

    private static func string(_ value: JSONValue?, _ name: String) throws(ResultsReadError) -> String {
        guard case let .string(text)? = value else { throw ResultsReadError(name) }
        return text
    }

    /// Absent or null reads as nil; any other kind is refused.
    private static func optionalString(_ value: JSONValue?, _ name: String) throws(ResultsReadError) -> String? {
        switch value {
        case nil, .null?: nil
        case let .string(text)?: text
        default: throw ResultsReadError(name)
        }
    }

    private static func int(_ value: JSONValue?, _ name: String) throws(ResultsReadError) -> Int {
        guard case let .int(number)? = value else { throw ResultsReadError(name) }
        return number
    }
}

/// Results JSON that does not read back: names the field.
public struct ResultsReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    init(_ field: String) { self.field = field }
    public var description: String { "results field '\(field)' is missing or of the wrong kind" }
}
