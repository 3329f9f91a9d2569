import Yams

/// Parses and validates an evaluation definition (YAML, or JSON, which YAML includes).
///
/// Every refusal of SPEC §2 is a ``DefinitionError`` naming the file, the field path and the
/// reason: unknown keys, duplicate ids (across members and organizations), a member whose
/// organization is not listed, an empty subject list, no satisfied option, bad percents,
/// electorate < 1 and bad slugs.
/// - Seealso: SPEC §2, `Ballots/README.md`
public enum DefinitionParser {
    /// `[a-z0-9-]{1,64}`: evaluation ids and street slugs (SPEC §1).
    public static func isSlug(_ text: String) -> Bool {
        matches(text, extra: [0x2D])
    }

    /// `[a-z0-9_-]{1,64}`: ids of subjects, options and stars (the default options use `_`).
    public static func isIdentifier(_ text: String) -> Bool {
        matches(text, extra: [0x2D, 0x5F])
    }

    private static func matches(_ text: String, extra: Set<UInt8>) -> Bool {
        let bytes = text.utf8
        return (1...64).contains(bytes.count)
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || extra.contains($0) }
    }

    public static let maximumPublicityDays = 365
    /// SPEC §2: electorate 1–1,000,000, at most 10,000 subjects, at most 1 MiB.
    public static let maximumElectorate = 1_000_000
    public static let maximumSubjects = 10_000
    public static let maximumBytes = 1 << 20
    /// SPEC §2: labels and names at most 200 characters, the title 300.
    public static let maximumTextLength = 200
    public static let maximumTitleLength = 300

    /// Parses a definition as it arrives (a file, a request body): refused unless it is UTF-8
    /// (never repaired) and at most 1 MiB; a leading byte-order mark is ignored.
    /// - Throws: ``DefinitionError`` only.
    public static func parse(bytes: some Collection<UInt8>, file: String) throws -> EvaluationDefinition {
        guard bytes.count <= maximumBytes else {
            throw DefinitionError(file: file, path: "", line: nil, code: .tooLarge,
                                  reason: "a definition is at most 1 MiB, this one has \(bytes.count) bytes")
        }
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw DefinitionError(file: file, path: "", line: nil, code: .badEncoding, reason: "the text is not valid UTF-8")
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        return try parse(text, file: file)
    }

    /// Reads back a definition that was validated when it was created (the canonical JSON of
    /// a `created` entry or an evaluation's row), through the same builder, without YAML. The
    /// limits added since (lengths, characters, electorate, subject count) are the door's, not
    /// the reader's: a definition accepted before them reads back as it was.
    /// - Throws: ``DefinitionError`` only; for stored data that is an integrity failure.
    public static func parse(json: JSONValue, file: String) throws -> EvaluationDefinition {
        try DefinitionBuilder(reader: YAMLReader(file: file, atTheDoor: false)).definition(json.yamlNode)
    }

    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the name to show in errors, e.g. `Ballots/fuyuan-2018.yaml`.
    /// - Throws: ``DefinitionError`` only.
    public static func parse(_ text: String, file: String) throws -> EvaluationDefinition {
        let reader = YAMLReader(file: file)
        let root: Node
        // A node's anchor is held weakly, by the parser: the parser must outlive the walk
        // that refuses anchors.
        let parser: Parser
        do {
            parser = try Parser(yaml: joiningSurrogateEscapes(text))
            guard let composed = try parser.singleRoot() else {
                throw reader.fail(.notAMapping, "", nil, "the file is empty")
            }
            root = composed
        } catch let error as DefinitionError {
            throw error
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            // Yams refuses repeated keys before we see the tree; it knows the key, not the path.
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            throw DefinitionError(file: file, path: duplicates.first ?? "", line: context.mark.line,
                                  code: .duplicateKey, reason: "field \(keys) is given twice in one mapping")
        } catch {
            throw DefinitionError(file: file, path: "", line: syntaxLine(error), code: .syntax,
                                  reason: "not valid YAML: \(syntaxProblem(error))")
        }
        try withExtendedLifetime(parser) { try refuseAnchors(root, reader: reader) }
        return try DefinitionBuilder(reader: reader).definition(root)
    }

    /// SPEC §2: anchors and aliases are refused outright, so no definition expands. An alias
    /// can only name an earlier anchor, so walking in document order meets the anchor first
    /// and stops there.
    private static func refuseAnchors(_ node: Node, reader: YAMLReader) throws {
        if case .alias = node {
            throw reader.fail(.anchorOrAlias, "", node, "YAML aliases (*name) are not allowed")
        }
        if node.anchor != nil {
            throw reader.fail(.anchorOrAlias, "", node, "YAML anchors (&name) are not allowed")
        }
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                try refuseAnchors(key, reader: reader)
                try refuseAnchors(value, reader: reader)
            }
        case let .sequence(sequence):
            for item in sequence { try refuseAnchors(item, reader: reader) }
        case .scalar, .alias:
            break
        }
    }

    /// JSON writes a character outside the BMP as a surrogate pair of `\u` escapes
    /// (`"\ud842\udfb7"` for 𠮷, as Python's `json.dumps` does); YAML's double-quoted
    /// strings, which JSON's are otherwise, spell it `\U00020BB7`. A lone surrogate is left
    /// for the YAML parser to refuse. Only a backslash that is not itself escaped starts an
    /// escape, so each escape is copied whole.
    static func joiningSurrogateEscapes(_ text: String) -> String {
        // Only a JSON document (an object) spells characters this way; YAML text is left as written.
        guard text.utf8.contains(UInt8(ascii: "\\")),
              text.unicodeScalars.first(where: { !$0.properties.isWhitespace }) == "{" else { return text }
        let scalars = Array(text.unicodeScalars)
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= scalars.count else { return nil }
            return UInt32(String(String.UnicodeScalarView(scalars[at..<at + 4])), radix: 16)
        }
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "\\", index + 1 < scalars.count else {
                out.append(scalars[index])
                index += 1
                continue
            }
            if scalars[index + 1] == "u", let high = hex4(index + 2), (0xD800...0xDBFF).contains(high),
               index + 8 <= scalars.count, scalars[index + 6] == "\\", scalars[index + 7] == "u",
               let low = hex4(index + 8), (0xDC00...0xDFFF).contains(low) {
                let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                let digits = String(value, radix: 16, uppercase: true)
                out.append(contentsOf: ("\\U" + String(repeating: "0", count: 8 - digits.count) + digits).unicodeScalars)
                index += 12
            } else {
                out.append(scalars[index])
                out.append(scalars[index + 1])
                index += 2
            }
        }
        return String(out)
    }

    private static func syntaxLine(_ error: Error) -> Int? {
        guard let yaml = error as? YamlError else { return nil }
        switch yaml {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func syntaxProblem(_ error: Error) -> String {
        guard let yaml = error as? YamlError else { return String(describing: error) }
        switch yaml {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _),
             let .composer(context, problem, _, _):
            return [context.map { String(describing: $0.text) }, problem]
                .compactMap { $0 }.joined(separator: ": ")
        case let .reader(problem, _, _, _):
            return problem
        default:
            return String(describing: yaml)
        }
    }
}

