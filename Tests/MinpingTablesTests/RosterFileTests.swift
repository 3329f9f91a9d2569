import Foundation
import MinpingCore
@testable import MinpingTables
import Testing
import ZIPFoundation

/// An XLSX workbook made of the given parts, zipped by ZIPFoundation: the tests write the
/// SpreadsheetML that Excel and LibreOffice write, shared and inline strings alike.
func workbook(sheet: String, sharedStrings: String? = nil, prefix: String = "") throws -> Data {
    try workbook(sheetData: Data(sheet.utf8), sharedStrings: sharedStrings, prefix: prefix)
}

/// The same with the rows as raw bytes, which may be anything (invalid UTF-8, say).
func workbook(sheetData: Data, sharedStrings: String? = nil, prefix: String = "") throws -> Data {
    let archive = try Archive(accessMode: .create)
    func add(_ path: String, _ text: String) throws { try add(path, Data(text.utf8)) }
    func add(_ path: String, _ data: Data) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    let rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    let ns = prefix.isEmpty ? "xmlns=\"\(main)\"" : "xmlns:\(prefix.dropLast())=\"\(main)\""
    try add("xl/workbook.xml", """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <\(prefix)workbook \(ns) xmlns:r="\(rels)"><\(prefix)sheets><\(prefix)sheet name="花名册" sheetId="1" r:id="rId7"/></\(prefix)sheets></\(prefix)workbook>
        """)
    try add("xl/_rels/workbook.xml.rels", """
        <?xml version="1.0" encoding="UTF-8"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
        <Relationship Id="rId7" Type="\(rels)/worksheet" Target="worksheets/roster.xml"/></Relationships>
        """)
    try add("xl/worksheets/roster.xml", Data("""
        <?xml version="1.0" encoding="UTF-8"?>
        <\(prefix)worksheet \(ns)><\(prefix)sheetData>
        """.utf8) + sheetData + Data("</\(prefix)sheetData></\(prefix)worksheet>".utf8))
    if let sharedStrings {
        // A document with its own prologue (a DOCTYPE, say) is written as given.
        try add("xl/sharedStrings.xml", sharedStrings.hasPrefix("<!") ? sharedStrings : "<sst xmlns=\"\(main)\">\(sharedStrings)</sst>")
    }
    return try #require(archive.data)
}

func csv(_ text: String) throws -> Roster {
    try RosterFile.read(Data(text.utf8), format: .csv)
}

@Suite("Rosters: the street's member list from CSV or XLSX (SPEC §7)")
struct RosterFileTests {
    @Test("every header alias reads; organizations in order of first appearance, members numbered")
    func headerAliases() throws {
        for (name, organization, id) in [("姓名", "党支部", "编号"), ("name", "所属党支部", "id"), ("Name", "党组织", "ID"),
                                         (" 姓名 ", "organization", "编号")] {
            let roster = try csv("\(name),\(organization),\(id)\n张三,第二支部,7\n李四,第一支部,8\n王五,第二支部,9\n")
            #expect(roster.organizations == [Organization(id: "o-1", name: "第二支部"), Organization(id: "o-2", name: "第一支部")])
            #expect(roster.members.map(\.id) == ["7", "8", "9"])
            #expect(roster.members.map(\.organization) == ["o-1", "o-2", "o-1"])
            #expect(roster.errors.isEmpty)
        }
        // Without an id column members are m-001, m-002, … in row order; columns in any order.
        let roster = try csv("党支部,备注,姓名\n一支部,,张三\n一支部,x,李四\n")
        #expect(roster.members == [Member(id: "m-001", name: "张三", organization: "o-1"), Member(id: "m-002", name: "李四", organization: "o-1")])
    }

