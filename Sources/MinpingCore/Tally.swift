/// Counts valid ballots for one definition and turns them into results (SPEC §3).
///
/// Counts live in one flat table (`subject * optionCount + option`) so that the streaming
/// vote reader and the in-memory API share the same accumulator.
public struct Tally: Sendable {
    public let definition: EvaluationDefinition
    public let subjects: [Subject]
    let subjectIndex: [String: Int]
    let optionIndex: [String: Int]
    /// Subject indices in the byte order of their ids: the order of a canonical JSON object's keys.
    private let subjectsInKeyOrder: [Int]
    private let optionIDs: [String]
    private(set) var counts: [Int]
    public private(set) var ballots = 0

    public init(definition: EvaluationDefinition) {
        self.definition = definition
        subjects = definition.subjects
        subjectIndex = Dictionary(uniqueKeysWithValues: subjects.enumerated().map { ($1.id, $0) })
        optionIndex = Dictionary(uniqueKeysWithValues: definition.options.enumerated().map { ($1.id, $0) })
        let subjects = definition.subjects
        subjectsInKeyOrder = subjects.indices.sorted { subjects[$0].id.utf8Precedes(subjects[$1].id) }
        optionIDs = definition.options.map(\.id)
        counts = Array(repeating: 0, count: subjects.count * definition.options.count)
    }

    var optionCount: Int { definition.options.count }

    /// Adds one ballot; subjects it does not rate stay blank. Nothing is counted if any
    /// rating names an unknown subject or option.
    public mutating func add(ratings: [String: String]) throws(VoteError) {
        add(try resolve(ratings))
    }

    /// A ballot's ratings resolved to the table's cells, ready to count in a tally of the same
    /// definition. Resolving needs no counts, so many ballots can be resolved in parallel and
    /// then counted in order (the bundle verifier does).
    public struct ResolvedRatings: Sendable {
        fileprivate let cells: [Int]
    }

    /// Resolves one ballot's ratings, refusing an unknown subject or option.
    public func resolve(_ ratings: [String: String]) throws(VoteError) -> ResolvedRatings {
        var cells: [Int] = []
        cells.reserveCapacity(ratings.count)
        for (subject, option) in ratings {
            guard let s = subjectIndex[subject] else { throw .unknownSubject(subject) }
            guard let o = optionIndex[option] else { throw .unknownOption(subject: subject, option: option) }
            cells.append(s * optionCount + o)
        }
        return ResolvedRatings(cells: cells)
    }

    /// Resolves ratings given as distinct (subject, option) pairs, as a parsed JSON object's
    /// members are, to the same cells as ``resolve(_:)`` without building a dictionary. In
    /// ascending byte order of the subject ids (a canonical object's order; the bundle
    /// verifier's case) each subject is found by walking the definition's sorted ids along, and
    /// each option among the few options, with no hashing; out of that order a subject is
    /// looked up as ``resolve(_:)`` does.
    public func resolve(pairs: some Sequence<(String, String)>) throws(VoteError) -> ResolvedRatings {
        var cells: [Int] = []
        cells.reserveCapacity(subjects.count)
        var next = 0
        for (subject, option) in pairs {
            while next < subjectsInKeyOrder.count,
                  subjects[subjectsInKeyOrder[next]].id.utf8Precedes(subject) {
                next += 1
            }
            let s: Int
            if next < subjectsInKeyOrder.count, subjects[subjectsInKeyOrder[next]].id == subject {
                s = subjectsInKeyOrder[next]
                next += 1
            } else {
                guard let found = subjectIndex[subject] else { throw .unknownSubject(subject) }
                s = found
            }
            guard let o = optionIDs.firstIndex(of: option) else { throw .unknownOption(subject: subject, option: option) }
            cells.append(s * optionCount + o)
        }
        return ResolvedRatings(cells: cells)
    }

