import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MinpingCore
import ZIPFoundation

/// The worksheets of an XLSX workbook as rows of text (ECMA-376 SpreadsheetML): the ZIP is
/// opened by ZIPFoundation and each part is read by Foundation's XMLParser. Merged cells give
/// every cell of their range the top-left value, as a clerk sees them.
struct XLSXSheet {
    /// No part of a roster workbook is this large once inflated: a ZIP bomb stops here.
    static let maximumPartBytes = 64 << 20

    /// More distinct texts than a full roster's every cell could hold is not a roster.
    static let maximumSharedStrings = RosterFile.maximumSheetRows * RosterFile.maximumColumns

    /// More merged ranges than a roster could have is not one.
    static let maximumMerges = RosterFile.maximumSheetRows

    let archive: Archive
    /// The worksheets in the workbook's order: their names and parts.
    let sheets: [(name: String, path: String)]
    let sharedStrings: [String]

    /// Opens a workbook: its sheet list and shared strings; sheets are read one by one.
    init(_ bytes: Data) throws(RosterError) {
        // ZIPFoundation trusts the central directory's offsets (one past the end aborted the
        // process): every offset and size is checked against the data first.
        try ZIPDirectory.validate(bytes, maximumEntryBytes: Self.maximumPartBytes)
        do {
            archive = try Archive(data: bytes, accessMode: .read)
        } catch {
            throw .unreadable("不是有效的 Excel（.xlsx）文件：无法作为 ZIP 打开")
        }
        guard let workbook = try Self.part(archive, "xl/workbook.xml") else {
            throw .unreadable("不是 Excel（.xlsx）工作簿：缺少 xl/workbook.xml")
        }
        sheets = try Self.sheetList(workbook: workbook, relationships: Self.part(archive, "xl/_rels/workbook.xml.rels"))
        sharedStrings = try Self.part(archive, "xl/sharedStrings.xml").map(Self.sharedStrings) ?? []
    }

    /// One worksheet's rows, merged cells filled in.
    func rows(sheet index: Int) throws(RosterError) -> [(number: Int, cells: [String])] {
        let (name, path) = sheets[index]
        guard let data = try Self.part(archive, path) else {
            throw .unreadable("Excel 工作簿缺少工作表“\(name)”（\(path)）")
        }
        return try Self.rows(data, sharedStrings: sharedStrings)
    }

    /// The first worksheet's rows (the tests' and the old reader's).
    static func firstSheetRows(_ bytes: Data) throws(RosterError) -> [(number: Int, cells: [String])] {
        let workbook = try XLSXSheet(bytes)
        guard !workbook.sheets.isEmpty else { throw .unreadable("Excel 工作簿里没有工作表") }
        return try workbook.rows(sheet: 0)
    }

    /// One part, inflated, or nil if the workbook has none by that name.
    static func part(_ archive: Archive, _ path: String) throws(RosterError) -> Data? {
        guard let entry = archive[path] else { return nil }
        var data = Data()
        do {
            _ = try archive.extract(entry) { chunk in
                data.append(chunk)
                if data.count > maximumPartBytes { throw RosterError.unreadable("Excel 文件解压后过大（\(path)）") }
            }
        } catch let error as RosterError {
            throw error
        } catch {
            throw .unreadable("Excel 文件已损坏（\(path)）")
        }
        return data
    }

