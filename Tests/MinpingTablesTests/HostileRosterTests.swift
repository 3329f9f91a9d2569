import Foundation
import MinpingCore
@testable import MinpingTables
import Testing

/// Files that crash a reader or exhaust its memory, refused by the parser's own bounds (the
/// child process of ``RosterReader/childProcess(executable:arguments:concurrency:timeout:)``
/// is the second line of defence, tested in MinpingCLITests).
@Suite("Rosters: hostile and damaged files are refused, never crash")
struct HostileRosterTests {
    static let validSheet = """
        <row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>党支部</t></is></c></row>
        <row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" t="inlineStr"><is><t>一支部</t></is></c></row>
        """

    /// The offset of the first central directory entry, and the end record's.
    static func directory(_ data: Data) throws -> (first: Int, end: Int) {
        let bytes = [UInt8](data)
        let end = try #require((0...(bytes.count - 22)).reversed().first { bytes[$0...$0 + 3] == [0x50, 0x4B, 0x05, 0x06] })
        let first = Int(bytes[end + 16]) | Int(bytes[end + 17]) << 8 | Int(bytes[end + 18]) << 16 | Int(bytes[end + 19]) << 24
        return (first, end)
    }

    static func writeUInt32(_ value: UInt32, at offset: Int, in data: inout Data) {
        for index in 0..<4 { data[offset + index] = UInt8((value >> (8 * UInt32(index))) & 0xFF) }
    }

    @Test("a central directory entry whose local header lies past the end is refused (it aborted the process)")
    func offsetPastTheEnd() throws {
        var data = try workbook(sheet: Self.validSheet)
        #expect(try RosterFile.read(data, format: .xlsx).members.count == 1)
        let (first, _) = try Self.directory(data)
        Self.writeUInt32(UInt32(data.count + 1_000), at: first + 42, in: &data)
        #expect(throws: RosterError.self) { try RosterFile.read(data, format: .xlsx) }
        do {
            _ = try RosterFile.read(data, format: .xlsx)
        } catch {
            #expect(error.description.contains("ZIP 结构已损坏"), "\(error)")
        }
    }

    @Test("sizes and offsets past the data, in every field of the directory, are refused", arguments: [20, 24, 42])
    func hugeFields(_ field: Int) throws {
        var data = try workbook(sheet: Self.validSheet)
        let (first, end) = try Self.directory(data)
        Self.writeUInt32(0x7FFF_FFF0, at: first + field, in: &data)
        #expect(throws: RosterError.self) { try RosterFile.read(data, format: .xlsx) }
        var directory = try workbook(sheet: Self.validSheet)
        Self.writeUInt32(UInt32(directory.count), at: end + 16, in: &directory)
        #expect(throws: RosterError.self) { try RosterFile.read(directory, format: .xlsx) }
    }

    @Test("malformed UTF-8 in the worksheet (an overlong sequence, an encoded surrogate) is refused before the XML parser")
    func malformedUTF8() throws {
        var sheet = Data(Self.validSheet.utf8)
        sheet.append(contentsOf: Array(#"<row r="3" spans="1:2" x="a"#.utf8) + [0xC0, 0xAF] + Array(#""><c r="A3"/></row>"#.utf8))
        sheet.append(contentsOf: Array(#"<row r="4"><c r="A4" t="s"><v>"#.utf8) + [0xED, 0xA0, 0x80] + Array("</v></c></row>".utf8))
        let data = try workbook(sheetData: sheet)
        do {
            _ = try RosterFile.read(data, format: .xlsx)
            Issue.record("malformed UTF-8 was accepted")
        } catch {
            #expect(error.description.contains("UTF-8"), "\(error)")
        }
    }

    @Test("sparse wide rows (one empty cell in column XFD) keep no cells, and every row counts toward the limit")
    func wideRows() throws {
        func sheet(rows: Int) -> String {
            Self.validSheet + (3...rows + 2).map { #"<row r="\#($0)"><c r="XFD\#($0)"/></row>"# }.joined()
        }
        func part(_ rows: String) -> Data { Data("<worksheet><sheetData>\(rows)</sheetData></worksheet>".utf8) }
        let rows = try XLSXSheet.rows(part(sheet(rows: 5_000)), sharedStrings: [])
        #expect(rows.count == 5_002 && rows.dropFirst(2).allSatisfy(\.cells.isEmpty))
        #expect(rows.allSatisfy { $0.cells.count <= RosterFile.maximumColumns })
        #expect(throws: RosterError.tooManyRows) { try XLSXSheet.rows(part(sheet(rows: 20_000)), sharedStrings: []) }
        #expect(throws: RosterError.tooManyRows) { try RosterFile.read(try workbook(sheet: sheet(rows: 20_000)), format: .xlsx) }
        // A name in a far column is not read; the first columns are.
        let far = try XLSXSheet.rows(part(#"<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="CZ1" t="inlineStr"><is><t>y</t></is></c></row>"#),
                                     sharedStrings: [])
        #expect(far.map(\.cells) == [["x"]])
    }

    @Test("CSV: UTF-16 is named with how to save it; an unclosed quote names its row; blank lines count toward the limit")
    func csvMessages() throws {
        let utf16 = Data([0xFF, 0xFE]) + "姓名,党支部\r\n张三,一支部\r\n".data(using: .utf16LittleEndian)!
        #expect(throws: RosterError.self) { try RosterFile.read(utf16, format: .csv) }
        do {
            _ = try RosterFile.read(utf16, format: .csv)
        } catch {
            #expect(error.description.contains("UTF-16") && error.description.contains("另存为 CSV UTF-8"), "\(error)")
        }
        let noBOM = "name,organization\r\n".data(using: .utf16LittleEndian)!
        #expect(RosterFile.isUTF16(noBOM))
        do {
            _ = try csv("姓名,党支部\n张三,一支部\n\"李四,二支部\n王五,一支部\n")
            Issue.record("an unclosed quote was accepted")
        } catch {
            #expect("\(error)".contains("第 3 行引号不成对"), "\(error)")
        }
        #expect(try csv("姓名,党支部,备注\n\"张\"\"三\",一支部,\"多\n行\"\n李四,一支部,\n").members.map(\.name) == ["张\"三", "李四"],
                "quotes closed across a line break")
        #expect(throws: RosterError.tooManyRows) { try csv("姓名,党支部\n" + String(repeating: "\n", count: 20_000)) }
    }
}

