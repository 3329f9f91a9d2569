@testable import MinpingCore
import Testing

/// Cadres (两级测评) and low-result flags (黑旗, 需整改): SPEC §2, §3.
@Suite("Cadres and flags")
struct FlagTests {
    static let fifty = Percent(basisPoints: 5000)
    static let thirty = Percent(basisPoints: 3000)

    @Test("below P: exactly P % is not below; one ballot fewer is; a zero denominator raises nothing")
    func belowEdge() {
        #expect(!CountingRule.raisesFlag(.below(Self.fifty), satisfied: 5, dissatisfied: 0, denominator: 10))
        #expect(CountingRule.raisesFlag(.below(Self.fifty), satisfied: 4, dissatisfied: 0, denominator: 10))
        // 4999 / 10000 = 49.99 % is below 50 though it shows as 50.0.
        #expect(CountingRule.displayRate(satisfied: 4999, denominator: 10_000) == "50.0")
        #expect(CountingRule.raisesFlag(.below(Self.fifty), satisfied: 4999, dissatisfied: 0, denominator: 10_000))
        #expect(!CountingRule.raisesFlag(.below(Self.fifty), satisfied: 0, dissatisfied: 0, denominator: 0))
        #expect(CountingRule.raisesFlag(.below(Percent(basisPoints: 6667)), satisfied: 2, dissatisfied: 0, denominator: 3),
                "2/3 = 66.666… % is below 66.67 %")
    }

    @Test("dissatisfied above P: exactly P % is not above; one ballot more is")
    func dissatisfiedEdge() {
        #expect(!CountingRule.raisesFlag(.dissatisfiedAbove(Self.thirty), satisfied: 0, dissatisfied: 3, denominator: 10))
        #expect(CountingRule.raisesFlag(.dissatisfiedAbove(Self.thirty), satisfied: 0, dissatisfied: 4, denominator: 10))
        #expect(CountingRule.raisesFlag(.dissatisfiedAbove(Self.thirty), satisfied: 0, dissatisfied: 3001, denominator: 10_000))
        #expect(!CountingRule.raisesFlag(.dissatisfiedAbove(Self.thirty), satisfied: 0, dissatisfied: 5, denominator: 0))
    }

    static let yaml = """
        id: jl-2026-2
        title: 九龙街道某社区2026年度干部测评（第二级）
        street: jiulong
        electorate: 10
        rules:
          cadre_stars: [{star: recognition, label: 党员认可星, percent: 80}]
          flags:
            - {flag: black, label: 黑旗, kinds: [member, cadre], below: 50}
            - {flag: rectify, label: 需整改, kinds: [organization], dissatisfied_above: 30}
        organizations:
          - {id: o-1, name: 第一党支部}
        members:
          - {id: m-1, name: 王某, organization: o-1}
        cadres:
          - {id: c-1, name: 李某, title: 社区党委书记}
          - {id: c-2, name: 赵某}
        """

    @Test("a definition with cadres and flags: parsed, written back only with what it says, read back equal")
    func definition() throws {
        let definition = try DefinitionParser.parse(Self.yaml, file: "d")
        #expect(definition.cadres == [Cadre(id: "c-1", name: "李某", title: "社区党委书记"), Cadre(id: "c-2", name: "赵某")])
        #expect(definition.subjects.map(\.kind) == [.member, .organization, .cadre, .cadre], "cadres last")
        #expect(definition.rules.flags.map(\.flag) == ["black", "rectify"])
        #expect(definition.rules.flags(for: .cadre).map(\.flag) == ["black"])
        #expect(definition.options.map(\.dissatisfied) == [false, false, true, false], "the default 不满意 is dissatisfied")
        #expect(try DefinitionParser.parse(json: definition.jsonValue, file: "stored") == definition)
        let json = definition.jsonValue.serialized
        #expect(json.contains(#""cadres":[{"id":"c-1","name":"李某","title":"社区党委书记"}"#))
        #expect(json.contains(#""flags":[{"flag":"black","label":"黑旗","kinds":["member","cadre"],"below":"50"}"#))
        // A definition without them keeps its old bytes: no cadres, cadre_stars or flags keys.
        let plain = try DefinitionParser.parse("id: a\ntitle: t\nstreet: s\nelectorate: 5\nmembers: [{id: m-1, name: 王某}]\n", file: "d")
        let bytes = plain.jsonValue.serialized
        #expect(!bytes.contains("cadre") && !bytes.contains("flags"))
    }

    @Test("refused: both or neither of below and dissatisfied_above, no kinds, an unknown or repeated kind, a repeated flag, dissatisfied_above with no dissatisfied option, a cadre id a member has")
    func refusals() {
        let base = "id: a\ntitle: t\nstreet: s\nelectorate: 5\nmembers: [{id: m-1, name: 王某}]\n"
        let cases = [
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [member], below: 50, dissatisfied_above: 30}]}",
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [member]}]}",
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [], below: 50}]}",
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [street], below: 50}]}",
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [member, member], below: 50}]}",
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [member], below: 50}, {flag: b, label: 又一, kinds: [member], below: 40}]}",
            "rules: {flags: [{flag: b, label: 黑旗, kinds: [member], below: 150}]}",
            "options: [{id: y, label: 满意, satisfied: true}, {id: n, label: 不满意}]\nrules: {flags: [{flag: r, label: 需整改, kinds: [member], dissatisfied_above: 30}]}",
            "options: [{id: y, label: 满意, satisfied: true, dissatisfied: true}]",
            "cadres: [{id: m-1, name: 李某}]",
            "cadres: [{id: c-1, name: 李某, rank: 书记}]",
        ]
        for text in cases {
            #expect(throws: DefinitionError.self, "\(text)") { try DefinitionParser.parse(base + text + "\n", file: "d") }
        }
        let code = try? DefinitionParser.parse(base + cases[7] + "\n", file: "d")
        #expect(code == nil)
    }

    @Test("results: flags where a rule applies to the kind (absent elsewhere), none without quorum; cadres counted with their own stars")
    func results() throws {
        var definition = try DefinitionParser.parse(Self.yaml, file: "d")
        var tally = Tally(definition: definition)
        // 10 ballots: 王某 4 satisfied (40 %: 黑旗), the branch 4 dissatisfied (需整改), 李某 9 (★), 赵某 5 (50 %: no flag).
        for index in 0..<10 {
            try tally.add(ratings: ["m-1": index < 4 ? "satisfied" : "dissatisfied",
                                    "o-1": index < 4 ? "dissatisfied" : "satisfied",
                                    "c-1": index < 9 ? "satisfied" : "unknown",
                                    "c-2": index < 5 ? "basically_satisfied" : "dissatisfied"])
        }
        let results = tally.results()
        let byID = Dictionary(uniqueKeysWithValues: results.subjects.map { ($0.id, $0) })
        #expect(byID["m-1"]?.flags == ["black"] && byID["m-1"]?.stars == [])
        #expect(byID["o-1"]?.flags == ["rectify"])
        #expect(byID["c-1"]?.flags == [] && byID["c-1"]?.stars == ["recognition"] && byID["c-1"]?.kind == .cadre)
        #expect(byID["c-2"]?.flags == [], "exactly 50 % is not below 50")
        let json = results.jsonValue.serialized
        #expect(json.contains(#""stars":[],"flags":["black"]"#))
        #expect(try EvaluationResults(json: results.jsonValue, definition: definition) == results)
        // Without a rule for the kind the key is absent; without quorum nothing is raised.
        definition.rules.flags = [FlagRule(flag: "black", label: "黑旗", kinds: [.member], condition: .below(Self.fifty))]
        definition.rules.quorumPercent = Percent(basisPoints: 9000)
        var small = Tally(definition: definition)
        try small.add(ratings: ["m-1": "dissatisfied"])
        let none = small.results()
        #expect(none.subjects.first { $0.id == "m-1" }?.flags == [] && !none.quorumMet)
        #expect(none.subjects.first { $0.id == "o-1" }?.flags == nil)
        #expect(!none.jsonValue.serialized.contains(#""id":"o-1","kind":"organization","name":"第一党支部","counts":{"satisfied":0,"basically_satisfied":0,"dissatisfied":0,"unknown":0},"satisfied":0,"denominator":1,"rate":"0.0","stars":[],"flags""#))
    }
}
