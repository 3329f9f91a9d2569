import Foundation
import MinpingCore
@testable import MinpingTables
import Testing
import ZIPFoundation

@Suite("Result tables: results.csv and results.xlsx (SPEC §7)")
struct ResultsFileTests {
    static let definition = try! DefinitionParser.parse("""
        id: t-2026
        title: 测试
        street: chengqu
        electorate: 10
        organizations:
          - {id: o-1, name: "第一支部"}
        members:
          - {id: m-1, name: "=HYPERLINK(1)", organization: o-1}
          - {id: m-2, name: "李, 四", organization: o-1}
        """, file: "test")

    static func results() throws -> EvaluationResults {
        var tally = Tally(definition: definition)
        for index in 0..<5 {
            try tally.add(ratings: ["m-1": index < 4 ? "satisfied" : "dissatisfied", "m-2": "unknown", "o-1": "basically_satisfied"])
        }
        return tally.results(stage: .preliminary)
    }

    @Test("one row per subject in results order, the columns of SPEC §7, the published numbers")
    func table() throws {
        let table = ResultsFile.table(try Self.results(), definition: Self.definition)
        #expect(table[0].map(\.text) == ["类型", "编号", "名称", "所属党支部", "满意", "基本满意", "不满意", "不了解", "计为满意", "分母", "满意率", "获星"])
        #expect(table[1].map(\.text) == ["党员", "m-1", "=HYPERLINK(1)", "第一支部", "4", "0", "1", "0", "4", "5", "80.0", "群众认可星"])
        #expect(table[2].map(\.text) == ["党员", "m-2", "李, 四", "第一支部", "0", "0", "0", "5", "0", "5", "0.0", ""])
        #expect(table[3].map(\.text) == ["党组织", "o-1", "第一支部", "", "0", "5", "0", "0", "5", "5", "100.0", "群众满意星"])
        #expect(table[1][4] == .number("4") && table[1][2] == .text("=HYPERLINK(1)") && table[1][10] == .rate("80.0"))
    }

    @Test("CSV: UTF-8 with a BOM, CRLF, quoted where needed, no formula from a name")
    func csv() throws {
        let data = try ResultsFile.csv(ResultsFile.table(try Self.results(), definition: Self.definition))
        #expect(data.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.count == 5 && lines[4].isEmpty)
        #expect(lines[1] == "党员,m-1,'=HYPERLINK(1),第一支部,4,0,1,0,4,5,80.0,群众认可星")
        #expect(lines[2] == "党员,m-2,\"李, 四\",第一支部,0,0,0,5,0,5,0.0,")
    }

    @Test("XLSX: our own reader reads back the same table (LibreOffice reads it in the browser test)")
    func xlsx() throws {
        let table = ResultsFile.table(try Self.results(), definition: Self.definition)
        let data = try ResultsFile.xlsx(table)
        let rows = try XLSXSheet.firstSheetRows(data)
        #expect(rows.map(\.number) == [1, 2, 3, 4])
        // A rate is a percentage cell: 80.0 is stored as 0.800 and shown as 80.0%.
        // The reader keeps no empty cells at the end of a row (cells are sparse).
        let expected = table.map { row -> [String] in
            var cells = row.map { if case let .rate(text) = $0 { XLSXSheet.number(ResultsFile.fraction(text)) } else { $0.text } }
            while cells.last == "" { cells.removeLast() }
            return cells
        }
        #expect(rows.map(\.cells) == expected)
        #expect(try ResultsFile.xlsx(table) == data, "the same results make the same bytes")
        #expect(ResultsFile.columnName(0) == "A" && ResultsFile.columnName(25) == "Z" && ResultsFile.columnName(26) == "AA")
        #expect(["76.9", "100.0", "5.0", "0.0", "33.3"].map(ResultsFile.fraction) == ["0.769", "1.000", "0.050", "0.000", "0.333"])
    }