    /// The workbook's `<sheet>`s in order, each with its part's path (through its
    /// relationship id; `xl/worksheets/sheetN.xml` when the relationships say nothing).
    static func sheetList(workbook: Data, relationships: Data?) throws(RosterError) -> [(name: String, path: String)] {
        var listed: [(name: String, id: String?)] = []
        try XMLEvents.parse(workbook, part: "xl/workbook.xml") { event in
            if case let .start(name, attributes) = event, name == "sheet", listed.count < 256 {
                listed.append((attributes["name"] ?? "Sheet\(listed.count + 1)",
                               attributes.first { $0.key == "r:id" || $0.key.hasSuffix(":id") }?.value))
            }
        }
        var targets: [String: String] = [:]
        if let relationships {
            try XMLEvents.parse(relationships, part: "xl/_rels/workbook.xml.rels") { event in
                if case let .start(name, attributes) = event, name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] {
                    targets[id] = target
                }
            }
        }
        if listed.isEmpty { return [("Sheet1", "xl/worksheets/sheet1.xml")] }
        return listed.enumerated().map { index, sheet in
            guard let target = sheet.id.flatMap({ targets[$0] }) else { return (sheet.name, "xl/worksheets/sheet\(index + 1).xml") }
            return (sheet.name, target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target)
        }
    }

    /// The shared string table: each `<si>`'s text runs joined, phonetic guides (`<rPh>`) left out.
    static func sharedStrings(_ data: Data) throws(RosterError) -> [String] {
        var strings: [String] = []
        var current: String?
        var inText = false
        var phonetic = 0
        try XMLEvents.parse(data, part: "xl/sharedStrings.xml") { event throws(RosterError) in
            switch event {
            case let .start(name, _):
                if name == "si" { current = "" }
                if name == "rPh" { phonetic += 1 }
                if name == "t" { inText = true }
            case let .text(text):
                if inText, phonetic == 0 { current? += text }
            case let .end(name):
                if name == "t" { inText = false }
                if name == "rPh" { phonetic -= 1 }
                if name == "si" {
                    guard strings.count < maximumSharedStrings else {
                        throw RosterError.unreadable("Excel 文件的共享字符串表过大（超过 \(maximumSharedStrings) 项），不像一份党员名单")
                    }
                    strings.append(current ?? "")
                    current = nil
                }
            }
        }
        return strings
    }

    /// The rows of a worksheet with their `r` numbers; cells placed by their `r` reference
    /// (A, B, …, AA), so skipped empty cells keep the columns right.
    static func rows(_ data: Data, sharedStrings: [String]) throws(RosterError) -> [(number: Int, cells: [String])] {
        var rows: [(number: Int, cells: [String])] = []
        var cells: [String] = []
        var rowNumber = 0
        var column = -1
        var type = "n"
        var value: String?
        var inline = ""
        var reading: String?  // "v" or "t" while inside one
        var rowCount = 0
        var merges: [(rows: ClosedRange<Int>, columns: ClosedRange<Int>)] = []
        try XMLEvents.parse(data, part: "worksheet") { event throws(RosterError) in
            switch event {
            case let .start(name, attributes):
                switch name {
                case "mergeCell":
                    guard let range = attributes["ref"].flatMap(mergeRange) else { break }
                    guard merges.count < maximumMerges else {
                        throw .unreadable("Excel 工作表的合并单元格过多（超过 \(maximumMerges) 处），不像一份党员名单")
                    }
                    merges.append(range)
                case "row":
                    // Every row counts toward the limit, blank ones too: a sheet of empty rows
                    // is still work, and stops here rather than after it was all built.
                    rowCount += 1
                    guard rowCount <= RosterFile.maximumSheetRows else { throw .tooManyRows }
                    rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
                    cells = []
                    column = -1
                case "c":
                    column = attributes["r"].flatMap(columnIndex) ?? column + 1
                    type = attributes["t"] ?? "n"
                    value = nil
                    inline = ""
                case "v", "t":
                    reading = name
                default: break
                }
            case let .text(text):
                if reading == "v" { value = (value ?? "") + text }
                if reading == "t", type == "inlineStr" { inline += text }
            case let .end(name):
                switch name {
                case "v", "t": reading = nil
                case "c":
                    // Only the first columns are read, and an empty cell adds nothing: a row
                    // with one empty cell in column XFD is not 16,384 strings.
                    guard column >= 0, column < RosterFile.maximumColumns else { break }
                    let text: String
                    switch type {
                    case "s": text = value.flatMap(Int.init).flatMap { sharedStrings.indices.contains($0) ? sharedStrings[$0] : nil } ?? ""
                    case "inlineStr": text = inline
                    case "b": text = value == "1" ? "TRUE" : "FALSE"
                    case "n": text = value.map(number) ?? ""
                    default: text = value ?? ""
                    }
                    guard !text.isEmpty else { break }
                    if cells.count <= column { cells += Array(repeating: "", count: column - cells.count + 1) }
                    cells[column] = text
                case "row":
                    rows.append((rowNumber, cells))
                default: break
                }
            }
        }
        return try fill(rows.sorted { $0.number < $1.number }, merges: merges)
    }

    /// Every cell of a merged range gets its top-left value (a branch written once and merged
    /// down its members' rows). Only the columns and rows a roster reads are filled.
    /// All merged ranges together fill at most a full roster's cells: more is not a roster.
    static func fill(_ rows: [(number: Int, cells: [String])],
                     merges: [(rows: ClosedRange<Int>, columns: ClosedRange<Int>)]) throws(RosterError) -> [(number: Int, cells: [String])] {
        guard !merges.isEmpty else { return rows }
        var budget = RosterFile.maximumSheetRows * RosterFile.maximumColumns
        var byNumber = Dictionary(rows.map { ($0.number, $0.cells) }, uniquingKeysWith: { first, _ in first })
        for merge in merges {
            let columns = merge.columns.clamped(to: 0...(RosterFile.maximumColumns - 1))
            let lastRow = min(merge.rows.upperBound, merge.rows.lowerBound + RosterFile.maximumSheetRows)
            guard !columns.isEmpty, let top = byNumber[merge.rows.lowerBound], columns.lowerBound < top.count else { continue }
            let value = top[columns.lowerBound]
            guard !value.isEmpty else { continue }
            budget -= (lastRow - merge.rows.lowerBound + 1) * columns.count
            guard budget >= 0 else { throw .unreadable("Excel 工作表的合并单元格范围过大，不像一份党员名单") }
            for number in merge.rows.lowerBound...lastRow {
                var cells = byNumber[number] ?? []
                if cells.count <= columns.upperBound { cells += Array(repeating: "", count: columns.upperBound - cells.count + 1) }
                for column in columns where cells[column].isEmpty { cells[column] = value }
                byNumber[number] = cells
            }
        }
        return byNumber.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// "B3:B7" → rows 3...7, columns 1...1.
    static func mergeRange(_ reference: String) -> (rows: ClosedRange<Int>, columns: ClosedRange<Int>)? {
        let corners = reference.split(separator: ":").map(String.init)
        guard corners.count == 2, let a = cell(corners[0]), let b = cell(corners[1]) else { return nil }
        guard a.row <= b.row, a.column <= b.column, b.row <= RosterFile.maximumSheetRows * 2 else { return nil }
        return (a.row...b.row, a.column...b.column)
    }

    /// "AB7" → row 7, column 27.
    static func cell(_ reference: String) -> (row: Int, column: Int)? {
        let letters = reference.prefix { ("A"..."Z").contains($0) }
        guard let column = columnIndex(String(letters)), let row = Int(reference.dropFirst(letters.count)), row >= 1 else { return nil }
        return (row, column)
    }

    /// "A" → 0, "AB7" → 27.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            index = index * 26 + Int(scalar.value - 65) + 1
            letters += 1
        }
        return letters == 0 || letters > 3 ? nil : index - 1
    }

    /// A numeric cell as a person typed it: 101, not 101.0 or 1.01E2.
    static func number(_ text: String) -> String {
        guard let value = Double(text), value.isFinite, value == value.rounded(), abs(value) < 1e15 else { return text }
        return String(Int64(value))
    }
}