/// Walks the document top-down; each method handles one level of SPEC §2.
private struct DefinitionBuilder {
    let reader: YAMLReader

    static let topLevelKeys = [
        "id", "title", "street", "community", "electorate", "publicity_days",
        "options", "rules", "organizations", "members", "cadres", "previous", "notice", "round",
    ]

    /// A round's name: `2026`, `2026年第三季度`.
    public static let maximumRoundLength = 32

    func definition(_ root: Node) throws -> EvaluationDefinition {
        let fields = try reader.mapping(root, at: "", allowed: Self.topLevelKeys)
        let id = try slug(fields, "id")
        let title = try reader.name(try fields.required("title"), at: "title", limit: DefinitionParser.maximumTitleLength)
        let street = try slug(fields, "street")
        let community = try fields.optional("community").map { try reader.name($0, at: "community") }
        let previous = fields.optional("previous") == nil ? nil : try slug(fields, "previous")
        let notice = try fields.optional("notice").map { try self.notice($0) }
        let round = try fields.optional("round").map { try reader.name($0, at: "round", limit: Self.maximumRoundLength) }

        let electorateNode = try fields.required("electorate")
        let electorate = try reader.integer(electorateNode, at: "electorate")
        guard electorate >= 1 else {
            throw reader.fail(.badElectorate, "electorate", electorateNode,
                              "must be at least 1 (the number of representatives entitled to vote), got \(electorate)")
        }
        guard !reader.atTheDoor || electorate <= DefinitionParser.maximumElectorate else {
            throw reader.fail(.badElectorate, "electorate", electorateNode,
                              "must be at most \(DefinitionParser.maximumElectorate), got \(electorate)")
        }

        var publicityDays = EvaluationDefinition.defaultPublicityDays
        if let node = fields.optional("publicity_days") {
            publicityDays = try reader.integer(node, at: "publicity_days")
            guard (0...DefinitionParser.maximumPublicityDays).contains(publicityDays) else {
                throw reader.fail(.badPublicityDays, "publicity_days", node,
                                  "must be from 0 to \(DefinitionParser.maximumPublicityDays) days, got \(publicityDays)")
            }
        }

        let options = try fields.optional("options").map { try self.options($0) } ?? RatingOption.defaults
        let rules = try fields.optional("rules").map { try self.rules($0) } ?? .rushan
        let organizations = try fields.optional("organizations").map { try self.organizations($0) } ?? []
        let members = try fields.optional("members").map { try self.members($0, organizations: organizations) } ?? []
        let cadres = try fields.optional("cadres").map { try self.cadres($0, taken: organizations.map(\.id) + members.map(\.id)) } ?? []
        guard !organizations.isEmpty || !members.isEmpty || !cadres.isEmpty else {
            throw reader.fail(.noSubjects, "members", root,
                              "nobody to rate: list at least one member, organization or cadre")
        }
        let count = organizations.count + members.count + cadres.count
        guard !reader.atTheDoor || count <= DefinitionParser.maximumSubjects else {
            throw reader.fail(.tooManySubjects, "members", root,
                              "at most \(DefinitionParser.maximumSubjects) members, organizations and cadres together, got \(count)")
        }
        if let node = fields.optional("rules"),
           rules.flags.contains(where: { if case .dissatisfiedAbove = $0.condition { true } else { false } }),
           !options.contains(where: \.dissatisfied) {
            throw reader.fail(.noDissatisfiedOption, "rules.flags", node,
                              "a dissatisfied_above flag counts the options marked 'dissatisfied: true', and no option is")
        }
        return EvaluationDefinition(
            id: id, title: title, street: street, community: community, electorate: electorate,
            publicityDays: publicityDays, options: options, rules: rules,
            organizations: organizations, members: members, cadres: cadres, previous: previous, notice: notice, round: round)
    }

