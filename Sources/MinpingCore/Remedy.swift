/// What an upheld appeal does (SPEC §6), and the street's own withholding (一票否决).
public enum Remedy: Sendable, Equatable {
    /// A star the count awarded is withheld, with a public reason.
    case withhold(subject: String, star: String, reason: String)
    /// The roster was wrong: the displayed name or branch changes, counts do not.
    case correct(subject: String, name: String?, organization: String?)
    /// A supplementary vote (补充测评) on these subjects, in a new round with its own key.
    case revote(subjects: [String])
    /// The whole evaluation is annulled.
    case annul(reason: String)

    public var kind: RemedyKind {
        switch self {
        case .withhold: .withhold
        case .correct: .correct
        case .revote: .revote
        case .annul: .annul
        }
    }

    /// The remedy as a resolution body gives it (SPEC §6).
    public var jsonValue: JSONValue {
        var fields: [(String, JSONValue)] = [("kind", .string(kind.rawValue))]
        switch self {
        case let .withhold(subject, star, reason):
            fields += [("subject", .string(subject)), ("star", .string(star)), ("reason", .string(reason))]
        case let .correct(subject, name, organization):
            fields.append(("subject", .string(subject)))
            if let name { fields.append(("name", .string(name))) }
            if let organization { fields.append(("organization", .string(organization))) }
        case let .revote(subjects):
            fields.append(("subjects", .array(subjects.map(JSONValue.string))))
        case let .annul(reason):
            fields.append(("reason", .string(reason)))
        }
        return .object(fields)
    }

    /// A withheld star's reason is public text on the board and in the log: at most this many
    /// characters (SPEC §5).
    public static let maximumReasonLength = 500
}

public enum RemedyKind: String, Sendable, CaseIterable, Codable {
    case withhold, correct, revote, annul
}

/// A star the count awarded and a remedy or the street's veto withheld (SPEC §3 `withheld`).
public struct WithheldStar: Sendable, Equatable {
    public var star: String
    public var reason: String
    /// The upheld appeal that withheld it; nil for the street's own veto.
    public var appeal: String?

    public init(star: String, reason: String, appeal: String?) {
        self.star = star
        self.reason = reason
        self.appeal = appeal
    }
}

/// A subject's name or branch as the roster had it, before a `correct` remedy (SPEC §3
/// `corrected`): the result shows the corrected values, this keeps what they replaced.
public struct Correction: Sendable, Equatable {
    public var name: String?
    public var organization: String?

    public init(name: String? = nil, organization: String? = nil) {
        self.name = name
        self.organization = organization
    }
}

/// A supplementary round of an evaluation (SPEC §3 `rounds`).
public struct RoundSummary: Sendable, Equatable {
    public var round: Int
    public var subjects: [String]
    public var ballots: Int
    public var electorate: Int

    public init(round: Int, subjects: [String], ballots: Int, electorate: Int) {
        self.round = round
        self.subjects = subjects
        self.ballots = ballots
        self.electorate = electorate
    }
}

/// A remedy as the log took it: the appeal it answered (nil: the street's veto) and, for a
/// revote, the round it opened.
public struct TakenRemedy: Sendable, Equatable {
    public var appeal: String?
    public var remedy: Remedy
    public var round: Int?

    public init(appeal: String?, remedy: Remedy, round: Int? = nil) {
        self.appeal = appeal
        self.remedy = remedy
        self.round = round
    }
}

/// Everything remedies changed, in log order: the one place results are amended, by the
/// service when it publishes and by the verifiers when they recount (SPEC §3, §6). The list of
/// remedies is the one fact kept; what they withheld, corrected and opened is read from it.
public struct Amendments: Sendable, Equatable {
    /// Every remedy taken, in log order.
    public private(set) var remedies: [TakenRemedy] = []

    public init() {}

    /// Subject id → its withheld stars, in the order they were withheld.
    public var withheld: [String: [WithheldStar]] {
        var withheld: [String: [WithheldStar]] = [:]
        for taken in remedies {
            if case let .withhold(subject, star, reason) = taken.remedy {
                withheld[subject, default: []].append(WithheldStar(star: star, reason: reason, appeal: taken.appeal))
            }
        }
        return withheld
    }

    /// Subject id → its corrected name and organization (the latest of each).
    public var corrections: [String: (name: String?, organization: String?)] {
        var corrections: [String: (name: String?, organization: String?)] = [:]
        for taken in remedies {
            if case let .correct(subject, name, organization) = taken.remedy {
                let current = corrections[subject]
                corrections[subject] = (name ?? current?.name, organization ?? current?.organization)
            }
        }
        return corrections
    }

    /// The supplementary rounds, in order, each with its subjects.
    public var rounds: [(round: Int, subjects: [String])] {
        remedies.compactMap { taken in
            guard case let .revote(subjects) = taken.remedy, let round = taken.round else { return nil }
            return (round, subjects)
        }
    }

