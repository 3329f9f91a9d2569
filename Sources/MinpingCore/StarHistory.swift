/// Stars over the rounds of one community (动态增星减星, seed 003; SPEC §7 `GET /history`):
/// each published round along the `previous` chain, newest first, and per subject of the
/// newest round its stars in each round and whether it gained or lost stars since the last.
public struct StarHistory: Sendable, Equatable {
    public struct Round: Sendable, Equatable {
        public var evaluation: String
        public var title: String
        public var stage: ResultsStage

        public init(evaluation: String, title: String, stage: ResultsStage) {
            self.evaluation = evaluation
            self.title = title
            self.stage = stage
        }
    }

    /// 增星, 减星, the same number of stars, or 新参评 (not in the previous round).
    public enum Change: String, Sendable, Equatable {
        case gained, lost, same, new
    }

    public struct Subject: Sendable, Equatable {
        public var id: String
        public var kind: SubjectKind
        public var name: String
        public var organization: String?
        /// Star ids per round, `stars[i]` for `rounds[i]`; nil where the subject was not in it.
        public var stars: [[String]?]
        /// Flag ids per round (黑旗 …), `flags[i]` for `rounds[i]`; nil where the subject was not
        /// in it or no flag rule applied; nil altogether when no round had a flag rule for it.
        public var flags: [[String]?]? = nil
        public var change: Change
    }

    public var evaluation: String
    public var rounds: [Round]
    public var subjects: [Subject]

    /// The history of `rounds` (newest first, each with its published results): the
    /// subjects are the newest round's, matched by id across rounds.
    public init(rounds: [(round: Round, results: EvaluationResults)]) {
        evaluation = rounds.first?.round.evaluation ?? ""
        self.rounds = rounds.map(\.round)
        let byID = rounds.map { round in Dictionary(round.results.subjects.map { ($0.id, $0.stars) }, uniquingKeysWith: { first, _ in first }) }
        let flagsByID = rounds.map { round in
            Dictionary(round.results.subjects.compactMap { subject in subject.flags.map { (subject.id, $0) } }, uniquingKeysWith: { first, _ in first })
        }
        subjects = (rounds.first?.results.subjects ?? []).map { subject in
            let stars = byID.map { $0[subject.id] }
            let change: Change
            switch (stars.first ?? nil, stars.count > 1 ? stars[1] : nil) {
            case let (now?, before?): change = now.count > before.count ? .gained : now.count < before.count ? .lost : .same
            default: change = .new
            }
            let flags = flagsByID.map { $0[subject.id] }
            return Subject(id: subject.id, kind: subject.kind, name: subject.name, organization: subject.organization,
                           stars: stars, flags: flags.contains { $0 != nil } ? flags : nil, change: change)
        }
    }

    public var jsonValue: JSONValue {
        .object([
            ("evaluation", .string(evaluation)),
            ("rounds", .array(rounds.map {
                .object([("evaluation", .string($0.evaluation)), ("title", .string($0.title)), ("stage", .string($0.stage.rawValue))])
            })),
            ("subjects", .array(subjects.map { subject in
                .object([
                    ("id", .string(subject.id)), ("kind", .string(subject.kind.rawValue)), ("name", .string(subject.name)),
                    ("stars", .array(subject.stars.map { $0.map { .array($0.map(JSONValue.string)) } ?? .null })),
                ] + (subject.flags.map { flags in [("flags", JSONValue.array(flags.map { $0.map { .array($0.map(JSONValue.string)) } ?? .null }))] } ?? [])
                    + [("change", .string(subject.change.rawValue))])
            })),
        ])
    }
}