    /// SPEC §2 `notice`: each field a name of at most 200 characters, `text` free text of at
    /// most 2,000 (line breaks kept).
    private func notice(_ node: Node) throws -> Notice {
        let fields = try reader.mapping(node, at: "notice", allowed: Notice.keys)
        func field(_ key: String) throws -> String? {
            try fields.optional(key).map { try reader.name($0, at: "notice.\(key)") }
        }
        var notice = Notice(date: try field("date"), place: try field("place"), contact: try field("contact"), issuer: try field("issuer"))
        if let node = fields.optional("text") {
            notice.text = try reader.freeText(node, at: "notice.text", limit: Notice.maximumTextLength)
        }
        return notice
    }

    private func slug(_ fields: Fields, _ key: String) throws -> String {
        let node = try fields.required(key)
        let value = try reader.text(node, at: key)
        guard DefinitionParser.isSlug(value) else {
            throw reader.fail(.badSlug, key, node,
                              "'\(value)' is not a slug: use 1 to 64 of a-z, 0-9 and '-'")
        }
        return value
    }

    private func identifier(_ fields: Fields, _ key: String = "id") throws -> String {
        let node = try fields.required(key)
        let value = try reader.text(node, at: fields.path(key))
        guard DefinitionParser.isIdentifier(value) else {
            throw reader.fail(.badId, fields.path(key), node,
                              "'\(value)' is not a valid id: use 1 to 64 of a-z, 0-9, '-' and '_'")
        }
        return value
    }

