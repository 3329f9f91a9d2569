import CSV
import Foundation
import MinpingCore

/// Reads an uploaded member list (SPEC §7 `POST /rosters`): CSV in UTF-8 (a BOM is ignored)
/// or GB18030 as Chinese Excel saves it, or XLSX (first worksheet). Parsing is left to
/// CSV.swift, ZIPFoundation and Foundation's XMLParser; this file only maps their output to
/// rows of text cells for ``Roster``.
public enum RosterFile {
    /// SPEC §7: a roster body is at most 5 MiB.
    public static let maximumBytes = 5 << 20

    public enum Format: Sendable {
        case csv, xlsx

        /// From the request's Content-Type; a ZIP's magic bytes also mean XLSX, since browsers
        /// and curl do not always name the type.
        public init?(contentType: String?, bytes: Data) {
            let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            switch type {
            case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": self = .xlsx
            case "text/csv", "text/plain", "application/csv", "text/comma-separated-values": self = .csv
            default:
                if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { self = .xlsx } else if type == nil || type == "application/octet-stream" { self = .csv } else { return nil }
            }
        }
    }

    public static func read(_ bytes: Data, format: Format) throws(RosterError) -> Roster {
        switch format {
        case .csv: try Roster(rows: csvRows(bytes))
        case .xlsx: try Roster(rows: XLSXSheet.firstSheetRows(bytes))
        }
    }

    /// The CSV's records with their 1-based row numbers. A body that is not valid UTF-8 is
    /// read as GB18030 (SPEC §7).
    static func csvRows(_ bytes: Data) throws(RosterError) -> [(number: Int, cells: [String])] {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(data: body, encoding: .utf8) ?? String(data: body, encoding: gb18030) else {
            throw .unreadable("文件既不是 UTF-8 也不是 GB18030 编码的 CSV")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false)
        } catch {
            throw .unreadable("CSV 文件无法读取")
        }
        var rows: [(number: Int, cells: [String])] = []
        while let cells = reader.next() {
            rows.append((rows.count + 1, cells))
        }
        if reader.error != nil { throw .unreadable("CSV 文件格式有误（第 \(rows.count + 1) 行附近，可能是引号不成对）") }
        return rows
    }

    /// GB18030 (CFStringEncoding 0x0632), which Foundation reads through ICU.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)
}
