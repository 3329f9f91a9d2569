import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MinpingCore
import ZIPFoundation

/// The first worksheet of an XLSX workbook as rows of text (ECMA-376 SpreadsheetML): the ZIP
/// is opened by ZIPFoundation and each part is read by Foundation's XMLParser.
enum XLSXSheet {
    /// No part of a roster workbook is this large once inflated: a ZIP bomb stops here.
    static let maximumPartBytes = 64 << 20

    static func firstSheetRows(_ bytes: Data) throws(RosterError) -> [(number: Int, cells: [String])] {
        let archive: Archive
        do {
            archive = try Archive(data: bytes, accessMode: .read)
        } catch {
            throw .unreadable("不是有效的 Excel（.xlsx）文件：无法作为 ZIP 打开")
        }
        guard let workbook = try part(archive, "xl/workbook.xml") else {
            throw .unreadable("不是 Excel（.xlsx）工作簿：缺少 xl/workbook.xml")
        }
        let sheetPath = try firstSheetPath(workbook: workbook, relationships: part(archive, "xl/_rels/workbook.xml.rels"))
        guard let sheet = try part(archive, sheetPath) else {
            throw .unreadable("Excel 工作簿缺少第一个工作表（\(sheetPath)）")
        }
        let strings = try part(archive, "xl/sharedStrings.xml").map(sharedStrings) ?? []
        return try rows(sheet, sharedStrings: strings)
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

    /// The path of the workbook's first `<sheet>`, through its relationship id.
    static func firstSheetPath(workbook: Data, relationships: Data?) throws(RosterError) -> String {
        var relationshipID: String?
        try XMLEvents.parse(workbook, part: "xl/workbook.xml") { event in
            if case let .start(name, attributes) = event, name == "sheet", relationshipID == nil {
                relationshipID = attributes.first { $0.key == "r:id" || $0.key.hasSuffix(":id") }?.value
            }
        }
        guard let relationshipID, let relationships else { return "xl/worksheets/sheet1.xml" }
        var target: String?
        try XMLEvents.parse(relationships, part: "xl/_rels/workbook.xml.rels") { event in
            if case let .start(name, attributes) = event, name == "Relationship", attributes["Id"] == relationshipID {
                target = attributes["Target"]
            }
        }
        guard let target else { return "xl/worksheets/sheet1.xml" }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    /// The shared string table: each `<si>`'s text runs joined, phonetic guides (`<rPh>`) left out.
    static func sharedStrings(_ data: Data) throws(RosterError) -> [String] {
        var strings: [String] = []
        var current: String?
        var inText = false
        var phonetic = 0
        try XMLEvents.parse(data, part: "xl/sharedStrings.xml") { event in
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
        try XMLEvents.parse(data, part: "worksheet") { event in
            switch event {
            case let .start(name, attributes):
                switch name {
                case "row":
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
                    guard column >= 0, column < 16_384 else { break }
                    let text: String
                    switch type {
                    case "s": text = value.flatMap(Int.init).flatMap { sharedStrings.indices.contains($0) ? sharedStrings[$0] : nil } ?? ""
                    case "inlineStr": text = inline
                    case "b": text = value == "1" ? "TRUE" : "FALSE"
                    case "n": text = value.map(number) ?? ""
                    default: text = value ?? ""
                    }
                    if cells.count <= column { cells += Array(repeating: "", count: column - cells.count + 1) }
                    cells[column] = text
                case "row":
                    rows.append((rowNumber, cells))
                default: break
                }
            }
        }
        return rows.sorted { $0.number < $1.number }
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

    private let handle: (Event) -> Void

    private init(_ handle: @escaping (Event) -> Void) {
        self.handle = handle
    }

    static func parse(_ data: Data, part: String, _ handle: @escaping (Event) -> Void) throws(RosterError) {
        // Made, run and released under the lock: libxml2 state is touched from init to deinit.
        let parsed = LibXML.serialized { () -> Bool in
            let parser = XMLParser(data: data)
            let events = XMLEvents(handle)
            parser.delegate = events
            parser.shouldResolveExternalEntities = false
            return parser.parse()
        }
        guard parsed else { throw .unreadable("Excel 文件中的 \(part) 不是有效的 XML") }
    }

    private static func local(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        handle(.start(Self.local(elementName), attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        handle(.text(string))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        handle(.end(Self.local(elementName)))
    }
}
