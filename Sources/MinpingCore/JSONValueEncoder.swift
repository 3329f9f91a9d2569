import Foundation

/// Encodes an `Encodable` value as a ``JSONValue`` whose objects keep the order the value
/// encodes its keys in (a synthesized `Encodable` encodes properties in declaration order), so a
/// response struct declared in SPEC order is written in SPEC order.
///
/// The conventions of SPEC §7, once: property names become snake_case (`tokenKeyID` →
/// `token_key_id`); a `nil` optional is written as `null` (a field marked ``OmittedIfNil`` is
/// left out instead); a `Date` is written in ``LogTime`` format; a ``JSONValue`` is written as
/// it is.
public struct JSONValueEncoder: Sendable {
    /// snake_case for the API; as declared for a page's view model (its template's names).
    public enum Keys: Sendable {
        case snakeCase, asDeclared
    }

    public var keys: Keys

    public init(keys: Keys = .snakeCase) {
        self.keys = keys
    }

    public func encode(_ value: some Encodable) throws -> JSONValue {
        try Self.encode(value, codingPath: [], keys: keys)
    }

    static func encode(_ value: some Encodable, codingPath: [any CodingKey], keys: Keys) throws -> JSONValue {
        switch value {
        case let json as JSONValue: return json
        case let date as Date: return .string(LogTime.format(date))
        case let text as String: return .string(text)
        case let number as Int: return .int(number)
        case let flag as Bool: return .bool(flag)
        default:
            let node = Node()
            try value.encode(to: NodeEncoder(node: node, codingPath: codingPath, keys: keys))
            return node.json
        }
    }

    /// `tokenKeyID` → `token_key_id`: a run of capitals is one word.
    static func snakeCase(_ key: String) -> String {
        guard key.contains(where: \.isUppercase) else { return key }
        let characters = Array(key)
        var out = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    out.append("_")
                }
            }
            out.append(contentsOf: character.lowercased())
        }
        return out
    }
}

/// A field written only when it has a value (SPEC §7 leaves some members out rather than
/// writing `null`, a member's `organization` for one).
@propertyWrapper
public struct OmittedIfNil<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

private protocol Omittable {
    var isAbsent: Bool { get }
}

extension OmittedIfNil: Omittable {
    var isAbsent: Bool { wrappedValue == nil }
}

/// What is being built: a value, an object whose members may still grow, or an array.
private final class Node {
    enum Content {
        case empty
        case value(JSONValue)
        case object([(String, Node)])
        case array([Node])
    }

    var content: Content = .empty

    init(_ content: Content = .empty) {
        self.content = content
    }

    var json: JSONValue {
        switch content {
        case .empty: .object([])
        case let .value(value): value
        case let .object(members): .object(members.map { ($0.0, $0.1.json) })
        case let .array(elements): .array(elements.map(\.json))
        }
    }

    func becomeObject() {
        if case .object = content { return }
        content = .object([])
    }

    func becomeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func add(_ key: String, _ child: Node) {
        guard case var .object(members) = content else { return }
        members.append((key, child))
        content = .object(members)
    }

    func append(_ child: Node) {
        guard case var .array(elements) = content else { return }
        elements.append(child)
        content = .array(elements)
    }

    var count: Int {
        if case let .array(elements) = content { return elements.count }
        return 0
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { String(intValue ?? 0) }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct NodeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    let keys: JSONValueEncoder.Keys
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedNode<Key>(node: node, codingPath: codingPath, keys: keys))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedNode(node: node, codingPath: codingPath, keys: keys)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleNode(node: node, codingPath: codingPath, keys: keys)
    }
}

private func child(_ value: some Encodable, _ codingPath: [any CodingKey], _ keys: JSONValueEncoder.Keys) throws -> Node {
    Node(.value(try JSONValueEncoder.encode(value, codingPath: codingPath, keys: keys)))
}

private func number(_ value: some BinaryInteger, _ codingPath: [any CodingKey]) throws -> JSONValue {
    guard let int = Int(exactly: value) else {
        throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "does not fit an Int"))
    }
    return .int(int)
}

private func unsupported(_ value: Any, _ codingPath: [any CodingKey]) -> EncodingError {
    EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSONValue has no floating-point numbers"))
}

private struct KeyedNode<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]
    let keys: JSONValueEncoder.Keys

    private func name(_ key: Key) -> String { keys == .snakeCase ? JSONValueEncoder.snakeCase(key.stringValue) : key.stringValue }
    private func put(_ value: JSONValue, _ key: Key) { node.add(name(key), Node(.value(value))) }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw unsupported(value, codingPath + [key]) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw unsupported(value, codingPath + [key]) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(try number(value, codingPath), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(try number(value, codingPath), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let omittable = value as? any Omittable, omittable.isAbsent { return }
        node.add(name(key), try child(value, codingPath + [key], keys))
    }

    // A nil optional is written as null (SPEC §7 shows absent values so), not left out.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOptional(value, key) }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { put(.null, key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = Node(.object([]))
        node.add(name(key), nested)
        return KeyedEncodingContainer(KeyedNode<NestedKey>(node: nested, codingPath: codingPath + [key], keys: keys))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = Node(.array([]))
        node.add(name(key), nested)
        return UnkeyedNode(node: nested, codingPath: codingPath + [key], keys: keys)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let nested = Node()
        node.add(name(key), nested)
        return NodeEncoder(node: nested, codingPath: codingPath + [key], keys: keys)
    }
}

private struct UnkeyedNode: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    let keys: JSONValueEncoder.Keys
    var count: Int { node.count }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(intValue: count)] }

    mutating func encodeNil() throws { node.append(Node(.value(.null))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.append(try child(value, nextPath, keys))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = Node(.object([]))
        let path = nextPath
        node.append(nested)
        return KeyedEncodingContainer(KeyedNode<NestedKey>(node: nested, codingPath: path, keys: keys))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = Node(.array([]))
        let path = nextPath
        node.append(nested)
        return UnkeyedNode(node: nested, codingPath: path, keys: keys)
    }

    mutating func superEncoder() -> any Encoder {
        let nested = Node()
        let path = nextPath
        node.append(nested)
        return NodeEncoder(node: nested, codingPath: path, keys: keys)
    }
}

private struct SingleNode: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    let keys: JSONValueEncoder.Keys

    mutating func encodeNil() throws { node.content = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        node.content = .value(try JSONValueEncoder.encode(value, codingPath: codingPath, keys: keys))
    }
}
