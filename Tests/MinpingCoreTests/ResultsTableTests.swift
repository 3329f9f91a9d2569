@testable import MinpingCore
import Testing

@Suite("Results table")
struct ResultsTableTests {
    @Test("the table has the Chinese headings and aligns wide characters")
    func headings() throws {
        var tally = Tally(definition: Fixtures.definition(members: 2))
        try tally.add(ratings: ["m1": "satisfied", "m2": "dissatisfied", "o1": "satisfied"])
        let text = ResultsTable.render(tally.results(), definition: tally.definition)
        for heading in ["姓名", "所在党组织", "满意", "基本满意", "不满意", "不了解", "满意率", "获星", "党组织名称"] {
            #expect(text.contains(heading))
        }
        #expect(text.contains("群众认可星、群众满意星"))
        #expect(text.contains("100.0%"))
        let lines = text.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("姓名") })
        let row = try #require(lines.first { $0.hasPrefix("党员1") })
        func columnEnd(_ line: String, _ marker: String) throws -> Int {
            let range = try #require(line.range(of: marker))
            return ResultsTable.displayWidth(String(line[..<range.upperBound]))
        }
        // Rates are right-aligned under their heading, Chinese names counted two columns wide.
        #expect(try columnEnd(header, "满意率") == columnEnd(row, "%"))
    }

    @Test("display width counts Chinese characters as two columns", arguments: [
        ("abc", 3), ("王某", 4), ("满意率 60.0%", 12), ("", 0),
    ])
    func width(text: String, width: Int) {
        #expect(ResultsTable.displayWidth(text) == width)
    }

    @Test("a missed quorum is said plainly")
    func quorumLine() throws {
        var rules = CountingRules.rushan
        rules.quorumPercent = Percent(basisPoints: 5000)
        let definition = Fixtures.definition(members: 1, electorate: 10, rules: rules)
        let text = ResultsTable.render(Tally(definition: definition).results(), definition: definition)
        #expect(text.contains("参评率未超过 50%，本次不评星"))
    }
}
