import CSV
import Foundation
import MinpingCore
import ZIPFoundation

/// The results table of SPEC §7 (`results.csv`, `results.xlsx`): one row per subject in results
/// order, the same numbers as `GET /results`, for people who open results in Excel.
public enum ResultsFile {
    /// The table: a header row, then one row per subject. Counts and the denominator are
    /// numbers; the rate is the published one-decimal percent (empty when undefined).
    /// - Parameters:
    ///   - changes: subject id → 较上轮 in words (群众评星增加 …), when there is a previous
    ///     round: the column is added then.
    ///   - grouped: members grouped by branch (in the branches' order), the branch rows after
    ///     them (the report's order); else results order.
    public static func table(_ results: EvaluationResults, definition: EvaluationDefinition, changes: [String: String]? = nil,
                             grouped: Bool = false) -> [[Cell]] {
        let organizations = results.organizationNames(definition)
        let starLabels = ResultsTable.starLabels(definition.rules)
        let flagLabels = Dictionary(definition.rules.flags.map { ($0.flag, $0.label) }, uniquingKeysWith: { first, _ in first })
        let flagged = !definition.rules.flags.isEmpty
        let header = ["类型", "编号", "名称", "所属党支部"] + definition.options.map(\.label) + ["计为满意", "分母", "满意率", "获星"]
            + (flagged ? ["标记"] : []) + (changes == nil ? [] : ["较上轮"])
        var rows: [[Cell]] = [header.map(Cell.text)]
        var subjects = results.subjects
        if grouped {
            let order = Dictionary(uniqueKeysWithValues: definition.organizations.enumerated().map { ($1.id, $0) })
            let members = subjects.enumerated().filter { $0.element.kind == .member }.sorted {
                (order[$0.element.organization ?? ""] ?? Int.max, $0.offset) < (order[$1.element.organization ?? ""] ?? Int.max, $1.offset)
            }.map(\.element)
            subjects = members + subjects.filter { $0.kind != .member }
        }
        for subject in subjects {
            var row: [Cell] = [
                .text(ResultsTable.kindLabel(subject.kind)), .text(subject.id), .text(subject.name),
                .text(subject.organization.flatMap { organizations[$0] } ?? ""),
            ]
            row += subject.counts.map { .number(String($0.count)) }
            row += [.number(String(subject.satisfied)), .number(String(subject.denominator)),
                    subject.rate.map { .rate($0) } ?? .text("")]
            row.append(.text(subject.stars.compactMap { starLabels["\(subject.kind.rawValue)/\($0)"] }.joined(separator: "、")))
            if flagged { row.append(.text((subject.flags ?? []).map { flagLabels[$0] ?? $0 }.joined(separator: "、"))) }
            if let changes { row.append(.text(changes[subject.id] ?? "")) }
            rows.append(row)
        }
        return rows
    }

    public enum Cell: Equatable, Sendable {
        case text(String)
        /// A whole number in decimal ("52").
        case number(String)
        /// A percent with one decimal, as published ("76.9", "80.0"); shown with its decimal.
        case rate(String)

        var text: String {
            switch self {
            case let .text(text), let .number(text), let .rate(text): text
            }
        }

