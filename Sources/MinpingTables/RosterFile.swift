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

    /// Rows read from a sheet or CSV, blank ones included: 10,000 members (SPEC §7) with room
    /// for title, header and footer rows. Reading stops at the first row past it.
    public static let maximumSheetRows = Roster.maximumRows + 100

    /// Columns read from each row; a roster's columns are the first few of a sheet.
    public static let maximumColumns = 64

    public enum Format: Sendable {
        case csv, xlsx
        /// Excel 97–2003 (OLE2, BIFF8): refused with how to save it as .xlsx (no library here
        /// reads it safely).
        case xls

        /// From the request's Content-Type; a ZIP's magic bytes also mean XLSX, and OLE2's mean
        /// .xls, since browsers and curl do not always name the type.
        public init?(contentType: String?, bytes: Data) {
            let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            if bytes.starts(with: RosterFile.ole2Magic) || type == "application/vnd.ms-excel" {
                self = .xls
                return
            }
            switch type {
            case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": self = .xlsx
            case "text/csv", "text/plain", "application/csv", "text/comma-separated-values": self = .csv
            default:
                if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) { self = .xlsx } else if type == nil || type == "application/octet-stream" { self = .csv } else { return nil }
            }
        }
    }

    /// OLE2's compound file signature: an Excel 97–2003 `.xls` (or a WPS `.et`).
    static let ole2Magic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    static let xlsAdvice = "这是旧版 Excel 文件（.xls），无法直接读取。请打开它另存为 .xlsx 再上传："
        + "在 Excel 中点“文件 → 另存为”，保存类型选“Excel 工作簿（*.xlsx）”；"
        + "在 WPS 表格中点“文件 → 另存为”，文件类型选“Microsoft Excel 文件（*.xlsx）”。"

    /// Reads a roster. `sheet`: the XLSX worksheet to read, by name; without it, the first
    /// worksheet that holds a roster (a cover or notes sheet before it is passed over).
    public static func read(_ bytes: Data, format: Format, sheet: String? = nil) throws(RosterError) -> Roster {
        switch format {
        case .csv:
            return try Roster(rows: csvRows(bytes))
        case .xls:
            throw .unreadable(xlsAdvice)
        case .xlsx:
            if bytes.starts(with: ole2Magic) { throw .unreadable(xlsAdvice) }
            let workbook = try XLSXSheet(bytes)
            let names = workbook.sheets.map(\.name)
            if let sheet {
                guard let index = names.firstIndex(of: sheet) else {
                    throw .unreadable("工作簿里没有名为“\(sheet)”的工作表；有：\(names.joined(separator: "、"))")
                }
                do {
                    return named(try Roster(rows: workbook.rows(sheet: index)), sheet: sheet, sheets: names)
                } catch let .noHeader(hint) {
                    throw .noHeader("工作表“\(sheet)”：\(hint)")
                }
            }
            var firstHint: String?
            for (index, name) in names.enumerated() {
                do {
                    return named(try Roster(rows: workbook.rows(sheet: index)), sheet: name, sheets: names)
                } catch let .noHeader(hint) {
                    firstHint = firstHint ?? "工作表“\(name)”：\(hint)"
                }
            }
            let which = names.count == 1 ? "工作表“\(names[0])”" : "工作簿的 \(names.count) 个工作表（\(names.joined(separator: "、"))）都"
            throw .noHeader(names.count == 1 ? (firstHint ?? which) : "\(which)没有找到党员名单。\(firstHint ?? "")")
        }
    }

    private static func named(_ roster: Roster, sheet: String, sheets: [String]) -> Roster {
        var roster = roster
        roster.sheet = sheet
        roster.sheets = sheets
        return roster
    }

    /// The CSV's records with their 1-based row numbers. A body that is not valid UTF-8 is
    /// read as GB18030 (SPEC §7).
    static func csvRows(_ bytes: Data) throws(RosterError) -> [(number: Int, cells: [String])] {
        if isUTF16(bytes) {
            throw .unreadable("文件是 UTF-16 编码（Excel 的“Unicode 文本”），请在 Excel 或 WPS 中“另存为 CSV UTF-8（逗号分隔）”后再上传")
        }
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(data: body, encoding: .utf8) ?? String(data: body, encoding: gb18030) else {
            throw .unreadable("文件既不是 UTF-8 也不是 GB18030 编码的 CSV，请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”")
        }
        // CSV.swift reads an unclosed quote to the end of the file as one cell.
        if let row = unclosedQuoteRow(text) {
            throw .unreadable("CSV 第 \(row) 行引号不成对：一个以 \" 开头的单元格没有结束的 \"")
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false)
        } catch {
            throw .unreadable("CSV 文件无法读取")
        }
        var rows: [(number: Int, cells: [String])] = []
        while let cells = reader.next() {
            guard rows.count < maximumSheetRows else { throw .tooManyRows }
            rows.append((rows.count + 1, Array(cells.prefix(maximumColumns))))
        }
        if reader.error != nil { throw .unreadable("CSV 文件格式有误（第 \(rows.count + 1) 行附近）") }
        return rows
    }

    /// UTF-16 as Excel's "Unicode text" saves it: a byte-order mark, or NUL in every other
    /// byte of the first line.
    static func isUTF16(_ bytes: Data) -> Bool {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return true }
        let head = [UInt8](bytes.prefix(64))
        guard head.count >= 4 else { return false }
        let evenNUL = stride(from: 0, to: head.count, by: 2).filter { head[$0] == 0 }.count
        let oddNUL = stride(from: 1, to: head.count, by: 2).filter { head[$0] == 0 }.count
        return max(evenNUL, oddNUL) * 4 >= head.count
    }

    /// The record (1-based) where a quoted cell opens and never closes (RFC 4180 quoting), or nil.
    static func unclosedQuoteRow(_ text: String) -> Int? {
        var row = 1, openedAt = 0
        var quoted = false, fieldStart = true, pendingQuote = false
        for scalar in text.unicodeScalars {
            if quoted {
                if pendingQuote {
                    pendingQuote = false
                    if scalar == "\"" { continue }  // "" inside quotes
                    quoted = false                  // the quote closed the cell
                } else {
                    if scalar == "\"" { pendingQuote = true }
                    continue
                }
            }
            switch scalar {
            case "\"" where fieldStart:
                quoted = true
                openedAt = row
            case ",":
                fieldStart = true
                continue
            case "\n":
                row += 1
                fieldStart = true
                continue
            case "\r":
                fieldStart = true
                continue
            default:
                break
            }
            fieldStart = false
        }
        return quoted && !pendingQuote ? openedAt : nil
    }

    /// GB18030 (CFStringEncoding 0x0632), which Foundation reads through ICU.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)
}