    @Test("UTF-8 with and without a BOM, GB18030 as Chinese Excel saves it, CRLF and quoted fields")
    func encodings() throws {
        let text = "姓名,党支部\r\n张三,第一支部\r\n\"王, 五\",\"第一\"\"支部\"\"\"\r\n"
        let plain = try RosterFile.read(Data(text.utf8), format: .csv)
        let bom = try RosterFile.read(Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)), format: .csv)
        #expect(plain == bom)
        #expect(plain.members.map(\.name) == ["张三", "王, 五"])
        #expect(plain.organizations.map(\.name) == ["第一支部", "第一\"支部\""])
        // 姓名,党支部 / 张三,第一支部 / 𠮷田,第一支部 in GB18030 (𠮷 is a four-byte sequence).
        let gb18030: [UInt8] = [
            0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xb5, 0xb3, 0xd6, 0xa7, 0xb2, 0xbf, 0x0d, 0x0a, 0xd5, 0xc5, 0xc8, 0xfd, 0x2c, 0xb5, 0xda,
            0xd2, 0xbb, 0xd6, 0xa7, 0xb2, 0xbf, 0x0d, 0x0a, 0x95, 0x34, 0xb2, 0x35, 0xcc, 0xef, 0x2c, 0xb5, 0xda, 0xd2, 0xbb, 0xd6,
            0xa7, 0xb2, 0xbf, 0x0d, 0x0a,
        ]
        let chinese = try RosterFile.read(Data(gb18030), format: .csv)
        #expect(chinese.members.map(\.name) == ["张三", "𠮷田"])
        #expect(chinese.organizations.map(\.name) == ["第一支部"])
    }

    @Test("row errors carry the spreadsheet's row numbers; blank rows are skipped but counted")
    func rowErrors() throws {
        let roster = try csv("""
            姓名,党支部,编号
            张三,一支部,1

            ,一支部,2
            李四,,3
            王五,一支部,1
            赵六,一支部,
            钱七,一支部,B 2
            张三,二支部,4
            孙八,一支部,o-1
            """)
        #expect(roster.errors == [
            Roster.RowError(row: 4, column: "姓名", message: "姓名为空"),
            Roster.RowError(row: 5, column: "党支部", message: "党支部为空"),
            Roster.RowError(row: 6, column: "编号", message: "编号“1”与第 2 行重复"),
            Roster.RowError(row: 7, column: "编号", message: "编号为空"),
            Roster.RowError(row: 8, column: "编号", message: "编号“b 2”只能由字母、数字、- 和 _ 组成（最多 64 个）"),
            Roster.RowError(row: 10, column: "编号", message: "编号“o-1”与党支部的编号重复"),
        ])
        // Duplicate names are allowed: two people called 张三 get distinct ids.
        #expect(roster.members.map(\.id) == ["1", "4"])
        #expect(roster.members.map(\.name) == ["张三", "张三"])
        #expect(roster.organizations.map(\.name) == ["一支部", "二支部"])
    }

    @Test("a file that is not a roster is refused whole: no header, 10,001 rows, not a workbook")
    func refusals() throws {
        #expect(throws: RosterError.noHeader("第 1–10 行里没有找到表头。第 1 行是：张三、一支部；需要一列姓名（可写作 姓名、党员姓名）和一列党支部（可写作 党支部、所属党支部、所在党支部、支部、所在支部、党组织……）；干部名单（两级测评）需要一列姓名和一列职务")) {
            try csv("张三,一支部\n")
        }
        #expect(throws: RosterError.self) { try csv("") }
        // The header is looked for among the first 10 rows only.
        #expect(throws: RosterError.self) { try csv(String(repeating: "标题\n", count: 10) + "姓名,党支部\n张三,一支部\n") }
        let rows = (1...10_000).map { "成员\($0),一支部" }.joined(separator: "\n")
        #expect(try csv("姓名,党支部\n" + rows).members.count == 10_000)
        #expect(throws: RosterError.tooManyRows) { try csv("姓名,党支部\n" + rows + "\n多一人,一支部") }
        #expect(throws: RosterError.self) { try RosterFile.read(Data([0xFF, 0xFE, 0x00]), format: .csv) }
        // A ZIP that is not a workbook, and bytes that are not a ZIP.
        let archive = try Archive(accessMode: .create)
        let readme = Data("hello".utf8)
        try archive.addEntry(with: "README.txt", type: .file, uncompressedSize: Int64(readme.count)) { position, size in
            readme.subdata(in: Int(position)..<Int(position) + size)
        }
        #expect(throws: RosterError.unreadable("不是 Excel（.xlsx）工作簿：缺少 xl/workbook.xml")) {
            try RosterFile.read(try #require(archive.data), format: .xlsx)
        }
        #expect(throws: RosterError.self) { try RosterFile.read(Data("PK\u{3}\u{4}garbage".utf8), format: .xlsx) }
        #expect(throws: RosterError.self) { try RosterFile.read(try workbook(sheet: "<row r=\"1\"><c r=\"A1\"><v>1</v></row>"), format: .xlsx) }
    }

    @Test("XLSX: shared strings (rich text runs, phonetic guides left out), inline strings, numbers as ids, skipped cells and rows")
    func xlsx() throws {
        let shared = """
            <si><t>姓名</t></si><si><t>所属党支部</t></si><si><t>编号</t></si>
            <si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si>
            <si><t xml:space="preserve">第一支部 </t></si>
            """
        let sheet = """
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1"/></row>
            <row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2"><v>101</v></c><c r="E2" t="s"><v>4</v></c></row>
            <row r="3"><c r="A3"/><c r="B3"/></row>
            <row r="5"><c r="A5" t="inlineStr"><is><t>李四</t></is></c><c r="B5" t="inlineStr"><is><t>第二支部</t></is></c><c r="C5"><v>1.02E2</v></c></row>
            <row r="6"><c r="A6" t="inlineStr"><is><t>王五</t></is></c><c r="C6"><v>103</v></c></row>
            """
        let roster = try RosterFile.read(try workbook(sheet: sheet, sharedStrings: shared), format: .xlsx)
        #expect(roster.members == [Member(id: "101", name: "张三", organization: "o-1"), Member(id: "102", name: "李四", organization: "o-2")])
        #expect(roster.organizations.map(\.name) == ["第一支部", "第二支部"])
        #expect(roster.errors == [Roster.RowError(row: 6, column: "所属党支部", message: "党支部为空")])

        // Files written by tools that prefix every element (x:worksheet, x:row, …) read the same.
        let prefixed = sheet.replacingOccurrences(of: "<", with: "<x:").replacingOccurrences(of: "<x:/", with: "</x:")
        let same = try RosterFile.read(try workbook(sheet: prefixed, sharedStrings: shared, prefix: "x:"), format: .xlsx)
        #expect(same == roster)
    }

    @Test("hostile workbooks are refused quickly: entity expansion (billion laughs), a ZIP bomb")
    func hostileWorkbooks() throws {
        let header = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>姓名</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>党支部</t></is></c></row>"
        let entities = (0..<9).map { level in
            let name = String(UnicodeScalar(UInt8(98 + level))), inner = String(UnicodeScalar(UInt8(97 + level)))
            return "<!ENTITY \(name) \"\(String(repeating: "&\(inner);", count: 10))\">"
        }.joined()
        let laughs = "<!DOCTYPE sst [<!ENTITY a \"aaaaaaaaaa\">\(entities)]><sst><si><t>&j;</t></si></sst>"
        let row = "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>一支部</t></is></c></row>"
        #expect(throws: RosterError.self) { try RosterFile.read(try workbook(sheet: header + row, sharedStrings: laughs), format: .xlsx) }
        // 100 MiB of spaces deflate to about 100 KiB; reading stops at 64 MiB.
        let bomb = try workbook(sheet: header + String(repeating: " ", count: 100 << 20))
        #expect(bomb.count < 1 << 20)
        #expect(throws: RosterError.unreadable("Excel 文件解压后过大（xl/worksheets/roster.xml）")) { try RosterFile.read(bomb, format: .xlsx) }
    }

    @Test("the Content-Type names the format; a ZIP body without one is XLSX")
    func formats() {
        let zip = Data([0x50, 0x4B, 0x03, 0x04])
        #expect(RosterFile.Format(contentType: "text/csv; charset=gb18030", bytes: Data()) == .csv)
        #expect(RosterFile.Format(contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes: Data()) == .xlsx)
        #expect(RosterFile.Format(contentType: nil, bytes: zip) == .xlsx)
        #expect(RosterFile.Format(contentType: "application/octet-stream", bytes: Data("a,b".utf8)) == .csv)
        #expect(RosterFile.Format(contentType: "application/json", bytes: Data()) == nil)
    }
}