/// Foundation's XMLParser as a stream of events, local names only (prefixes such as `x:` in
/// files written by other tools are dropped).
final class XMLEvents: NSObject, XMLParserDelegate {
    enum Event {
        case start(String, [String: String])
        case text(String)
        case end(String)
    }

    private let handle: (Event) throws(RosterError) -> Void
    /// The first error the handler threw; parsing stops there.
    private var failure: RosterError?

    private init(_ handle: @escaping (Event) throws(RosterError) -> Void) {
        self.handle = handle
    }

    /// Parses one part, stopping at the first error `handle` throws. A part that is not valid
    /// UTF-8 is refused before libxml2 sees it (malformed sequences crash the process inside
    /// FoundationXML).
    static func parse(_ data: Data, part: String, _ handle: @escaping (Event) throws(RosterError) -> Void) throws(RosterError) {
        guard String(validating: data, as: UTF8.self) != nil else {
            throw .unreadable("Excel 文件中的 \(part) 不是有效的 UTF-8 文本（文件可能已损坏），请用 Excel 或 WPS 打开后重新保存为 .xlsx")
        }
        // Excel, WPS and LibreOffice write no DTD; one is only there to declare entities
        // (billion laughs, quadratic blow-up, external files).
        guard data.range(of: Data("<!DOCTYPE".utf8)) == nil else {
            throw .unreadable("Excel 文件中的 \(part) 含有文档类型声明（<!DOCTYPE），这不是 Excel 或 WPS 保存的文件")
        }
        // Made, run and released under the lock: libxml2 state is touched from init to deinit.
        let (parsed, failure) = LibXML.serialized { () -> (Bool, RosterError?) in
            let parser = XMLParser(data: data)
            let events = XMLEvents(handle)
            parser.delegate = events
            parser.shouldResolveExternalEntities = false
            let parsed = parser.parse()
            return (parsed, events.failure)
        }
        if let failure { throw failure }
        guard parsed else { throw .unreadable("Excel 文件中的 \(part) 不是有效的 XML") }
    }

    private func deliver(_ event: Event, _ parser: XMLParser) {
        guard failure == nil else { return }
        do {
            try handle(event)
        } catch {
            failure = error
            parser.abortParsing()
        }
    }

    private static func local(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        deliver(.start(Self.local(elementName), attributes), parser)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        deliver(.text(string), parser)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        deliver(.end(Self.local(elementName)), parser)
    }
}
