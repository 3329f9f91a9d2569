import Yams

extension EvaluationDefinition {
    /// The definition as YAML for the record (`definition.yaml`): the same fields and order
    /// as ``jsonValue``, emitted by Yams. ``DefinitionParser`` reads it back to an equal
    /// definition.
    public var yaml: String {
        // Emitting a tree of plain scalars and collections cannot fail; the JSON form is YAML too.
        (try? Yams.serialize(node: Self.node(jsonValue), width: -1, allowUnicode: true)) ?? jsonValue.serialized
    }

    private static func node(_ value: JSONValue) -> Node {
        switch value {
        case let .object(fields):
            return .mapping(Node.Mapping(fields.map { (text($0.0), node($0.1)) }))
        case let .array(items):
            return .sequence(Node.Sequence(items.map(node)))
        case let .string(string):
            return text(string)
        case let .int(number):
            return Node(String(number), Tag(.int))
        case let .bool(flag):
            return Node(flag ? "true" : "false", Tag(.bool))
        case .null:
            return Node("null", Tag(.null))
        }
    }

    /// Text, quoted when plain YAML would read it as something else ("123", "true", "null").
    private static func text(_ string: String) -> Node {
        let plain = Resolver.default.resolveTag(of: Node(string)) == .str
        return Node(string, Tag(.str), plain ? .any : .doubleQuoted)
    }
}