    @Test("the report: a title block above the table, header repeated on every printed page, A4 landscape, columns sized, 较上轮, grouped by branch")
    func report() throws {
        let results = try Self.results()
        let table = ResultsFile.table(results, definition: Self.definition, changes: ["m-1": "群众评星增加"], grouped: true)
        #expect(table[0].last?.text == "较上轮" && table[1].last?.text == "群众评星增加")
        let heading = [Self.definition.title, "柳庄社区 · 最终结果 · 公布日期：2026年12月7日", "应参评 5 人 · " + ResultsFile.rulesLine(Self.definition)]
        let data = try ResultsFile.xlsx(table, heading: heading)
        let rows = try XLSXSheet.firstSheetRows(data)
        #expect(rows.map(\.number) == [1, 2, 3] + (5..<(5 + table.count)).map { $0 })
        #expect(rows.first?.cells == [Self.definition.title] && rows[3].cells.first == "类型")
        #expect(ResultsFile.rulesLine(Self.definition).contains("超过 60% 得群众认可星"))
        let archive = try Archive(data: data, accessMode: .read)
        func part(_ path: String) throws -> String {
            var text = Data()
            _ = try archive.extract(try #require(archive[path])) { text.append($0) }
            return String(decoding: text, as: UTF8.self)
        }
        let sheet = try part("xl/worksheets/sheet1.xml")
        #expect(sheet.contains("orientation=\"landscape\"") && sheet.contains("paperSize=\"9\"") && sheet.contains("<cols>"))
        #expect(sheet.contains("ySplit=\"5\"") && sheet.contains("第 &amp;P 页 共 &amp;N 页"))
        #expect(try part("xl/workbook.xml").contains("_xlnm.Print_Titles") && part("xl/styles.xml").contains("0.0%"))
    }

    @Test("XLSX text is escaped: markup, quotes, spaces and CJK read back as written; characters XML cannot hold are left out")
    func xlsxEscaping() throws {
        let texts = ["<b>王&李</b>", "\"引号\" 'single'", "  leading and trailing  ", "tab\there", "𠮷野家", "]]>", "a\u{1}b\u{FFFE}c"]
        let table: [[ResultsFile.Cell]] = [texts.map(ResultsFile.Cell.text)]
        let rows = try XLSXSheet.firstSheetRows(try ResultsFile.xlsx(table, sheetName: "名<单>&\"x\""))
        #expect(rows.first?.cells == texts.dropLast() + ["abc"])
        #expect(XMLWriter.escape("a\"<&>\n", attribute: true) == "a&quot;&lt;&amp;&gt;&#10;")
    }
}

/// libxml2 under Foundation's XML classes is not safe to use from two threads at once: an
/// XLSX roster parsed while results.xlsx was built crashed the server (a segmentation fault,
/// found by schemathesis). Without ``LibXML`` this test kills the test process.
@Suite("XML on many threads")
struct XMLConcurrencyTests {
    @Test("XLSX rosters read while results.xlsx is written, on eight tasks at once, all succeed")
    func concurrent() async throws {
        let table = ResultsFile.table(try ResultsFileTests.results(), definition: ResultsFileTests.definition)
        let sheet = (1...60).map { row in
            #"<row r="\#(row + 1)"><c r="A\#(row + 1)" t="inlineStr"><is><t>党员\#(row)</t></is></c><c r="B\#(row + 1)" t="inlineStr"><is><t>第一支部</t></is></c></row>"#
        }.joined()
        let roster = try workbook(sheet: #"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>所属党支部</t></is></c></row>"# + sheet)
        let expected = try ResultsFile.xlsx(table)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for _ in 0..<40 {
                        if task % 2 == 0 {
                            guard try RosterFile.read(roster, format: .xlsx).members.count == 60 else { return false }
                        } else {
                            guard try ResultsFile.xlsx(table) == expected else { return false }
                        }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
