import Foundation
@testable import MinpingCore
import Testing

@Suite("Evaluation definitions")
struct DefinitionParserTests {
    @Test("every sample in Ballots/ parses", arguments: [
        "fuyuan-2018.yaml", "longhua-2021.yaml", "haiyan-2020.yaml", "songxing-2016.yaml",
    ])
    func samplesParse(name: String) throws {
        let url = Fixtures.ballotsFile(name)
        let definition = try DefinitionParser.parse(String(contentsOf: url, encoding: .utf8), file: name)
        #expect(definition.id + ".yaml" == name)
        #expect(!definition.subjects.isEmpty)
    }

    @Test("the samples have the shapes the README promises")
    func sampleShapes() throws {
        func load(_ name: String) throws -> EvaluationDefinition {
            try DefinitionParser.parse(String(contentsOf: Fixtures.ballotsFile(name), encoding: .utf8), file: name)
        }
        let fuyuan = try load("fuyuan-2018.yaml")
        #expect(fuyuan.organizations.count >= 3 && fuyuan.members.count >= 30)
        #expect(fuyuan.rules == .rushan && fuyuan.options == RatingOption.defaults)
        let longhua = try load("longhua-2021.yaml")
        #expect(longhua.organizations.count == 5 && (200...240).contains(longhua.members.count))
        let haiyan = try load("haiyan-2020.yaml")
        #expect(haiyan.options.filter(\.satisfied).map(\.label) == ["满意"])
        #expect(haiyan.rules.denominator == .electorate && haiyan.rules.comparison == .atLeast)
        #expect(haiyan.rules.organizationStars.first?.percent == Percent(basisPoints: 7000), "the console's strict preset, one rule")
        let songxing = try load("songxing-2016.yaml")
        #expect(songxing.rules.quorumPercent == Percent(basisPoints: 5000))
    }

    @Test("absent options and rules take the SPEC defaults, each rule key on its own")
    func defaults() throws {
        let plain = try Fixtures.parse(Fixtures.minimalYAML)
        #expect(plain.options == RatingOption.defaults)
        #expect(plain.rules == .rushan)
        #expect(plain.publicityDays == 5)
        #expect(plain.community == nil)

        let partial = try Fixtures.parse(Fixtures.minimalYAML + "\nrules: {comparison: at_least}\n")
        #expect(partial.rules.comparison == .atLeast)
        #expect(partial.rules.denominator == .ballots)
        #expect(partial.rules.memberStars == CountingRules.rushanMemberStars)
    }

    @Test("a JSON definition is accepted too")
    func json() throws {
        let definition = try Fixtures.parse("""
            {"id":"j-1","title":"测评","street":"s","electorate":5,"publicity_days":0,
             "members":[{"id":"m1","name":"王某"}]}
            """)
        #expect(definition.publicityDays == 0)
        #expect(definition.members == [Member(id: "m1", name: "王某", organization: nil)])
    }

    @Test("subjects come members first, then organizations, each in definition order")
    func subjectOrder() throws {
        let definition = try Fixtures.parse(Fixtures.minimalYAML + "\n  - {id: m0, name: 李某}\n")
        #expect(definition.subjects.map(\.id) == ["m1", "m0", "o1"])
    }

