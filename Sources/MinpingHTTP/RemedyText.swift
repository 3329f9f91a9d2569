import MinpingCore

/// What the board says about remedies (SPEC §6), in words people read: exactly what changed,
/// for whom, and whether the changed results are published yet. Nothing here may say more than
/// the log records.
struct RemedyText {
    let definition: EvaluationDefinition
    let language: Language
    private let names: [String: String]
    private let organizations: [String: String]
    private let starLabels: [String: String]

    /// `published`: the results on the board; people and branches are named as they show
    /// them (a published correction's name, not the one it replaced).
    init(definition: EvaluationDefinition, language: Language, published: EvaluationResults?) {
        self.definition = definition
        self.language = language
        names = published?.subjectNames(definition)
            ?? Dictionary(definition.subjects.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        organizations = published?.organizationNames(definition)
            ?? Dictionary(definition.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        starLabels = ResultsTable.starLabels(definition.rules)
    }

    private var zh: Bool { language == .zh }

    /// A star's label as the subject's kind names it (a star id may differ by kind).
    private func starLabel(_ star: String, of subject: String) -> String {
        let kind = definition.subjects.first { $0.id == subject }?.kind ?? .member
        return starLabels["\(kind.rawValue)/\(star)"] ?? star
    }

    /// One remedy as a sentence: "经申诉复查，撤销 王某 的群众满意星：理由", "更正：姓名 王某某 → 王某",
    /// "补充测评（第 2 轮）：以下 2 名党员重新测评：王某、李某".
    /// - Parameters:
    ///   - round: for a revote, the round it opened.
    ///   - before: for a correction, the subject's name and organization before it.
    func sentence(_ remedy: Remedy, appeal: String?, round: Int? = nil, before: (name: String, organization: String?)? = nil) -> String {
        switch remedy {
        case let .withhold(subject, star, reason):
            let who = names[subject] ?? subject, what = starLabel(star, of: subject)
            if zh { return "\(appeal == nil ? "一票否决" : "经申诉复查")，撤销 \(who) 的\(what)：\(reason)" }
            return "\(appeal == nil ? "Vetoed by the street" : "After review of an appeal"): \(who)'s \(what) withheld: \(reason)"
        case let .correct(subject, name, organization):
            var parts: [String] = []
            let old = before ?? (names[subject] ?? subject, definition.subjects.first { $0.id == subject }?.organization)
            if let name { parts.append(zh ? "姓名 \(old.name) → \(name)" : "name \(old.name) → \(name)") }
            if let organization {
                let from = old.organization.flatMap { organizations[$0] } ?? "—"
                let to = organizations[organization] ?? organization
                parts.append(zh ? "\(names[subject] ?? subject) 的所属党支部 \(from) → \(to)" : "\(names[subject] ?? subject)'s branch \(from) → \(to)")
            }
            return (zh ? "更正：" : "Corrected: ") + parts.joined(separator: zh ? "；" : "; ")
        case let .revote(subjects):
            let who = subjects.map { names[$0] ?? $0 }.joined(separator: zh ? "、" : ", ")
            let number = round.map(String.init) ?? "?"
            // 名党员 / 个党组织 when the round rates one kind, 名（个）参评对象 when both.
            let kinds = Set(subjects.compactMap { id in definition.subjects.first { $0.id == id }?.kind })
            let counted = kinds == [.member] ? "名党员" : kinds == [.organization] ? "个党组织" : "个参评对象"
            return zh ? "补充测评（第 \(number) 轮）：以下 \(subjects.count) \(counted)重新测评：\(who)"
                : "Supplementary vote (round \(number)): \(subjects.count) re-evaluated: \(who)"
        case let .annul(reason):
            return zh ? "本次测评作废：\(reason)" : "Evaluation annulled: \(reason)"
        }
    }

    /// Every remedy taken, in log order: its appeal, its sentence, and whether the published
    /// results already show it (else it takes effect when they are published again).
    func remedies(_ amendments: Amendments, published results: EvaluationResults?) -> [(appeal: String?, text: String, shown: Bool)] {
        var shownNames: [String: (name: String, organization: String?)] = [:]
        for subject in definition.subjects { shownNames[subject.id] = (subject.name, subject.organization) }
        return amendments.remedies.map { taken in
            let round = taken.round
            let shown: Bool
            switch taken.remedy {
            case let .withhold(subject, star, _):
                shown = results?.subjects.first { $0.id == subject }?.withheld.contains { $0.star == star } ?? false
            case let .correct(subject, name, organization):
                let now = results?.subjects.first { $0.id == subject }
                shown = now.map { $0.corrected != nil && (name == nil || $0.name == name) && (organization == nil || $0.organization == organization) } ?? false
            case .revote:
                shown = results?.rounds.contains { $0.round == round } ?? false
            case .annul:
                shown = true
            }
            var before: (name: String, organization: String?)?
            if case let .correct(subject, name, organization) = taken.remedy {
                before = shownNames[subject]
                let old = shownNames[subject] ?? ("", nil)
                shownNames[subject] = (name ?? old.name, organization ?? old.organization)
            }
            return (taken.appeal, sentence(taken.remedy, appeal: taken.appeal, round: round, before: before), shown)
        }
    }

    /// What a subject's row says beside its stars, from the published results only.
    func notes(for subject: SubjectResult) -> [String] {
        var notes: [String] = []
        if let round = subject.round {
            notes.append(zh ? "补充测评（第 \(round) 轮）结果" : "Result of the supplementary vote (round \(round))")
        }
        for withheld in subject.withheld {
            let what = starLabels["\(subject.kind.rawValue)/\(withheld.star)"] ?? withheld.star
            notes.append(zh ? "\(withheld.appeal == nil ? "一票否决" : "经申诉复查")，撤销\(what)：\(withheld.reason)"
                : "\(what) withheld (\(withheld.appeal == nil ? "street veto" : "upheld appeal")): \(withheld.reason)")
        }
        if let corrected = subject.corrected {
            if let name = corrected.name { notes.append(zh ? "更正：姓名 \(name) → \(subject.name)" : "Corrected: name \(name) → \(subject.name)") }
            if let organization = corrected.organization {
                let from = organizations[organization] ?? organization
                let to = subject.organization.flatMap { organizations[$0] } ?? "—"
                notes.append(zh ? "更正：所属党支部 \(from) → \(to)" : "Corrected: branch \(from) → \(to)")
            }
        }
        return notes
    }
}
