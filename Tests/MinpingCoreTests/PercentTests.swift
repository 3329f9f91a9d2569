import MinpingCore
import Testing

@Suite("Percent")
struct PercentTests {
    @Test("decimal text parses exactly into basis points", arguments: [
        ("60", 6000), ("60.5", 6050), ("66.67", 6667), ("0", 0), ("100", 10_000), ("0.01", 1), ("7.05", 705),
    ])
    func parses(text: String, basisPoints: Int) throws {
        let percent = try #require(Percent(decimal: text))
        #expect(percent.basisPoints == basisPoints)
        #expect(percent.description == text)
    }

    @Test("out of range, over-precise or non-decimal text is refused", arguments: [
        "100.01", "101", "-1", "66.667", "1e2", "", ".5", "5.", "60%", " 60", "+60", "0x10", "1000",
    ])
    func refuses(text: String) {
        #expect(Percent(decimal: text) == nil)
    }
}