/// Member lists as street offices keep them. (The workbooks as Excel and WPS write
/// them, made with openpyxl and LibreOffice, are in tools/tests/test_rosters_real.py.)
@Suite("Rosters as offices keep them: title rows, spellings, merged cells, footers, sheets")
struct OfficeRosterTests {
    @Test("a title row and blank rows before the header; spaced and starred header spellings; 序号 ignored; other columns ignored")
    func titleAndSpellings() throws {
        let roster = try csv("""
            府苑社区党员花名册（2026年）,,,,
            ,,,,
            序号,党员 姓名,性别,所在党支部*,联系电话
            1,张三,男,第一支部,13800000000
            2,李四,女,第二支部,
            """)
        #expect(roster.headerRow == 3)
        #expect(roster.members.map(\.name) == ["张三", "李四"] && roster.members.map(\.id) == ["m-001", "m-002"])
        #expect(roster.organizations.map(\.name) == ["第一支部", "第二支部"] && roster.errors.isEmpty && !roster.idsGiven)
        #expect(roster.rows == [4, 5])
        for branch in ["党支部", "所属党支部", "所在党支部", "支部", "所在支部", "党支部名称", "党组织", "所属党组织"] {
            #expect(try csv("党员姓名,\(branch)\n张三,一支部\n").members.count == 1, "\(branch)")
        }
    }

