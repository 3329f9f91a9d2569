import Foundation
import MinpingCore

/// Charts drawn on the server as SVG: no script, nothing fetched, the same bytes on
/// the board, on paper and in the console. Each chart is `role="img"` with a title and a text
/// description that says what the picture shows, for screen readers and for the record.
enum ResultsChart {
    static let width = 720
    static let labelWidth = 200
    static let barWidth = 400
    static let rowHeight = 22
    static let top = 30

    /// One horizontal bar of 满意率 per subject of `kind`, members grouped under their branch,
    /// a dashed line at each star threshold of the rules, and the bars that earned a star
    /// marked (filled in the star colour, ★ per star after the rate).
    static func satisfaction(_ results: EvaluationResults, definition: EvaluationDefinition, kind: SubjectKind,
                             labels t: [String: String], id: String) -> String? {
        satisfactionParts(results, definition: definition, kind: kind, labels: t, id: id, rowsPerPart: .max)?.first
    }

    /// The same chart cut into parts of at most `rowsPerPart` rows, each its own SVG with its
    /// threshold lines, so that a printed page never cuts a bar in two: the page breaks
    /// between parts, never inside one. A branch header never ends a part. The first part
    /// carries the title and the description of the whole chart; the others repeat its
    /// picture only and are hidden from screen readers.
    static func satisfactionParts(_ results: EvaluationResults, definition: EvaluationDefinition, kind: SubjectKind,
                                  labels t: [String: String], id: String, rowsPerPart: Int) -> [String]? {
        let subjects = results.subjects.filter { $0.kind == kind }
        guard !subjects.isEmpty else { return nil }
        let rules = definition.rules.stars(for: kind)
        let organizations = results.organizationNames(definition)
        // Rows: a branch header before each branch's members (in definition order), or none.
        var rows: [ChartRow] = []
        if kind == .member {
            var groups: [String?: [SubjectResult]] = [:]
            var order: [String?] = []
            for subject in subjects {
                if groups[subject.organization] == nil { order.append(subject.organization) }
                groups[subject.organization, default: []].append(subject)
            }
            for organization in order {
                rows.append(.header(organization.flatMap { organizations[$0] } ?? (t["chart_no_branch"] ?? "")))
                rows += groups[organization, default: []].map { .bar($0) }
            }
        } else {
            rows = subjects.map { .bar($0) }
        }
        let title = t["chart_\(kind == .member ? "members" : kind == .organization ? "organizations" : "cadres")"] ?? ""
        let flagLabels = Dictionary(definition.rules.flags.map { ($0.flag, $0.label) }, uniquingKeysWith: { first, _ in first })
        let comparison = t[definition.rules.comparison == .above ? "chart_above" : "chart_at_least"] ?? ""
        let earned = rules.map { rule in
            let count = subjects.filter { $0.stars.contains(rule.star) }.count
            return (t["chart_earned"] ?? "")
                .replacingOccurrences(of: "{label}", with: rule.label)
                .replacingOccurrences(of: "{comparison}", with: comparison)
                .replacingOccurrences(of: "{percent}", with: rule.percent.description)
                .replacingOccurrences(of: "{count}", with: String(count))
        }
        let description = (t["chart_desc"] ?? "")
            .replacingOccurrences(of: "{count}", with: String(subjects.count))
            .replacingOccurrences(of: "{lines}", with: rules.map { "\($0.percent)%" }.joined(separator: "、"))
            + earned.joined(separator: t["chart_separator"] ?? "; ") + (t["chart_end"] ?? "")

        return parts(of: rows, size: max(2, rowsPerPart)).enumerated().map { index, part in
            let height = top + part.count * rowHeight + 8
            let bars = part.filter { if case .bar = $0 { true } else { false } }.count
            var svg = index == 0
                ? """
                    <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" \
                    aria-labelledby="\(id)-title \(id)-desc" data-bars="\(bars)">
                    <title id="\(id)-title">\(escape(title))</title>
                    <desc id="\(id)-desc">\(escape(description))</desc>

                    """
                : """
                    <svg xmlns="http://www.w3.org/2000/svg" class="chart chart-continued" viewBox="0 0 \(width) \(height)" \
                    aria-hidden="true" data-bars="\(bars)">

                    """
            var y = top
            for row in part {
                switch row {
                case .header(let header):
                    svg += "<text class=\"group\" x=\"4\" y=\"\(y + 16)\">\(escape(header))</text>\n"
                case .bar(let subject):
                    let starred = !subject.stars.isEmpty
                    let length = barLength(satisfied: subject.satisfied, denominator: subject.denominator)
                    let starText = String(repeating: "★", count: subject.stars.count)
                    let starLabels = subject.stars.compactMap { star in rules.first { $0.star == star }?.label }
                    // A flagged bar (黑旗 …) is drawn dark and says its flags after the rate.
                    let flags = (subject.flags ?? []).map { flagLabels[$0] ?? $0 }
                    let classes = ["bar"] + (starred ? ["starred"] : []) + (flags.isEmpty ? [] : ["flagged"])
                    let flagText = flags.isEmpty ? "" : " ⚑" + flags.joined(separator: "、")
                    svg += """
                        <g class="\(classes.joined(separator: " "))"><title>\(escape(([subject.name, subject.rate.map { "\($0)%" } ?? "—"] + starLabels + flags).joined(separator: " ")))</title>\
                        <text class="name" x="\(labelWidth - 8)" y="\(y + 15)" text-anchor="end">\(escape(subject.name))</text>\
                        <rect x="\(labelWidth)" y="\(y + 4)" width="\(length)" height="14"/>\
                        <text class="rate" x="\(labelWidth + length + 6)" y="\(y + 15)">\(subject.rate.map { "\($0)%" } ?? "—")\(starred ? " " + starText : "")\(escape(flagText))</text></g>

                        """
                }
                y += rowHeight
            }
            for rule in rules {
                let x = labelWidth + barWidth * rule.percent.basisPoints / 10_000
                svg += """
                    <line class="threshold" data-percent="\(rule.percent)" x1="\(x)" y1="\(top - 6)" x2="\(x)" y2="\(y)"/>\
                    <text class="threshold-label" x="\(x)" y="\(top - 10)" text-anchor="middle">\(rule.percent)%</text>

                    """
            }
            return svg + "</svg>"
        }
    }