    /// Why a remedy cannot apply to these results and this definition, in English for the API
    /// (422 `remedy_invalid`) and the verifiers (`remedy`), or nil when it can.
    /// - Parameter results: the results as they stand now (a recount with the amendments so far).
    public func problem(with remedy: Remedy, definition: EvaluationDefinition, results: EvaluationResults) -> String? {
        func subject(_ id: String) -> Subject? { definition.subjects.first { $0.id == id } }
        switch remedy {
        case let .withhold(id, star, reason):
            guard let target = subject(id) else { return "subject '\(id)' is not in this evaluation" }
            if let problem = Self.reasonProblem(reason) { return problem }
            guard definition.rules.stars(for: target.kind).contains(where: { $0.star == star }) else {
                return "'\(star)' is not a star a \(target.kind.rawValue) can earn"
            }
            if withheld[id, default: []].contains(where: { $0.star == star }) { return "the star '\(star)' of '\(id)' is already withheld" }
            guard results.subjects.first(where: { $0.id == id })?.stars.contains(star) == true else {
                return "'\(id)' did not earn the star '\(star)': only a star the count awarded can be withheld"
            }
            return nil
        case let .correct(id, name, organization):
            guard let target = subject(id) else { return "subject '\(id)' is not in this evaluation" }
            guard name != nil || organization != nil else { return "a correction names a new name, a new organization or both" }
            if let name, let problem = Self.nameProblem(name) { return problem }
            if let organization {
                guard target.kind == .member else { return "only a member's organization can be corrected" }
                guard definition.organization(id: organization) != nil else { return "organization '\(organization)' is not in this evaluation" }
            }
            let current = corrections[id]
            if (name ?? current?.name ?? target.name) == (current?.name ?? target.name),
               (organization ?? current?.organization ?? target.organization) == (current?.organization ?? target.organization) {
                return "the correction changes nothing"
            }
            return nil
        case let .revote(ids):
            guard !ids.isEmpty else { return "a supplementary round names at least one subject" }
            guard Set(ids).count == ids.count else { return "a subject is named twice" }
            if let unknown = ids.first(where: { subject($0) == nil }) { return "subject '\(unknown)' is not in this evaluation" }
            return nil
        case let .annul(reason):
            return TextRules.freeTextProblem(reason, field: "reason", maximumBytes: 20_000)
        }
    }

    static func reasonProblem(_ reason: String) -> String? {
        // Characters as JSON Schema's maxLength and the verifiers count them: code points.
        if reason.unicodeScalars.count > Remedy.maximumReasonLength {
            return "reason must be at most \(Remedy.maximumReasonLength) characters, got \(reason.unicodeScalars.count)"
        }
        return TextRules.freeTextProblem(reason, field: "reason", maximumBytes: 4 * Remedy.maximumReasonLength)
    }

    static func nameProblem(_ name: String) -> String? {
        if TextRules.isBlank(name) { return "name must hold a visible character" }
        if let bad = TextRules.forbidden(in: name) {
            return "name contains \(TextRules.codePoint(bad)), a control character, noncharacter or bidi control"
        }
        if name.unicodeScalars.count > DefinitionParser.maximumTextLength { return "name must be at most \(DefinitionParser.maximumTextLength) characters" }
        return nil
    }

    // MARK: Recording, in log order

    public mutating func withhold(subject: String, star: WithheldStar) {
        remedies.append(TakenRemedy(appeal: star.appeal, remedy: .withhold(subject: subject, star: star.star, reason: star.reason)))
    }

    public mutating func correct(subject: String, name: String?, organization: String?, appeal: String) {
        remedies.append(TakenRemedy(appeal: appeal, remedy: .correct(subject: subject, name: name, organization: organization)))
    }

    public mutating func openRound(_ round: Int, subjects: [String], appeal: String) {
        remedies.append(TakenRemedy(appeal: appeal, remedy: .revote(subjects: subjects), round: round))
    }

    /// The results of SPEC §3 for these tallies: round 1's first, then each supplementary
    /// round's, in order (the service and the verifiers count the same way).
    public func results(of tallies: [Tally], stage: ResultsStage?) -> EvaluationResults {
        var later: [Int: EvaluationResults] = [:]
        for (index, tally) in tallies.enumerated().dropFirst() { later[index + 1] = tally.results() }
        return apply(to: tallies[0].results(stage: stage), definition: tallies[0].definition, laterRounds: later)
    }

    /// Results of round 1 with every later round's subjects taken from their latest round,
    /// withheld stars moved out of `stars`, and corrected names shown (SPEC §3).
    /// - Parameter laterRounds: the results of each supplementary round, by round number.
    public func apply(to base: EvaluationResults, definition: EvaluationDefinition,
                      laterRounds: [Int: EvaluationResults] = [:]) -> EvaluationResults {
        var results = base
        let rounds = rounds
        results.rounds = rounds.map { round in
            RoundSummary(round: round.round, subjects: round.subjects,
                         ballots: laterRounds[round.round]?.ballots ?? 0, electorate: definition.electorate)
        }
        let original = Dictionary(definition.subjects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let withheld = withheld, corrections = corrections
        results.subjects = results.subjects.map { subject in
            var subject = subject
            let round = rounds.last(where: { $0.subjects.contains(subject.id) })?.round ?? 1
            if round > 1, let from = laterRounds[round]?.subjects.first(where: { $0.id == subject.id }) {
                subject.counts = from.counts
                subject.satisfied = from.satisfied
                subject.denominator = from.denominator
                subject.rate = from.rate
                subject.stars = from.stars
                subject.flags = from.flags
                subject.round = round
            }
            if let withheld = withheld[subject.id] {
                let kept = withheld.filter { subject.stars.contains($0.star) }
                subject.stars.removeAll { star in kept.contains { $0.star == star } }
                subject.withheld = kept
            }
            if let correction = corrections[subject.id], let roster = original[subject.id] {
                var before = Correction()
                if let name = correction.name, name != roster.name {
                    before.name = roster.name
                    subject.name = name
                }
                if let organization = correction.organization, organization != roster.organization {
                    before.organization = roster.organization
                    subject.organization = organization
                }
                if before != Correction() { subject.corrected = before }
            }
            return subject
        }
        return results
    }
}