    @Test("footer rows (合计, 制表人, 注：…) and blank rows are skipped and listed, not errors; a member after a 小计 is kept")
    func footers() throws {
        let roster = try csv("""
            序号,姓名,党支部
            1,张三,第一支部

            2,李四,第一支部
            小计,2,
            3,王五,第二支部
            合计,3,
            制表人：赵六,,审核人：钱七
            注：1. 本表由支部填写,,
            2. 不含预备党员,,

            """)
        #expect(roster.members.map(\.name) == ["张三", "李四", "王五"] && roster.errors.isEmpty)
        #expect(roster.skipped.map(\.row) == [3, 5, 7, 8, 9, 10])
        #expect(roster.skipped.first?.reason == "空行（没有姓名和党支部）")
        #expect(roster.skipped.last?.reason == "表尾（合计、制表人、注等）")
    }

    @Test("XLSX: merged branch cells give each row the branch; a merged title row is not the header")
    func mergedCells() throws {
        let sheet = """
            <row r="1"><c r="A1" t="inlineStr"><is><t>府苑社区党员花名册</t></is></c></row>
            <row r="2"><c r="A2" t="inlineStr"><is><t>序号</t></is></c><c r="B2" t="inlineStr"><is><t>姓名</t></is></c><c r="C2" t="inlineStr"><is><t>所在党支部</t></is></c></row>
            <row r="3"><c r="A3"><v>1</v></c><c r="B3" t="inlineStr"><is><t>张三</t></is></c><c r="C3" t="inlineStr"><is><t>第一支部</t></is></c></row>
            <row r="4"><c r="A4"><v>2</v></c><c r="B4" t="inlineStr"><is><t>李四</t></is></c></row>
            <row r="5"><c r="A5"><v>3</v></c><c r="B5" t="inlineStr"><is><t>王五</t></is></c></row>
            <row r="6"><c r="A6"><v>4</v></c><c r="B6" t="inlineStr"><is><t>赵六</t></is></c><c r="C6" t="inlineStr"><is><t>第二支部</t></is></c></row>
            </sheetData><mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="C3:C5"/></mergeCells><sheetData>
            """
        let roster = try RosterFile.read(try workbook(sheet: sheet), format: .xlsx)
        #expect(roster.headerRow == 2 && roster.errors.isEmpty, "\(roster.errors)")
        #expect(roster.members.map(\.name) == ["张三", "李四", "王五", "赵六"])
        #expect(roster.members.map(\.organization) == ["o-1", "o-1", "o-1", "o-2"])
        #expect(roster.sheet == "花名册" && roster.sheets == ["花名册"])
        // Without the merge, three of four rows have no branch: leaving them out is not offered.
        let unmerged = try RosterFile.read(try workbook(sheet: sheet.replacingOccurrences(of: "<mergeCell ref=\"C3:C5\"/>", with: "")), format: .xlsx)
        #expect(unmerged.members.count == 2 && unmerged.errorRows == 2 && !unmerged.partialAllowed)
        #expect(unmerged.errorSummary == ["第 4–5 行的党支部是空的：是不是同一个党支部只在第一行写了一次？请在每一行填上党支部，或把这几行的党支部单元格合并"])
    }