    struct Rejection: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var code: DefinitionError.Code
        var path: String
        var line: Int?
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = [
        Rejection(name: "unknown top-level key", yaml: Fixtures.minimalYAML + "\ntitel: x\n",
                  code: .unknownKey, path: "titel", line: 9),
        Rejection(name: "unknown key in a member",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m2, name: 李某, phone: 123}\n",
                  code: .unknownKey, path: "members[1].phone", line: 9),
        Rejection(name: "unknown key in rules", yaml: Fixtures.minimalYAML + "\nrules: {denominater: ballots}\n",
                  code: .unknownKey, path: "rules.denominater", line: 9),
        Rejection(name: "a key given twice", yaml: Fixtures.minimalYAML + "\nelectorate: 12\n",
                  code: .duplicateKey, path: "electorate", line: 4),
        Rejection(name: "duplicate member ids",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m1, name: 李某}\n",
                  code: .duplicateId, path: "members[1].id", line: 9),
        Rejection(name: "a member id equal to an organization id",
                  yaml: Fixtures.minimalYAML + "\n  - {id: o1, name: 李某}\n",
                  code: .duplicateId, path: "members[1].id", line: 9),
        Rejection(name: "duplicate organization ids",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(
                      of: "  - {id: o1, name: 第一党支部}", with: "  - {id: o1, name: 第一党支部}\n  - {id: o1, name: 第二党支部}"),
                  code: .duplicateId, path: "organizations[1].id", line: 7),
        Rejection(name: "a member whose organization is not listed",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m2, name: 李某, organization: o9}\n",
                  code: .unknownOrganization, path: "members[1].organization", line: 9),
        Rejection(name: "an empty subject list",
                  yaml: "id: t-1\ntitle: 测评\nstreet: s-1\nelectorate: 10\nmembers: []\n",
                  code: .noSubjects, path: "members", line: 1),
        Rejection(name: "no satisfied option",
                  yaml: Fixtures.minimalYAML + "\noptions:\n  - {id: a, label: 好}\n  - {id: b, label: 差}\n",
                  code: .noSatisfiedOption, path: "options", line: 10),
        Rejection(name: "an empty option list", yaml: Fixtures.minimalYAML + "\noptions: []\n",
                  code: .noOptions, path: "options", line: 9),
        Rejection(name: "an option both satisfied and abstain",
                  yaml: Fixtures.minimalYAML + "\noptions:\n  - {id: a, label: 好, satisfied: true, abstain: true}\n",
                  code: .conflictingOption, path: "options[0]", line: 10),
        Rejection(name: "duplicate option ids",
                  yaml: Fixtures.minimalYAML + "\noptions:\n  - {id: a, label: 好, satisfied: true}\n  - {id: a, label: 差}\n",
                  code: .duplicateId, path: "options[1].id", line: 11),
        Rejection(name: "a percent above 100",
                  yaml: Fixtures.minimalYAML + "\nrules:\n  member_stars:\n    - {star: s, label: 星, percent: 100.5}\n",
                  code: .badPercent, path: "rules.member_stars[0].percent", line: 11),
        Rejection(name: "a negative percent",
                  yaml: Fixtures.minimalYAML + "\nrules:\n  organization_stars:\n    - {star: s, label: 星, percent: -5}\n",
                  code: .badPercent, path: "rules.organization_stars[0].percent", line: 11),
        Rejection(name: "a percent with three decimals",
                  yaml: Fixtures.minimalYAML + "\nrules:\n  member_stars:\n    - {star: s, label: 星, percent: 66.667}\n",
                  code: .badPercent, path: "rules.member_stars[0].percent", line: 11),
        Rejection(name: "a percent that is not a number",
                  yaml: Fixtures.minimalYAML + "\nrules: {quorum_percent: \"half\"}\n",
                  code: .badPercent, path: "rules.quorum_percent", line: 9),
        Rejection(name: "a quorum above 100", yaml: Fixtures.minimalYAML + "\nrules: {quorum_percent: 150}\n",
                  code: .badPercent, path: "rules.quorum_percent", line: 9),
        Rejection(name: "duplicate star ids",
                  yaml: Fixtures.minimalYAML + "\nrules:\n  member_stars:\n    - {star: s, label: 星, percent: 60}\n    - {star: s, label: 星二, percent: 70}\n",
                  code: .duplicateId, path: "rules.member_stars[1].star", line: 12),
        Rejection(name: "electorate zero",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "electorate: 10", with: "electorate: 0"),
                  code: .badElectorate, path: "electorate", line: 4),
        Rejection(name: "electorate not a number",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "electorate: 10", with: "electorate: 十"),
                  code: .wrongType, path: "electorate", line: 4),
        Rejection(name: "negative publicity days", yaml: Fixtures.minimalYAML + "\npublicity_days: -1\n",
                  code: .badPublicityDays, path: "publicity_days", line: 9),
        Rejection(name: "a bad evaluation id slug",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "id: t-1", with: "id: T_1"),
                  code: .badSlug, path: "id", line: 1),
        Rejection(name: "a bad street slug",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "street: s-1", with: "street: 城区"),
                  code: .badSlug, path: "street", line: 3),
        Rejection(name: "a bad subject id",
                  yaml: Fixtures.minimalYAML + "\n  - {id: 'm 2', name: 李某}\n",
                  code: .badId, path: "members[1].id", line: 9),
        Rejection(name: "a missing title",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "title: 测评\n", with: ""),
                  code: .missingField, path: "title", line: 1),
        Rejection(name: "a missing member name",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m2}\n",
                  code: .missingField, path: "members[1].name", line: 9),
        Rejection(name: "an empty name",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m2, name: '  '}\n",
                  code: .emptyText, path: "members[1].name", line: 9),
        Rejection(name: "an unknown denominator", yaml: Fixtures.minimalYAML + "\nrules: {denominator: voters}\n",
                  code: .badEnum, path: "rules.denominator", line: 9),
        Rejection(name: "members not a list",
                  yaml: "id: t-1\ntitle: 测评\nstreet: s-1\nelectorate: 10\nmembers: m1\n",
                  code: .wrongType, path: "members", line: 5),
        Rejection(name: "satisfied not a boolean",
                  yaml: Fixtures.minimalYAML + "\noptions:\n  - {id: a, label: 好, satisfied: yes please}\n",
                  code: .wrongType, path: "options[0].satisfied", line: 10),
        Rejection(name: "a document that is a list", yaml: "- a\n- b\n", code: .notAMapping, path: "", line: 1),
        Rejection(name: "broken YAML", yaml: "id: t-1\ntitle: [unclosed\n", code: .syntax, path: "", line: 3),
        Rejection(name: "electorate above 1,000,000",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "electorate: 10", with: "electorate: 9007199254740992"),
                  code: .badElectorate, path: "electorate", line: 4),
        Rejection(name: "a C1 control character in the title (YAML escape)",
                  yaml: Fixtures.minimalYAML.replacingOccurrences(of: "title: 测评", with: "title: \"测\\x9A评\""),
                  code: .badText, path: "title", line: 2),
        Rejection(name: "a noncharacter in a name",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m2, name: \"李\\uFFFE某\"}\n",
                  code: .badText, path: "members[1].name", line: 9),
        Rejection(name: "a tab inside a label",
                  yaml: Fixtures.minimalYAML + "\noptions:\n  - {id: a, label: \"好\\t的\", satisfied: true}\n",
                  code: .badText, path: "options[0].label", line: 10),
        Rejection(name: "a name of 201 characters",
                  yaml: Fixtures.minimalYAML + "\n  - {id: m2, name: \(String(repeating: "名", count: 201))}\n",
                  code: .badText, path: "members[1].name", line: 9),
        Rejection(name: "an anchor", yaml: Fixtures.minimalYAML.replacingOccurrences(of: "title: 测评", with: "title: &t 测评"),
                  code: .anchorOrAlias, path: "", line: 2),
        Rejection(name: "more than 10,000 subjects",
                  yaml: Fixtures.minimalYAML + (2...10_001).map { "\n  - {id: m\($0), name: 某}" }.joined() + "\n",
                  code: .tooManySubjects, path: "members", line: 1),
    ]

    @Test("bytes: invalid UTF-8 and more than 1 MiB are refused; a byte-order mark is ignored")
    func bytes() throws {
        let good = Array(Fixtures.minimalYAML.utf8)
        #expect(try DefinitionParser.parse(bytes: [0xEF, 0xBB, 0xBF] + good, file: "bom.yaml").id == "t-1")
        #expect(throws: DefinitionError.self) { try DefinitionParser.parse(bytes: good + [0xFF, 0xFE], file: "bad.yaml") }
        #expect {
            _ = try DefinitionParser.parse(bytes: good + [UInt8](repeating: 0x20, count: 1 << 20), file: "big.yaml")
        } throws: { ($0 as? DefinitionError)?.code == .tooLarge }
        #expect {
            _ = try DefinitionParser.parse(bytes: good + [0xC3], file: "bad.yaml")
        } throws: { ($0 as? DefinitionError)?.code == .badEncoding }
    }

    @Test("surrogate pair escapes are joined only where JSON would read them")
    func surrogates() throws {
        #expect(DefinitionParser.joiningSurrogateEscapes(#"{"t":"\ud842\udfb7"}"#) == #"{"t":"\U00020BB7"}"#)
        #expect(DefinitionParser.joiningSurrogateEscapes(#"{"t":"\\ud842\udfb7"}"#) == #"{"t":"\\ud842\udfb7"}"#)
        #expect(DefinitionParser.joiningSurrogateEscapes(#"{"t":"\ud842"}"#) == #"{"t":"\ud842"}"#)
        #expect(DefinitionParser.joiningSurrogateEscapes("title: '\\ud842\\udfb7'") == "title: '\\ud842\\udfb7'", "YAML is left as written")
        #expect(DefinitionParser.joiningSurrogateEscapes("无转义") == "无转义")
    }

    @Test("what was stored before a limit existed still reads back; the door applies the limits")
    func storedBeforeLimits() throws {
        var definition = try Fixtures.parse(Fixtures.minimalYAML)
        definition.title = String(repeating: "题", count: 400)
        definition.electorate = 2_000_000
        #expect(try DefinitionParser.parse(json: definition.jsonValue, file: "stored") == definition)
        #expect(throws: DefinitionError.self) { try DefinitionParser.parse(definition.jsonValue.serialized, file: "door") }
    }

    @Test("a stored definition reads back through the same builder, without YAML text")
    func storedJSON() throws {
        let definition = try Fixtures.parse(Fixtures.minimalYAML.replacingOccurrences(of: "title: 测评", with: "title: \"𠮷 \\\" 评\""))
        #expect(definition.title == "𠮷 \" 评")
        #expect(try DefinitionParser.parse(json: definition.jsonValue, file: "stored") == definition)
    }


    @Test("every SPEC §2 rejection names the file, the field path and the reason", arguments: rejections)
    func rejection(_ case: Rejection) {
        #expect {
            _ = try DefinitionParser.parse(`case`.yaml, file: "Ballots/bad.yaml")
        } throws: { error in
            guard let error = error as? DefinitionError else { return false }
            #expect(error.code == `case`.code, "\(error)")
            #expect(error.path == `case`.path, "\(error)")
            #expect(error.line == `case`.line, "\(error)")
            #expect(error.description.hasPrefix("Ballots/bad.yaml"))
            #expect(!error.reason.isEmpty)
            return error.code == `case`.code && error.path == `case`.path
        }
    }

    @Test("slugs and ids follow SPEC §1", arguments: [
        ("fuyuan-2018", true, true), ("a", true, true), ("basically_satisfied", false, true),
        ("Fuyuan", false, false), ("", false, false), ("府苑", false, false),
        (String(repeating: "a", count: 64), true, true), (String(repeating: "a", count: 65), false, false),
    ])
    func slugs(text: String, slug: Bool, identifier: Bool) {
        #expect(DefinitionParser.isSlug(text) == slug)
        #expect(DefinitionParser.isIdentifier(text) == identifier)
    }
}