        /// Text that a spreadsheet would read as a formula (=, +, -, @) is written with a
        /// leading apostrophe, so a name cannot become a formula when the CSV is opened.
        var csvText: String {
            guard case let .text(text) = self, let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) else {
                return text
            }
            return "'" + text
        }
    }

    /// UTF-8 with a byte-order mark, so that Excel opens it as UTF-8; CRLF line ends.
    public static func csv(_ table: [[Cell]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        stream.open()
        defer { stream.close() }
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in table {
            try writer.write(row: row.map(\.csvText))
        }
        writer.stream.close()
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else {
            throw CSVError.cannotWriteStream
        }
        return Data([0xEF, 0xBB, 0xBF]) + data + Data("\r\n".utf8)  // the last line ends too
    }

    /// The rules in one line, for the report's title block: what counts as satisfied, the
    /// denominator and each star's threshold, in words.
    public static func rulesLine(_ definition: EvaluationDefinition) -> String {
        let rules = definition.rules
        let satisfied = definition.options.filter(\.satisfied).map(\.label).joined(separator: "和")
        let denominator = ResultsTable.denominatorLabel(rules.denominator)
        let comparison = ResultsTable.comparisonLabel(rules.comparison)
        func stars(_ list: [StarRule]) -> String {
            list.map { "\(comparison) \($0.percent)% 得\($0.label)" }.joined(separator: "、")
        }
        var parts = ["\(satisfied)计为满意", "满意率分母为\(denominator)"]
        if !rules.memberStars.isEmpty { parts.append("党员满意率\(stars(rules.memberStars))") }
        if !rules.organizationStars.isEmpty { parts.append("党组织满意率\(stars(rules.organizationStars))") }
        if !rules.cadreStars.isEmpty { parts.append("干部满意率\(stars(rules.cadreStars))") }
        parts += rules.flags.map(ResultsTable.flagRuleText)
        if let quorum = rules.quorumPercent { parts.append("参评率须超过 \(quorum)%") }
        return parts.joined(separator: "；")
    }

    /// A workbook of one sheet (`结果`) made to be printed and filed: the `heading` lines as a
    /// title block above the table (the first bold and large), the table's header row bold,
    /// frozen and repeated on every printed page, columns sized to their content, 满意率 as a
    /// percentage cell (76.9%), A4 landscape fitted to the page width. Parts are written as
    /// text by ``XMLWriter`` (no libxml2: Foundation's XMLDocument shares libxml2's global state
    /// with every parser in the process) and zipped by ZIPFoundation.
    public static func xlsx(_ table: [[Cell]], sheetName: String = "结果", heading: [String] = []) throws -> Data {
        try xlsx(sheets: [Sheet(name: sheetName, table: table, heading: heading)])
    }

    /// One worksheet of a report workbook: its name (made valid for Excel: at most 31
    /// characters, none of []:*?/\\, unique in the workbook), a title block and a table.
    public struct Sheet: Sendable {
        public var name: String
        public var table: [[Cell]]
        public var heading: [String]

        public init(name: String, table: [[Cell]], heading: [String] = []) {
            self.name = name
            self.table = table
            self.heading = heading
        }
    }

    /// Excel's rules for sheet names: at most 31 characters, none of []:*?/\\, not empty, and
    /// unique (case-insensitively) in the workbook.
    static func sheetNames(_ names: [String]) -> [String] {
        var used: Set<String> = []
        return names.enumerated().map { index, name in
            var base = String(name.filter { !"[]:*?/\\".contains($0) }.prefix(31))
            if base.trimmingCharacters(in: .whitespaces).isEmpty { base = "Sheet\(index + 1)" }
            var candidate = base, number = 2
            while used.contains(candidate.lowercased()) {
                let suffix = "（\(number)）"
                candidate = String(base.prefix(31 - suffix.count)) + suffix
                number += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }

    /// A workbook of several report sheets, each laid out as ``xlsx(_:sheetName:heading:)``'s.
    public static func xlsx(sheets: [Sheet]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ root: XMLWriter.Element) throws {
            let data = Data(XMLWriter.document(root).utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 modificationDate: Date(timeIntervalSince1970: 1_577_836_800), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        func element(_ name: String, _ attributes: [String: String], _ children: [XMLWriter.Element]) -> XMLWriter.Element {
            XMLWriter.Element(name, attributes, children)
        }
        let package = "http://schemas.openxmlformats.org/package/2006"
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let names = sheetNames(sheets.map(\.name))
        let numbers = Array(1...max(1, sheets.count)).prefix(sheets.count)

        try add("[Content_Types].xml", element("Types", ["xmlns": "\(package)/content-types"], [
            element("Default", ["Extension": "rels", "ContentType": "application/vnd.openxmlformats-package.relationships+xml"], []),
            element("Default", ["Extension": "xml", "ContentType": "application/xml"], []),
            element("Override", ["PartName": "/xl/workbook.xml",
                                 "ContentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"], []),
        ] + numbers.map { number in
            element("Override", ["PartName": "/xl/worksheets/sheet\(number).xml",
                                 "ContentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"], [])
        } + [
            element("Override", ["PartName": "/xl/styles.xml",
                                 "ContentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"], []),
        ]))
        try add("_rels/.rels", element("Relationships", ["xmlns": "\(package)/relationships"], [
            element("Relationship", ["Id": "rId1", "Type": "\(officeRelationships)/officeDocument", "Target": "xl/workbook.xml"], []),
        ]))
        func headerRow(_ sheet: Sheet) -> Int { sheet.heading.isEmpty ? 1 : sheet.heading.count + 2 }
        try add("xl/workbook.xml", element("workbook", ["xmlns": main, "xmlns:r": officeRelationships], [
            element("sheets", [:], zip(numbers, names).map { number, name in
                element("sheet", ["name": name, "sheetId": String(number), "r:id": "rId\(number)"], [])
            }),
            // Each sheet's header row is printed again at the top of every page.
            element("definedNames", [:], zip(sheets, names).enumerated().map { index, pair in
                XMLWriter.Element("definedName", ["name": "_xlnm.Print_Titles", "localSheetId": String(index)],
                                  text: "'\(pair.1.replacingOccurrences(of: "'", with: "''"))'!$\(headerRow(pair.0)):$\(headerRow(pair.0))")
            }),
        ]))
        try add("xl/_rels/workbook.xml.rels", element("Relationships", ["xmlns": "\(package)/relationships"], numbers.map { number in
            element("Relationship", ["Id": "rId\(number)", "Type": "\(officeRelationships)/worksheet", "Target": "worksheets/sheet\(number).xml"], [])
        } + [
            element("Relationship", ["Id": "rId\(sheets.count + 1)", "Type": "\(officeRelationships)/styles", "Target": "styles.xml"], []),
        ]))
        try add("xl/styles.xml", element("styleSheet", ["xmlns": main], [
            element("numFmts", ["count": "1"], [element("numFmt", ["numFmtId": "164", "formatCode": "0.0%"], [])]),
            element("fonts", ["count": "3"], [
                element("font", [:], [element("sz", ["val": "11"], []), element("name", ["val": "Calibri"], [])]),
                element("font", [:], [element("b", [:], []), element("sz", ["val": "11"], []), element("name", ["val": "Calibri"], [])]),
                element("font", [:], [element("b", [:], []), element("sz", ["val": "15"], []), element("name", ["val": "Calibri"], [])]),
            ]),
            element("fills", ["count": "1"], [element("fill", [:], [element("patternFill", ["patternType": "none"], [])])]),
            element("borders", ["count": "1"], [element("border", [:], [])]),
            element("cellStyleXfs", ["count": "1"], [element("xf", ["numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0"], [])]),
            element("cellXfs", ["count": "4"], [
                element("xf", ["numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"], []),
                element("xf", ["numFmtId": "0", "fontId": "1", "fillId": "0", "borderId": "0", "xfId": "0", "applyFont": "1"], []),
                element("xf", ["numFmtId": "164", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0", "applyNumberFormat": "1"], []),
                element("xf", ["numFmtId": "0", "fontId": "2", "fillId": "0", "borderId": "0", "xfId": "0", "applyFont": "1"], []),
            ]),
        ]))
        func text(_ reference: String, _ text: String, style: String? = nil) -> XMLWriter.Element {
            var attributes = ["r": reference, "t": "inlineStr"]
            if let style { attributes["s"] = style }
            return element("c", attributes, [element("is", [:], [XMLWriter.Element("t", ["xml:space": "preserve"], text: text)])])
        }
        for (number, sheet) in zip(numbers, sheets) {
            var sheetRows: [XMLWriter.Element] = []
            // The title block, then a blank row, then the table.
            for (index, line) in sheet.heading.enumerated() {
                sheetRows.append(element("row", ["r": String(index + 1)], [text("A\(index + 1)", line, style: index == 0 ? "3" : nil)]))
            }
            let headerRow = sheet.heading.isEmpty ? 1 : sheet.heading.count + 2
            for (index, row) in sheet.table.enumerated() {
                let number = headerRow + index
                let cells = row.enumerated().map { column, cell -> XMLWriter.Element in
                    let reference = columnName(column) + String(number)
                    switch cell {
                    case let .number(value):
                        return element("c", ["r": reference], [XMLWriter.Element("v", text: value)])
                    case let .rate(value):
                        // A percentage cell: 76.9 is stored as 0.769 and shown as 76.9% (0.0%).
                        return element("c", ["r": reference, "s": "2"], [XMLWriter.Element("v", text: Self.fraction(value))])
                    case let .text(value):
                        return text(reference, value, style: index == 0 ? "1" : nil)
                    }
                }
                sheetRows.append(element("row", ["r": String(number)], cells))
            }
            // Columns as wide as their content (a Chinese character counts two), within reason.
            let columns = sheet.table.map(\.count).max() ?? 0
            let widths = (0..<columns).map { column in
                min(60, max(6, sheet.table.map { column < $0.count ? ResultsTable.displayWidth($0[column].text) : 0 }.max() ?? 0) + 2)
            }
            try add("xl/worksheets/sheet\(number).xml", element("worksheet", ["xmlns": main, "xmlns:r": officeRelationships], [
                element("sheetPr", [:], [element("pageSetUpPr", ["fitToPage": "1"], [])]),
                element("sheetViews", [:], [element("sheetView", ["workbookViewId": "0"], [
                    element("pane", ["ySplit": String(headerRow), "topLeftCell": "A\(headerRow + 1)", "activePane": "bottomLeft", "state": "frozen"], []),
                ])]),
                element("cols", [:], widths.enumerated().map { index, width in
                    element("col", ["min": String(index + 1), "max": String(index + 1), "width": String(width), "customWidth": "1"], [])
                }),
                element("sheetData", [:], sheetRows),
                element("pageMargins", ["left": "0.4", "right": "0.4", "top": "0.5", "bottom": "0.5", "header": "0.3", "footer": "0.3"], []),
                // A4 (paper size 9), landscape, as wide as the page, as many pages long as needed.
                element("pageSetup", ["paperSize": "9", "orientation": "landscape", "fitToWidth": "1", "fitToHeight": "0"], []),
                element("headerFooter", [:], [XMLWriter.Element("oddFooter", text: "第 &P 页 共 &N 页")]),
            ]))
        }

        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    /// "76.9" → "0.769", "100.0" → "1.000", "5.0" → "0.050": the percent as a fraction, moved
    /// two places in decimal, never through floating point.
    static func fraction(_ percent: String) -> String {
        let parts = percent.split(separator: ".", maxSplits: 1).map(String.init)
        guard let whole = parts.first, whole.allSatisfy(\.isNumber) else { return percent }
        let decimals = parts.count > 1 ? parts[1] : ""
        let digits = String(repeating: "0", count: max(0, 3 - whole.count)) + whole
        let integer = String(digits.dropLast(2)).drop { $0 == "0" }
        return (integer.isEmpty ? "0" : String(integer)) + "." + digits.suffix(2) + decimals
    }

    /// 0 → "A", 26 → "AA".
    static func columnName(_ index: Int) -> String {
        var index = index + 1
        var name = ""
        while index > 0 {
            let remainder = (index - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            index = (index - 1) / 26
        }
        return name
    }
}
