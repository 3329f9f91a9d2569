import Foundation
import MinpingCore

enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func ballotsFile(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Ballots").appendingPathComponent(name)
    }

    /// A small definition: members m1…mN in org o1, plus organization o1.
    static func definition(
        members: Int = 3, electorate: Int = 100, options: [RatingOption] = RatingOption.defaults,
        rules: CountingRules = .rushan
    ) -> EvaluationDefinition {
        EvaluationDefinition(
            id: "test-eval", title: "测试测评", street: "test-street", community: "测试社区",
            electorate: electorate, options: options, rules: rules,
            organizations: [Organization(id: "o1", name: "第一党支部")],
            members: (1...max(members, 1)).map { Member(id: "m\($0)", name: "党员\($0)", organization: "o1") })
    }

    /// Parses YAML that a test wrote inline, failing the test on error.
    static func parse(_ yaml: String) throws -> EvaluationDefinition {
        try DefinitionParser.parse(yaml, file: "inline.yaml")
    }

    /// A minimal valid document to which tests add or change one field.
    static let minimalYAML = """
        id: t-1
        title: 测评
        street: s-1
        electorate: 10
        organizations:
          - {id: o1, name: 第一党支部}
        members:
          - {id: m1, name: 王某, organization: o1}
        """
}


extension Tally {
    /// Adds ballots given as option indices per subject (-1 = blank).
    mutating func add(indexBallots: [[Int]]) throws {
        for ballot in indexBallots {
            var ratings: [String: String] = [:]
            for (subject, option) in ballot.enumerated() where option >= 0 && subject < subjects.count {
                ratings[subjects[subject].id] = definition.options[option % definition.options.count].id
            }
            try add(ratings: ratings)
        }
    }
}
