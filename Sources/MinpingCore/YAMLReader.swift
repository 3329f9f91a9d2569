import Yams

/// Reads a composed YAML tree field by field, turning every surprise into a
/// ``DefinitionError`` that names the file, the field path and the line.
///
/// Scalars are read from their text, never through Yams' number or float resolution, so
/// `66.67` stays exact and a quoted `"60"` is not silently taken for an integer.
struct YAMLReader {
    let file: String
    /// At the door (a file, a request) every rule of SPEC §2 holds; reading back what was
    /// stored before a limit existed checks the structure only, so an older evaluation stays
    /// readable (and verifiable) as it was accepted.
    var atTheDoor = true

    func fail(_ code: DefinitionError.Code, _ path: String, _ node: Node?, _ reason: String) -> DefinitionError {
        DefinitionError(file: file, path: path, line: node?.mark?.line, code: code, reason: reason)
    }

    /// The fields of a mapping, refusing keys outside `allowed`. (Yams already refuses a key
    /// given twice.)
    func mapping(_ node: Node, at path: String, allowed: [String]) throws -> Fields {
        guard case let .mapping(mapping) = node else {
            throw fail(.notAMapping, path, node, "must be a mapping of fields (\(allowed.joined(separator: ", ")))")
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case let .scalar(keyScalar) = keyNode else {
                throw fail(.wrongType, path, keyNode, "field names must be plain text")
            }
            let key = keyScalar.string
            let fieldPath = Self.join(path, key)
            guard allowed.contains(key) else {
                throw fail(.unknownKey, fieldPath, keyNode,
                           "unknown field '\(key)'; allowed here: \(allowed.joined(separator: ", "))")
            }
            values[key] = value
        }
        return Fields(reader: self, node: node, path: path, values: values)
    }

    func sequence(_ node: Node, at path: String) throws -> [Node] {
        guard case let .sequence(sequence) = node else {
            throw fail(.wrongType, path, node, "must be a list")
        }
        return Array(sequence)
    }

    /// Non-empty text (surrounding whitespace is trimmed) without control characters (C0,
    /// C1, U+007F) or noncharacters (U+FFFE, U+FFFF, …): SPEC §2.
    func text(_ node: Node, at path: String) throws -> String {
        guard case let .scalar(scalar) = node else {
            throw fail(.wrongType, path, node, "must be text")
        }
        let value = scalar.string.trimmingWhitespace
        guard !value.isEmpty, !Self.isNull(scalar) else {
            throw fail(.emptyText, path, node, "must not be empty")
        }
        if atTheDoor, let bad = TextRules.forbidden(in: value) {
            throw fail(.badText, path, node,
                       "contains \(TextRules.codePoint(bad)), a control character, noncharacter or bidi control")
        }
        return value
    }

    /// Free text of several lines (a notice's text): line breaks and tabs kept, nothing else
    /// SPEC §2 forbids, at most `limit` characters.
    func freeText(_ node: Node, at path: String, limit: Int) throws -> String {
        guard case let .scalar(scalar) = node else {
            throw fail(.wrongType, path, node, "must be text")
        }
        let value = scalar.string.trimmingWhitespace
        guard !value.isEmpty, !Self.isNull(scalar) else {
            throw fail(.emptyText, path, node, "must not be empty")
        }
        if atTheDoor, let problem = TextRules.freeTextProblem(value, field: path, maximumBytes: 4 * limit) {
            throw fail(.badText, path, node, problem)
        }
        guard !atTheDoor || value.count <= limit else {
            throw fail(.badText, path, node, "must be at most \(limit) characters, got \(value.count)")
        }
        return value
    }

    /// A name, label or title: text of at most `limit` characters.
    func name(_ node: Node, at path: String, limit: Int = DefinitionParser.maximumTextLength) throws -> String {
        let value = try text(node, at: path)
        if atTheDoor, TextRules.isBlank(value) {
            throw fail(.badText, path, node, "must hold a visible character, not only spaces or zero-width characters (U+200B, U+FEFF)")
        }
        guard !atTheDoor || value.count <= limit else {
            throw fail(.badText, path, node, "must be at most \(limit) characters, got \(value.count)")
        }
        return value
    }

    func integer(_ node: Node, at path: String) throws -> Int {
        guard case let .scalar(scalar) = node, scalar.style == .plain,
              let value = Int(scalar.string.trimmingWhitespace)
        else {
            throw fail(.wrongType, path, node, "must be a whole number, got \(Self.show(node))")
        }
        return value
    }

    func bool(_ node: Node, at path: String) throws -> Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain else {
            throw fail(.wrongType, path, node, "must be true or false, got \(Self.show(node))")
        }
        switch scalar.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw fail(.wrongType, path, node, "must be true or false, got \(Self.show(node))")
        }
    }

    /// A percent, plain (`66.67`) or quoted (`"66.67"`, as the canonical JSON of a definition
    /// writes it, since the audit log allows no fractional numbers).
    func percent(_ node: Node, at path: String) throws -> Percent {
        guard case let .scalar(scalar) = node,
              let percent = Percent(decimal: scalar.string.trimmingWhitespace)
        else {
            throw fail(.badPercent, path, node,
                       "must be a percent from 0 to 100 with at most two decimals (e.g. 60 or 66.67), got \(Self.show(node))")
        }
        return percent
    }

    /// A value from a fixed set, e.g. `denominator: ballots`.
    func choice<Value: RawRepresentable & CaseIterable>(_ node: Node, at path: String, as _: Value.Type) throws -> Value
    where Value.RawValue == String {
        let raw = try text(node, at: path)
        guard let value = Value(rawValue: raw) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: " | ")
            throw fail(.badEnum, path, node, "'\(raw)' is not one of \(allowed)")
        }
        return value
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func show(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The fields of one mapping, with its path for error messages.
struct Fields {
    let reader: YAMLReader
    let node: Node
    let path: String
    let values: [String: Node]

    func path(_ key: String) -> String { YAMLReader.join(path, key) }

    /// The field's node, or nil when absent or written as null.
    func optional(_ key: String) -> Node? {
        guard let value = values[key] else { return nil }
        if case let .scalar(scalar) = value, YAMLReader.isNull(scalar) { return nil }
        return value
    }

    func required(_ key: String) throws -> Node {
        guard let value = optional(key) else {
            throw reader.fail(.missingField, path(key), node, "required field '\(key)' is missing")
        }
        return value
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

extension JSONValue {
    /// The same value as a composed YAML tree, so a stored definition (canonical JSON) is read
    /// by the one builder without going through YAML text.
    var yamlNode: Node {
        switch self {
        case let .object(members): Node(members.map { (Node($0.0, .implicit, .doubleQuoted), $0.1.yamlNode) })
        case let .array(items): Node(items.map(\.yamlNode))
        case let .string(text): Node(text, .implicit, .doubleQuoted)
        case let .int(value): Node(String(value), .implicit, .plain)
        case let .bool(value): Node(value ? "true" : "false", .implicit, .plain)
        case .null: Node("null", .implicit, .plain)
        }
    }
}
