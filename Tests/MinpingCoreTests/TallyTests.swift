@testable import MinpingCore
import PropertyBased
import Testing

@Suite("Tally and results")
struct TallyTests {
    /// The example of SPEC §3: 30 / 10 / 8 / 4 of 52 ballots.
    @Test("the SPEC §3 example: 40 of 52 satisfied is 76.9 % and the recognition star")
    func specExample() throws {
        var tally = Tally(definition: Fixtures.definition(members: 1, electorate: 60))
        for (option, count) in [("satisfied", 30), ("basically_satisfied", 10), ("dissatisfied", 8), ("unknown", 4)] {
            for _ in 0..<count { try tally.add(ratings: ["m1": option]) }
        }
        let member = try #require(tally.results().subjects.first)
        #expect(member.counts.map(\.count) == [30, 10, 8, 4])
        #expect(member.satisfied == 40 && member.denominator == 52)
        #expect(member.rate == "76.9")
        #expect(member.stars == ["recognition"])
    }

    @Test("results JSON has the SPEC §3 shape, organizations after members, no stage from tally")
    func jsonShape() throws {
        var tally = Tally(definition: Fixtures.definition(members: 1, electorate: 60))
        try tally.add(ratings: ["m1": "satisfied", "o1": "dissatisfied"])
        try tally.add(ratings: ["m1": "unknown"])
        #expect(tally.results().jsonValue.serialized == """
            {"evaluation":"test-eval","electorate":60,"ballots":2,"quorum_met":true,"subjects":[\
            {"id":"m1","kind":"member","name":"党员1","organization":"o1",\
            "counts":{"satisfied":1,"basically_satisfied":0,"dissatisfied":0,"unknown":1},\
            "satisfied":1,"denominator":2,"rate":"50.0","stars":[]},\
            {"id":"o1","kind":"organization","name":"第一党支部",\
            "counts":{"satisfied":0,"basically_satisfied":0,"dissatisfied":1,"unknown":0},\
            "satisfied":0,"denominator":2,"rate":"0.0","stars":[]}]}
            """)
        #expect(tally.results(stage: .preliminary).jsonValue.serialized.contains(#""stage":"preliminary""#))
    }

    @Test("zero ballots: every rate is null except under the electorate denominator, no stars")
    func zeroBallots() throws {
        let results = Tally(definition: Fixtures.definition()).results()
        #expect(results.ballots == 0)
        #expect(results.subjects.allSatisfy { $0.rate == nil && $0.stars.isEmpty && $0.denominator == 0 })
        var rules = CountingRules.rushan
        rules.denominator = .electorate
        let byElectorate = Tally(definition: Fixtures.definition(rules: rules)).results()
        #expect(byElectorate.subjects.allSatisfy { $0.rate == "0.0" && $0.denominator == 100 })
    }

    @Test("a subject nobody rated counts blank against it under the ballots denominator")
    func unratedSubject() throws {
        var tally = Tally(definition: Fixtures.definition(members: 2))
        for _ in 0..<5 { try tally.add(ratings: ["m1": "satisfied"]) }
        let m2 = try #require(tally.results().subjects.first { $0.id == "m2" })
        #expect(m2.counts.allSatisfy { $0.count == 0 })
        #expect(m2.denominator == 5 && m2.rate == "0.0" && m2.stars.isEmpty)

        var rules = CountingRules.rushan
        rules.denominator = .answers
        var answers = Tally(definition: Fixtures.definition(members: 2, rules: rules))
        for _ in 0..<5 { try answers.add(ratings: ["m1": "satisfied"]) }
        let m2Answers = try #require(answers.results().subjects.first { $0.id == "m2" })
        #expect(m2Answers.denominator == 0 && m2Answers.rate == nil)
    }

    @Test("all abstain: not recognised under ballots, no rate under answers")
    func allAbstain() throws {
        for (denominator, rate, expectedDenominator) in [
            (CountingRules.Denominator.ballots, Optional("0.0"), 4), (.answers, nil, 0), (.electorate, "0.0", 100),
        ] {
            var rules = CountingRules.rushan
            rules.denominator = denominator
            var tally = Tally(definition: Fixtures.definition(members: 1, rules: rules))
            for _ in 0..<4 { try tally.add(ratings: ["m1": "unknown"]) }
            let member = try #require(tally.results().subjects.first)
            #expect(member.rate == rate && member.denominator == expectedDenominator && member.stars.isEmpty)
        }
    }

    @Test("answers denominator leaves abstentions and blanks out")
    func answersDenominator() throws {
        var rules = CountingRules.rushan
        rules.denominator = .answers
        var tally = Tally(definition: Fixtures.definition(members: 1, rules: rules))
        // 7 satisfied of 8 answers (87.5 %), with 2 unknown and 1 blank: both stars.
        for _ in 0..<7 { try tally.add(ratings: ["m1": "satisfied"]) }
        try tally.add(ratings: ["m1": "dissatisfied"])
        for _ in 0..<2 { try tally.add(ratings: ["m1": "unknown"]) }
        try tally.add(ratings: [:])
        let member = try #require(tally.results().subjects.first)
        #expect(member.denominator == 8 && member.rate == "87.5")
        #expect(member.stars == ["recognition", "satisfaction"])
    }

    @Test("organizations use their own thresholds: above 70 %")
    func organizationStars() throws {
        var tally = Tally(definition: Fixtures.definition(members: 1))
        for index in 0..<10 { try tally.add(ratings: ["o1": index < 7 ? "satisfied" : "dissatisfied"]) }
        #expect(tally.results().subjects.last?.stars == [])
        try tally.add(ratings: ["o1": "satisfied"])  // 8 of 11 = 72.7 %
        #expect(tally.results().subjects.last?.stars == ["satisfaction"])
    }

    @Test("quorum exactly met is not enough; exceeded awards stars")
    func quorum() throws {
        var rules = CountingRules.rushan
        rules.quorumPercent = Percent(basisPoints: 5000)
        var tally = Tally(definition: Fixtures.definition(members: 1, electorate: 10, rules: rules))
        for _ in 0..<5 { try tally.add(ratings: ["m1": "satisfied"]) }
        let exactlyHalf = tally.results()
        #expect(!exactlyHalf.quorumMet)
        #expect(exactlyHalf.subjects.allSatisfy { $0.stars.isEmpty })
        #expect(exactlyHalf.subjects.first?.rate == "100.0")
        try tally.add(ratings: ["m1": "satisfied"])
        let exceeded = tally.results()
        #expect(exceeded.quorumMet)
        #expect(exceeded.subjects.first?.stars == ["recognition", "satisfaction"])
    }

    @Test("an unknown subject or option is refused and nothing of that ballot is counted")
    func refusals() throws {
        var tally = Tally(definition: Fixtures.definition(members: 1))
        #expect(throws: VoteError.unknownSubject("m9")) { try tally.add(ratings: ["m9": "satisfied"]) }
        #expect(throws: VoteError.unknownOption(subject: "m1", option: "great")) {
            try tally.add(ratings: ["m1": "great"])
        }
        #expect(tally.ballots == 0)
    }

    static let ballotsGen = Gen.int(in: -1...3).array(of: 4).array(of: 0...60)

    @Test("results do not depend on ballot order", .tags(.property))
    func orderIndependence() async {
        await propertyCheck(count: 200, input: Self.ballotsGen, Gen.int(in: 0...1_000_000)) { ballots, seed in
            var generator = SplitMix64(state: UInt64(seed))
            var inOrder = Tally(definition: Fixtures.definition())
            var shuffled = Tally(definition: Fixtures.definition())
            try? inOrder.add(indexBallots: ballots)
            try? shuffled.add(indexBallots: ballots.shuffled(using: &generator))
            #expect(inOrder.results() == shuffled.results())
        }
    }

    @Test("ratings resolved from pairs, in key order or any other, count as the dictionary's do", .tags(.property))
    func pairsResolveAsTheDictionary() async {
        // Twelve members: "m10" sorts before "m2", so key order is not the definition's order.
        let definition = Fixtures.definition(members: 12)
        let ids = definition.subjects.map(\.id), options = definition.options.map(\.id)
        await propertyCheck(count: 200, input: Gen.int(in: -1...3).array(of: ids.count), Gen.int(in: 0...1_000_000)) { picks, seed in
            var ratings: [String: String] = [:]
            for (id, pick) in zip(ids, picks) where pick >= 0 { ratings[id] = options[pick] }
            let inKeyOrder = ratings.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
            var generator = SplitMix64(state: UInt64(seed))
            var byDictionary = Tally(definition: definition), byKeyOrder = byDictionary, shuffled = byDictionary
            byDictionary.add(try byDictionary.resolve(ratings))
            byKeyOrder.add(try byKeyOrder.resolve(pairs: inKeyOrder))
            shuffled.add(try shuffled.resolve(pairs: inKeyOrder.shuffled(using: &generator)))
            #expect(byKeyOrder.counts == byDictionary.counts && shuffled.counts == byDictionary.counts)
        }
    }

    @Test("resolving pairs refuses an unknown subject or option, wherever it sorts")
    func pairsRefuseUnknown() {
        let tally = Tally(definition: Fixtures.definition(members: 3))
        #expect(throws: VoteError.unknownSubject("m0")) { try tally.resolve(pairs: [("m0", "satisfied"), ("m1", "satisfied")]) }
        #expect(throws: VoteError.unknownSubject("m9")) { try tally.resolve(pairs: [("m1", "satisfied"), ("m9", "satisfied")]) }
        #expect(throws: VoteError.unknownSubject("zz")) { try tally.resolve(pairs: [("o1", "satisfied"), ("zz", "satisfied")]) }
        #expect(throws: VoteError.unknownOption(subject: "m2", option: "happy")) {
            try tally.resolve(pairs: [("m1", "satisfied"), ("m2", "happy")])
        }
    }

    @Test("raising a threshold never adds a star", .tags(.property))
    func monotoneThresholds() async {
        await propertyCheck(
            count: 200, input: Self.ballotsGen, Gen.int(in: 0...10_000), Gen.int(in: 0...10_000), Gen.bool
        ) { ballots, a, b, atLeast in
            func stars(_ basisPoints: Int) -> [[String]] {
                var rules = CountingRules.rushan
                rules.comparison = atLeast ? .atLeast : .above
                rules.memberStars = [StarRule(star: "s", label: "星", percent: Percent(basisPoints: basisPoints))]
                rules.organizationStars = rules.memberStars
                var tally = Tally(definition: Fixtures.definition(rules: rules))
                try? tally.add(indexBallots: ballots)
                return tally.results().subjects.map(\.stars)
            }
            let (low, high) = (min(a, b), max(a, b))
            for (withLow, withHigh) in zip(stars(low), stars(high)) {
                #expect(withHigh.count <= withLow.count)
            }
        }
    }
}
