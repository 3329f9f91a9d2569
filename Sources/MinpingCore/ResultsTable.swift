/// Renders results as a plain-text table with Chinese headings, aligned for terminals where
/// a Chinese character takes two columns.
public enum ResultsTable {
    public static func render(_ results: EvaluationResults, definition: EvaluationDefinition) -> String {
        var lines = [definition.title]
        var summary = "应参评 \(results.electorate) 人 · 实收 \(results.ballots) 票 · 满意率分母：\(denominatorLabel(definition.rules.denominator))"
            + " · 评星：\(comparisonLabel(definition.rules.comparison))门槛"
        if let quorum = definition.rules.quorumPercent {
            summary += results.quorumMet
                ? " · 参评率超过 \(quorum)%，有效"
                : " · 参评率未超过 \(quorum)%，本次不评星"
        }
        lines.append(summary)

        let optionHeadings = definition.options.map(\.label)
        let starLabels = starLabels(definition.rules)
        let flagLabels = Dictionary(definition.rules.flags.map { ($0.flag, $0.label) }, uniquingKeysWith: { first, _ in first })
        let flagged = !definition.rules.flags.isEmpty
        let titles = Dictionary(definition.cadres.map { ($0.id, $0.title ?? "-") }, uniquingKeysWith: { first, _ in first })
        func row(_ subject: SubjectResult, organizationColumn: Bool) -> [String] {
            var cells = [subject.name]
            if organizationColumn {
                cells.append(subject.kind == .cadre ? titles[subject.id] ?? "-"
                             : subject.organization.flatMap { definition.organization(id: $0)?.name } ?? "-")
            }
            cells += subject.counts.map { String($0.count) }
            cells.append(subject.rate.map { "\($0)%" } ?? "-")
            let stars = subject.stars.compactMap { starLabels["\(subject.kind.rawValue)/\($0)"] }
            cells.append(stars.isEmpty ? "-" : stars.joined(separator: "、"))
            if flagged {
                let flags = (subject.flags ?? []).map { flagLabels[$0] ?? $0 }
                cells.append(flags.isEmpty ? "-" : flags.joined(separator: "、"))
            }
            return cells
        }
        let tail = ["满意率", "获星"] + (flagged ? ["标记"] : [])

        let members = results.subjects.filter { $0.kind == .member }
        if !members.isEmpty {
            lines += ["", "党员（\(members.count) 名）"]
            lines += table(
                header: ["姓名", "所在党组织"] + optionHeadings + tail,
                rows: members.map { row($0, organizationColumn: true) },
                rightAligned: Set(2..<(2 + optionHeadings.count + 1)))
        }
        let organizations = results.subjects.filter { $0.kind == .organization }
        if !organizations.isEmpty {
            lines += ["", "党组织（\(organizations.count) 个）"]
            lines += table(
                header: ["党组织名称"] + optionHeadings + tail,
                rows: organizations.map { row($0, organizationColumn: false) },
                rightAligned: Set(1..<(1 + optionHeadings.count + 1)))
        }
        let cadres = results.subjects.filter { $0.kind == .cadre }
        if !cadres.isEmpty {
            lines += ["", "干部（\(cadres.count) 名）"]
            lines += table(
                header: ["姓名", "职务"] + optionHeadings + tail,
                rows: cadres.map { row($0, organizationColumn: true) },
                rightAligned: Set(2..<(2 + optionHeadings.count + 1)))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// 党员, 党组织, 干部: the 类型 column of the result tables (SPEC §7).
    public static func kindLabel(_ kind: SubjectKind) -> String {
        switch kind {
        case .member: "党员"
        case .organization: "党组织"
        case .cadre: "干部"
        }
    }

    /// Each star's label by "kind/star" (a star id may mean another star for another kind).
    public static func starLabels(_ rules: CountingRules) -> [String: String] {
        Dictionary(SubjectKind.allCases.flatMap { kind in rules.stars(for: kind).map { ("\(kind.rawValue)/\($0.star)", $0.label) } },
                   uniquingKeysWith: { first, _ in first })
    }

    /// A flag rule in words: "党员满意率低于 50% 的，标记黑旗".
    public static func flagRuleText(_ rule: FlagRule) -> String {
        let who = rule.kinds.map(kindLabel).joined(separator: "、")
        switch rule.condition {
        case let .below(percent): return "\(who)满意率低于 \(percent)% 的，标记\(rule.label)"
        case let .dissatisfiedAbove(percent): return "\(who)不满意票超过 \(percent)% 的，标记\(rule.label)"
        }
    }

    public static func denominatorLabel(_ denominator: CountingRules.Denominator) -> String {
        switch denominator {
        case .ballots: "实收票数"
        case .answers: "作答票数（不含不了解与未评）"
        case .electorate: "应参评人数"
        }
    }

    public static func comparisonLabel(_ comparison: CountingRules.Comparison) -> String {
        switch comparison {
        case .above: "超过"
        case .atLeast: "达到"
        }
    }

    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { displayWidth($0[column]) }.max() ?? 0 }
        return all.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - displayWidth(cell))
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
    }

    /// Terminal columns: East Asian wide and fullwidth characters take two.
    public static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            switch scalar.value {
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
                return width + 2
            case 0x0300...0x036F, 0x200B...0x200F:
                return width
            default:
                return width + 1
            }
        }
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