    private enum ChartRow {
        case header(String)
        case bar(SubjectResult)
    }

    /// Consecutive parts of at most `size` rows; a part never ends with a branch header (it
    /// moves to the next part with its members).
    private static func parts(of rows: [ChartRow], size: Int) -> [[ChartRow]] {
        var parts: [[ChartRow]] = []
        var current: [ChartRow] = []
        for row in rows {
            if current.count == size {
                var carried: [ChartRow] = []
                if case .header = current.last { carried = [current.removeLast()] }
                parts.append(current)
                current = carried
            }
            current.append(row)
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    /// The street's board: for each published evaluation, one bar per star, its share of the
    /// subjects rated (one decimal, the board's numbers); a dashed line at 50 %.
    /// - Parameter groups: each evaluation's label and its stars' labels and shares ("83.3").
    static func starShares(_ groups: [(label: String, bars: [(label: String, share: String?)])], title: String, description: String,
                           id: String) -> String? {
        guard groups.contains(where: { !$0.bars.isEmpty }) else { return nil }
        let rows = groups.reduce(0) { $0 + 1 + $1.bars.count }
        let height = top + rows * rowHeight + 8
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" \
            aria-labelledby="\(id)-title \(id)-desc">
            <title id="\(id)-title">\(escape(title))</title>
            <desc id="\(id)-desc">\(escape(description))</desc>

            """
        var y = top
        for group in groups {
            svg += "<text class=\"group\" x=\"4\" y=\"\(y + 16)\">\(escape(group.label))</text>\n"
            y += rowHeight
            for bar in group.bars {
                // The share's tenths of a percent, in integers: "83.3" → 833.
                let tenths = bar.share.map { Int($0.replacingOccurrences(of: ".", with: "")) ?? 0 } ?? 0
                let length = min(barWidth, barWidth * tenths / 1000)
                svg += """
                    <g class="bar starred"><title>\(escape("\(group.label) \(bar.label) \(bar.share.map { "\($0)%" } ?? "—")"))</title>\
                    <text class="name" x="\(labelWidth - 8)" y="\(y + 15)" text-anchor="end">\(escape(bar.label))</text>\
                    <rect x="\(labelWidth)" y="\(y + 4)" width="\(length)" height="14"/>\
                    <text class="rate" x="\(labelWidth + length + 6)" y="\(y + 15)">\(bar.share.map { "\($0)%" } ?? "—")</text></g>

                    """
                y += rowHeight
            }
        }
        let half = labelWidth + barWidth / 2
        svg += """
            <line class="threshold" x1="\(half)" y1="\(top - 6)" x2="\(half)" y2="\(y)"/>\
            <text class="threshold-label" x="\(half)" y="\(top - 10)" text-anchor="middle">50%</text>
            """
        return svg + "</svg>"
    }

    /// The turnout as one bar: 已投票 of 应参评.
    static func turnout(ballots: Int, electorate: Int, labels t: [String: String], id: String) -> String {
        let length = electorate > 0 ? min(width - 8, (width - 8) * ballots / electorate) : 0
        let rate = CountingRule.displayRate(satisfied: ballots, denominator: electorate).map { "\($0)%" } ?? "—"
        let text = (t["chart_turnout_desc"] ?? "")
            .replacingOccurrences(of: "{ballots}", with: String(ballots))
            .replacingOccurrences(of: "{electorate}", with: String(electorate))
            .replacingOccurrences(of: "{rate}", with: rate)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart turnout-chart" viewBox="0 0 \(width) 44" role="img" \
            aria-labelledby="\(id)-title \(id)-desc">
            <title id="\(id)-title">\(escape(t["chart_turnout"] ?? ""))</title>
            <desc id="\(id)-desc">\(escape(text))</desc>
            <rect class="track" x="4" y="4" width="\(width - 8)" height="16"/><rect class="fill" x="4" y="4" width="\(length)" height="16"/>
            <text x="4" y="38">\(escape(text))</text>
            </svg>
            """
    }

    /// The bar's length for an exact fraction, in whole units of `barWidth` (no floating point).
    static func barLength(satisfied: Int, denominator: Int) -> Int {
        guard denominator > 0 else { return 0 }
        return min(barWidth, barWidth * satisfied / denominator)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
