@testable import MinpingCore
import PropertyBased
import Testing

@Suite("Counting rules (SPEC §3)")
struct CountingRuleTests {
    static let sixty = Percent(basisPoints: 6000)

    @Test("exactly 60.0 % earns no star above 60, but earns one at least 60")
    func exactlySixty() {
        #expect(!CountingRule.earnsStar(satisfied: 60, denominator: 100, percent: Self.sixty, comparison: .above))
        #expect(CountingRule.earnsStar(satisfied: 60, denominator: 100, percent: Self.sixty, comparison: .atLeast))
        #expect(!CountingRule.earnsStar(satisfied: 3, denominator: 5, percent: Self.sixty, comparison: .above))
        #expect(CountingRule.displayRate(satisfied: 3, denominator: 5) == "60.0")
    }

    @Test("60.1 % earns the star above 60")
    func sixtyPointOne() {
        #expect(CountingRule.earnsStar(satisfied: 601, denominator: 1000, percent: Self.sixty, comparison: .above))
        #expect(CountingRule.displayRate(satisfied: 601, denominator: 1000) == "60.1")
    }

    @Test("a rate that displays as 60.0 but is a hair above 60 still earns the star")
    func displayedSixtyButAbove() {
        // 1201 / 2001 = 60.0199…%: shown as 60.0, decided exactly.
        #expect(CountingRule.displayRate(satisfied: 1201, denominator: 2001) == "60.0")
        #expect(CountingRule.earnsStar(satisfied: 1201, denominator: 2001, percent: Self.sixty, comparison: .above))
    }

    @Test("thresholds with two decimals compare exactly")
    func twoDecimals() {
        let p = Percent(basisPoints: 6667)
        // 2/3 = 66.666…% is below 66.67 %.
        #expect(!CountingRule.earnsStar(satisfied: 2, denominator: 3, percent: p, comparison: .atLeast))
        #expect(CountingRule.earnsStar(satisfied: 6667, denominator: 10_000, percent: p, comparison: .atLeast))
        #expect(!CountingRule.earnsStar(satisfied: 6667, denominator: 10_000, percent: p, comparison: .above))
        #expect(CountingRule.earnsStar(satisfied: 6668, denominator: 10_000, percent: p, comparison: .above))
    }

    @Test("a zero denominator earns nothing and shows no rate")
    func zeroDenominator() {
        #expect(!CountingRule.earnsStar(satisfied: 0, denominator: 0, percent: Percent(basisPoints: 0), comparison: .atLeast))
        #expect(CountingRule.displayRate(satisfied: 0, denominator: 0) == nil)
    }

    @Test("rates round half-up to one decimal", arguments: [
        (1, 8, "12.5"), (1, 16, "6.3"), (3, 16, "18.8"), (2, 3, "66.7"), (1, 3, "33.3"), (1, 2000, "0.1"),
        (1, 2001, "0.0"), (40, 52, "76.9"), (52, 52, "100.0"), (0, 52, "0.0"), (1, 6, "16.7"), (5, 8, "62.5"),
    ])
    func rounding(satisfied: Int, denominator: Int, expected: String) {
        #expect(CountingRule.displayRate(satisfied: satisfied, denominator: denominator) == expected)
    }

    @Test("quorum: ballots must exceed the share; exactly the share is not enough")
    func quorum() {
        let half = Percent(basisPoints: 5000)
        #expect(!CountingRule.quorumMet(ballots: 20, electorate: 40, quorum: half))
        #expect(CountingRule.quorumMet(ballots: 21, electorate: 40, quorum: half))
        #expect(!CountingRule.quorumMet(ballots: 0, electorate: 40, quorum: half))
        #expect(CountingRule.quorumMet(ballots: 0, electorate: 40, quorum: nil))
        let twoThirds = Percent(basisPoints: 6667)
        #expect(!CountingRule.quorumMet(ballots: 2, electorate: 3, quorum: twoThirds))
    }

    @Test("displayed rate agrees with exact rational rounding", .tags(.property))
    func rateMatchesRational() async {
        await propertyCheck(count: 500, input: Gen.int(in: 1...5000), Gen.int(in: 0...5000)) { denominator, raw in
            let satisfied = raw % (denominator + 1)
            let rate = CountingRule.displayRate(satisfied: satisfied, denominator: denominator) ?? ""
            let parts = rate.split(separator: ".").compactMap { Int($0) }
            let tenths = parts[0] * 10 + parts[1]
            // |tenths/10 - 100 s/d| <= 1/20, with ties going up.
            let scaled = satisfied * 2000  // 2 * 1000 * s
            #expect(scaled >= (2 * tenths - 1) * denominator)
            #expect(scaled < (2 * tenths + 1) * denominator)
        }
    }
}

extension Tag {
    @Tag static var property: Self
}