    /// The ids of the subjects a resolved ballot rates.
    public func subjectIDs(of resolved: ResolvedRatings) -> [String] {
        resolved.cells.map { subjects[$0 / optionCount].id }
    }

    /// Counts a ballot resolved by ``resolve(_:)`` for the same definition.
    public mutating func add(_ resolved: ResolvedRatings) {
        record(cells: resolved.cells)
    }

    /// Checks a ballot without counting it: every subject and option must be known.
    public func check(ratings: [String: String]) throws(VoteError) {
        for (subject, option) in ratings {
            guard subjectIndex[subject] != nil else { throw .unknownSubject(subject) }
            guard optionIndex[option] != nil else { throw .unknownOption(subject: subject, option: option) }
        }
    }

    /// Counts one ballot whose ratings were already resolved to table cells, one per subject.
    mutating func record(cells: some Sequence<Int>) {
        ballots += 1
        for cell in cells { counts[cell] += 1 }
    }

    public func count(subject: Int, option: Int) -> Int {
        counts[subject * optionCount + option]
    }

    /// The results of SPEC §3 for the ballots counted so far.
    public func results(stage: ResultsStage? = nil) -> EvaluationResults {
        let rules = definition.rules
        let quorumMet = CountingRule.quorumMet(
            ballots: ballots, electorate: definition.electorate, quorum: rules.quorumPercent)
        let subjectResults = subjects.enumerated().map { index, subject in
            let perOption = definition.options.indices.map { count(subject: index, option: $0) }
            var satisfied = 0
            var answers = 0
            var dissatisfied = 0
            for (option, count) in zip(definition.options, perOption) {
                if option.satisfied { satisfied += count }
                if !option.abstain { answers += count }
                if option.dissatisfied { dissatisfied += count }
            }
            let denominator: Int
            switch rules.denominator {
            case .ballots: denominator = ballots
            case .answers: denominator = answers
            case .electorate: denominator = definition.electorate
            }
            let stars = quorumMet
                ? rules.stars(for: subject.kind).filter {
                    CountingRule.earnsStar(satisfied: satisfied, denominator: denominator,
                                           percent: $0.percent, comparison: rules.comparison)
                }.map(\.star)
                : []
            // Flags where a rule applies to the kind (else absent); like stars, none without quorum.
            let flagRules = rules.flags(for: subject.kind)
            let flags = flagRules.isEmpty ? nil : quorumMet
                ? flagRules.filter {
                    CountingRule.raisesFlag($0.condition, satisfied: satisfied, dissatisfied: dissatisfied, denominator: denominator)
                }.map(\.flag)
                : []
            var result = SubjectResult(
                id: subject.id, kind: subject.kind, name: subject.name, organization: subject.organization,
                counts: zip(definition.options, perOption).map { OptionCount(option: $0.id, count: $1) },
                satisfied: satisfied, denominator: denominator,
                rate: CountingRule.displayRate(satisfied: satisfied, denominator: denominator),
                stars: stars)
            result.flags = flags
            return result
        }
        return EvaluationResults(
            evaluation: definition.id, stage: stage, electorate: definition.electorate,
            ballots: ballots, quorumMet: quorumMet, subjects: subjectResults)
    }
}

/// Why a vote was refused.
public enum VoteError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownSubject(String)
    case unknownOption(subject: String, option: String)
    case subjectRatedTwice(String)
    case malformed(String)

    public var code: String {
        switch self {
        case .unknownSubject: "unknown_subject"
        case .unknownOption: "unknown_option"
        case .subjectRatedTwice: "subject_rated_twice"
        case .malformed: "malformed_vote"
        }
    }

    public var description: String {
        switch self {
        case let .unknownSubject(id): "unknown subject '\(id)'"
        case let .unknownOption(subject, option): "unknown option '\(option)' for subject '\(subject)'"
        case let .subjectRatedTwice(id): "subject '\(id)' is rated twice"
        case let .malformed(reason): reason
        }
    }
}