    /// Refuses an id already used at another path of the same namespace.
    private func claim(_ id: String, at path: String, node: Node, in seen: inout [String: String]) throws {
        if let first = seen[id] {
            throw reader.fail(.duplicateId, path, node, "duplicate id '\(id)' (already used at \(first))")
        }
        seen[id] = path
    }

    private func options(_ node: Node) throws -> [RatingOption] {
        let items = try reader.sequence(node, at: "options")
        guard !items.isEmpty else {
            throw reader.fail(.noOptions, "options", node, "must list at least one option")
        }
        var seen: [String: String] = [:]
        let options = try items.enumerated().map { index, item in
            let path = "options[\(index)]"
            let fields = try reader.mapping(item, at: path, allowed: ["id", "label", "satisfied", "abstain", "dissatisfied"])
            let id = try identifier(fields)
            try claim(id, at: fields.path("id"), node: item, in: &seen)
            let label = try reader.name(try fields.required("label"), at: fields.path("label"))
            let satisfied = try fields.optional("satisfied").map { try reader.bool($0, at: fields.path("satisfied")) } ?? false
            let abstain = try fields.optional("abstain").map { try reader.bool($0, at: fields.path("abstain")) } ?? false
            let dissatisfied = try fields.optional("dissatisfied").map { try reader.bool($0, at: fields.path("dissatisfied")) } ?? false
            if satisfied && abstain {
                throw reader.fail(.conflictingOption, path, item,
                                  "an option cannot be both satisfied and abstain")
            }
            if dissatisfied && (satisfied || abstain) {
                throw reader.fail(.conflictingOption, path, item,
                                  "a dissatisfied option cannot also be satisfied or abstain")
            }
            return RatingOption(id: id, label: label, satisfied: satisfied, abstain: abstain, dissatisfied: dissatisfied)
        }
        guard options.contains(where: \.satisfied) else {
            throw reader.fail(.noSatisfiedOption, "options", node,
                              "no option has 'satisfied: true', so nobody could earn a star")
        }
        return options
    }

    private func rules(_ node: Node) throws -> CountingRules {
        let fields = try reader.mapping(node, at: "rules", allowed: [
            "denominator", "comparison", "quorum_percent", "member_stars", "organization_stars", "cadre_stars", "flags",
        ])
        var rules = CountingRules.rushan
        if let value = fields.optional("denominator") {
            rules.denominator = try reader.choice(value, at: "rules.denominator", as: CountingRules.Denominator.self)
        }
        if let value = fields.optional("comparison") {
            rules.comparison = try reader.choice(value, at: "rules.comparison", as: CountingRules.Comparison.self)
        }
        if let value = fields.optional("quorum_percent") {
            rules.quorumPercent = try reader.percent(value, at: "rules.quorum_percent")
        }
        if let value = fields.optional("member_stars") {
            rules.memberStars = try stars(value, at: "rules.member_stars")
        }
        if let value = fields.optional("organization_stars") {
            rules.organizationStars = try stars(value, at: "rules.organization_stars")
        }
        if let value = fields.optional("cadre_stars") {
            rules.cadreStars = try stars(value, at: "rules.cadre_stars")
        }
        if let value = fields.optional("flags") {
            rules.flags = try flags(value)
        }
        return rules
    }

    /// SPEC §2 `rules.flags`: `{flag, label, kinds, below: P}` or `{…, dissatisfied_above: P}`.
    private func flags(_ node: Node) throws -> [FlagRule] {
        var seen: [String: String] = [:]
        return try reader.sequence(node, at: "rules.flags").enumerated().map { index, item in
            let path = "rules.flags[\(index)]"
            let fields = try reader.mapping(item, at: path, allowed: ["flag", "label", "kinds", "below", "dissatisfied_above"])
            let flag = try identifier(fields, "flag")
            try claim(flag, at: fields.path("flag"), node: item, in: &seen)
            let label = try reader.name(try fields.required("label"), at: fields.path("label"))
            let kindsNode = try fields.required("kinds")
            let kinds = try reader.sequence(kindsNode, at: fields.path("kinds")).enumerated().map { index, kind in
                try reader.choice(kind, at: fields.path("kinds") + "[\(index)]", as: SubjectKind.self)
            }
            guard !kinds.isEmpty, Set(kinds).count == kinds.count else {
                throw reader.fail(.badEnum, fields.path("kinds"), kindsNode,
                                  "list each kind a flag applies to once (member, organization, cadre)")
            }
            let condition: FlagRule.Condition
            switch (fields.optional("below"), fields.optional("dissatisfied_above")) {
            case let (below?, nil): condition = .below(try reader.percent(below, at: fields.path("below")))
            case let (nil, above?): condition = .dissatisfiedAbove(try reader.percent(above, at: fields.path("dissatisfied_above")))
            default:
                throw reader.fail(.missingField, path, item, "a flag says exactly one of 'below' and 'dissatisfied_above'")
            }
            return FlagRule(flag: flag, label: label, kinds: kinds, condition: condition)
        }
    }

