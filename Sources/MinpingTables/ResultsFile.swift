import CSV
import Foundation
import MinpingCore
import ZIPFoundation

/// The results table of SPEC §7 (`results.csv`, `results.xlsx`): one row per subject in results
/// order, the same numbers as `GET /results`, for people who open results in Excel.
public enum ResultsFile {
    /// The table: a header row, then one row per subject. Counts and the denominator are
    /// numbers; the rate is the published one-decimal percent (empty when undefined).
    public static func table(_ results: EvaluationResults, definition: EvaluationDefinition) -> [[Cell]] {
        let organizations = Dictionary(uniqueKeysWithValues: definition.organizations.map { ($0.id, $0.name) })
        let starLabels = Dictionary(
            definition.rules.memberStars.map { ("member/\($0.star)", $0.label) }
                + definition.rules.organizationStars.map { ("organization/\($0.star)", $0.label) },
            uniquingKeysWith: { first, _ in first })
        let header = ["类型", "编号", "名称", "所属党支部"] + definition.options.map(\.label) + ["计为满意", "分母", "满意率", "获星"]
        var rows: [[Cell]] = [header.map(Cell.text)]
        for subject in results.subjects {
            var row: [Cell] = [
                .text(subject.kind == .member ? "党员" : "党组织"), .text(subject.id), .text(subject.name),
                .text(subject.organization.flatMap { organizations[$0] } ?? ""),
            ]
            row += subject.counts.map { .number(String($0.count)) }
            row += [.number(String(subject.satisfied)), .number(String(subject.denominator)),
                    subject.rate.map { .rate($0) } ?? .text("")]
            row.append(.text(subject.stars.compactMap { starLabels["\(subject.kind.rawValue)/\($0)"] }.joined(separator: "、")))
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

    /// A workbook of one sheet (`结果`), the header row bold and frozen. Parts are written as
    /// text by ``XMLWriter`` (no libxml2: Foundation's XMLDocument shares libxml2's global state
    /// with every parser in the process) and zipped by ZIPFoundation.
    public static func xlsx(_ table: [[Cell]], sheetName: String = "结果") throws -> Data {
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

        try add("[Content_Types].xml", element("Types", ["xmlns": "\(package)/content-types"], [
            element("Default", ["Extension": "rels", "ContentType": "application/vnd.openxmlformats-package.relationships+xml"], []),
            element("Default", ["Extension": "xml", "ContentType": "application/xml"], []),
            element("Override", ["PartName": "/xl/workbook.xml",
                                 "ContentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"], []),
            element("Override", ["PartName": "/xl/worksheets/sheet1.xml",
                                 "ContentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"], []),
            element("Override", ["PartName": "/xl/styles.xml",
                                 "ContentType": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"], []),
        ]))
        try add("_rels/.rels", element("Relationships", ["xmlns": "\(package)/relationships"], [
            element("Relationship", ["Id": "rId1", "Type": "\(officeRelationships)/officeDocument", "Target": "xl/workbook.xml"], []),
        ]))
        try add("xl/workbook.xml", element("workbook", ["xmlns": main, "xmlns:r": officeRelationships], [
            element("sheets", [:], [element("sheet", ["name": sheetName, "sheetId": "1", "r:id": "rId1"], [])]),
        ]))
        try add("xl/_rels/workbook.xml.rels", element("Relationships", ["xmlns": "\(package)/relationships"], [
            element("Relationship", ["Id": "rId1", "Type": "\(officeRelationships)/worksheet", "Target": "worksheets/sheet1.xml"], []),
            element("Relationship", ["Id": "rId2", "Type": "\(officeRelationships)/styles", "Target": "styles.xml"], []),
        ]))
        try add("xl/styles.xml", element("styleSheet", ["xmlns": main], [
            element("numFmts", ["count": "1"], [element("numFmt", ["numFmtId": "164", "formatCode": "0.0"], [])]),
            element("fonts", ["count": "2"], [
                element("font", [:], [element("sz", ["val": "11"], []), element("name", ["val": "Calibri"], [])]),
                element("font", [:], [element("b", [:], []), element("sz", ["val": "11"], []), element("name", ["val": "Calibri"], [])]),
            ]),
            element("fills", ["count": "1"], [element("fill", [:], [element("patternFill", ["patternType": "none"], [])])]),
            element("borders", ["count": "1"], [element("border", [:], [])]),
            element("cellStyleXfs", ["count": "1"], [element("xf", ["numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0"], [])]),
            element("cellXfs", ["count": "3"], [
                element("xf", ["numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"], []),
                element("xf", ["numFmtId": "0", "fontId": "1", "fillId": "0", "borderId": "0", "xfId": "0", "applyFont": "1"], []),
                element("xf", ["numFmtId": "164", "fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0", "applyNumberFormat": "1"], []),
            ]),
        ]))
        var sheetRows: [XMLWriter.Element] = []
        for (index, row) in table.enumerated() {
            let number = index + 1
            let cells = row.enumerated().map { column, cell -> XMLWriter.Element in
                var attributes = ["r": columnName(column) + String(number)]
                if index == 0 { attributes["s"] = "1" }
                switch cell {
                case let .number(text):
                    return element("c", attributes, [XMLWriter.Element("v", text: text)])
                case let .rate(text):
                    attributes["s"] = "2"  // number format 0.0: 80.0 stays 80.0 on screen and in exports
                    return element("c", attributes, [XMLWriter.Element("v", text: text)])
                case let .text(text):
                    attributes["t"] = "inlineStr"
                    return element("c", attributes, [element("is", [:], [XMLWriter.Element("t", ["xml:space": "preserve"], text: text)])])
                }
            }
            sheetRows.append(element("row", ["r": String(number)], cells))
        }
        try add("xl/worksheets/sheet1.xml", element("worksheet", ["xmlns": main, "xmlns:r": officeRelationships], [
            element("sheetViews", [:], [element("sheetView", ["workbookViewId": "0"], [
                element("pane", ["ySplit": "1", "topLeftCell": "A2", "activePane": "bottomLeft", "state": "frozen"], []),
            ])]),
            element("sheetData", [:], sheetRows),
        ]))
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
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