    @Test("a sheet asked for by name that holds no roster is named in the refusal")
    func namedSheetRefusal() throws {
        let cover = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>填表说明</t></is></c></row>"
        let data = try workbook(sheet: cover)
        let error = #expect(throws: RosterError.self) { try RosterFile.read(data, format: .xlsx, sheet: "花名册") }
        guard case .noHeader(let hint)? = error else { Issue.record("not a missing header: \(String(describing: error))"); return }
        #expect(hint.hasPrefix("工作表“花名册”："), "\(hint)")
    }

    @Test("a roster of cadres (两级测评): 姓名 and 职务 with no 党支部 column; a 职务 may be empty; with a 党支部 column 职务 is ignored")
    func cadres() throws {
        let roster = try csv("""
            九龙社区干部名单,,
            序号,姓名,职务
            1,李某,社区党委书记
            2,赵某,
            3,,网格员
            制表人：钱某,,
            """)
        #expect(roster.cadres == [Cadre(id: "c-01", name: "李某", title: "社区党委书记"), Cadre(id: "c-02", name: "赵某")])
        #expect(roster.members.isEmpty && roster.organizations.isEmpty && roster.rows == [3, 4] && roster.headerRow == 2)
        #expect(roster.errors.map(\.row) == [5] && roster.errors.first?.message == "姓名为空")
        let members = try csv("姓名,党支部,职务\n王某,一支部,组织委员\n")
        #expect(members.cadres.isEmpty && members.members.map(\.name) == ["王某"])
    }

    @Test("the safety stop: more than 3 rows, or more than a tenth, in error")
    func safetyStop() throws {
        let few = try csv("姓名,党支部\n" + (1...40).map { "人\($0),一支部" }.joined(separator: "\n") + "\n缺支部,\n")
        #expect(few.errorRows == 1 && few.partialAllowed)
        let many = try csv("姓名,党支部\n" + (1...40).map { "人\($0),一支部" }.joined(separator: "\n") + "\n甲,\n乙,\n丙,\n丁,\n")
        #expect(many.errorRows == 4 && !many.partialAllowed)
        let tenth = try csv("姓名,党支部\n张三,一支部\n李四,\n")
        #expect(!tenth.partialAllowed)
    }

    @Test("legacy .xls is refused with how to save it as .xlsx in Excel and in WPS")
    func legacyXLS() throws {
        let ole2 = Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + [UInt8](repeating: 0, count: 504))
        let format = try #require(RosterFile.Format(contentType: nil, bytes: ole2))
        #expect(format.name == "xls")
        #expect(RosterFile.Format(contentType: "application/vnd.ms-excel", bytes: Data("x".utf8))?.name == "xls")
        for (data, format) in [(ole2, format), (ole2, RosterFile.Format.xlsx)] {
            do {
                _ = try RosterFile.read(data, format: format)
                Issue.record("an .xls was read")
            } catch {
                #expect(error.description.contains("另存为") && error.description.contains("WPS") && error.description.contains(".xlsx"))
            }
        }
    }
}