    private func stars(_ node: Node, at path: String) throws -> [StarRule] {
        var seen: [String: String] = [:]
        return try reader.sequence(node, at: path).enumerated().map { index, item in
            let fields = try reader.mapping(item, at: "\(path)[\(index)]", allowed: ["star", "label", "percent"])
            let star = try identifier(fields, "star")
            try claim(star, at: fields.path("star"), node: item, in: &seen)
            let label = try reader.name(try fields.required("label"), at: fields.path("label"))
            let percent = try reader.percent(try fields.required("percent"), at: fields.path("percent"))
            return StarRule(star: star, label: label, percent: percent)
        }
    }

    private func organizations(_ node: Node) throws -> [Organization] {
        var seen: [String: String] = [:]
        return try reader.sequence(node, at: "organizations").enumerated().map { index, item in
            let fields = try reader.mapping(item, at: "organizations[\(index)]", allowed: ["id", "name", "renamed_from"])
            let id = try identifier(fields)
            try claim(id, at: fields.path("id"), node: item, in: &seen)
            let name = try reader.name(try fields.required("name"), at: fields.path("name"))
            let renamedFrom = try fields.optional("renamed_from").map { try reader.name($0, at: fields.path("renamed_from")) }
            return Organization(id: id, name: name, renamedFrom: renamedFrom)
        }
    }

    /// SPEC §2 `cadres`: `{id, name, title?, renamed_from?}`; ids unique across every subject.
    private func cadres(_ node: Node, taken: [String]) throws -> [Cadre] {
        var seen = Dictionary(taken.map { ($0, "members or organizations") }, uniquingKeysWith: { first, _ in first })
        return try reader.sequence(node, at: "cadres").enumerated().map { index, item in
            let fields = try reader.mapping(item, at: "cadres[\(index)]", allowed: ["id", "name", "title", "renamed_from"])
            let id = try identifier(fields)
            try claim(id, at: fields.path("id"), node: item, in: &seen)
            let name = try reader.name(try fields.required("name"), at: fields.path("name"))
            let title = try fields.optional("title").map { try reader.name($0, at: fields.path("title")) }
            let renamedFrom = try fields.optional("renamed_from").map { try reader.name($0, at: fields.path("renamed_from")) }
            return Cadre(id: id, name: name, title: title, renamedFrom: renamedFrom)
        }
    }

    private func members(_ node: Node, organizations: [Organization]) throws -> [Member] {
        var seen = Dictionary(uniqueKeysWithValues: organizations.enumerated().map { ($1.id, "organizations[\($0)].id") })
        let listed = Set(organizations.map(\.id))
        return try reader.sequence(node, at: "members").enumerated().map { index, item in
            let fields = try reader.mapping(item, at: "members[\(index)]", allowed: ["id", "name", "organization", "renamed_from"])
            let id = try identifier(fields)
            try claim(id, at: fields.path("id"), node: item, in: &seen)
            let name = try reader.name(try fields.required("name"), at: fields.path("name"))
            var organization: String?
            if let orgNode = fields.optional("organization") {
                let orgID = try reader.text(orgNode, at: fields.path("organization"))
                guard listed.contains(orgID) else {
                    throw reader.fail(.unknownOrganization, fields.path("organization"), orgNode,
                                      "organization '\(orgID)' is not listed under organizations")
                }
                organization = orgID
            }
            let renamedFrom = try fields.optional("renamed_from").map { try reader.name($0, at: fields.path("renamed_from")) }
            return Member(id: id, name: name, organization: organization, renamedFrom: renamedFrom)
        }
    }
}
