import Foundation

/// A JSON value whose objects keep their key order, so output reads as SPEC.md shows it.
///
/// Serialization escapes strings the RFC 8785 way (only `"`, `\` and control characters;
/// everything else, Chinese included, stays as UTF-8), so the same writer can later serve
/// canonical log entries by sorting keys.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case bool(Bool)
    case null

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// Compact UTF-8 text with no insignificant whitespace.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case let .object(members):
            out.append("{")
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(",") }
                JSONValue.writeString(key, to: &out)
                out.append(":")
                value.write(to: &out)
            }
            out.append("}")
        case let .array(elements):
            out.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(",") }
                element.write(to: &out)
            }
            out.append("]")
        case let .string(text): JSONValue.writeString(text, to: &out)
        case let .int(number): out.append(String(number))
        case let .bool(flag): out.append(flag ? "true" : "false")
        case .null: out.append("null")
        }
    }

    /// - Seealso: RFC 8785 §3.2.2.2
    public static func writeString(_ text: String, to out: inout String) {
        out.append("\"")
        // Fast path: nothing to escape (ids, tokens, hashes, most names).
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(text)
            out.append("\"")
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\u{08}": out.append("\\b")
            case "\u{09}": out.append("\\t")
            case "\u{0A}": out.append("\\n")
            case "\u{0C}": out.append("\\f")
            case "\u{0D}": out.append("\\r")
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}

extension String {
    /// Byte order of the UTF-8 encodings: RFC 8785's member order for the log's ASCII keys.
    /// A memcmp on the strings' contiguous storage (native strings have it); the generic
    /// sequence comparison otherwise. Sorting 40 keys per ballot made the generic one show.
    public func utf8Precedes(_ other: String) -> Bool {
        let fast = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b -> Bool in
                let common = Swift.min(a.count, b.count)
                let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                return order != 0 ? order < 0 : a.count < b.count
            }
        }
        if let fast, let result = fast { return result }
        return utf8.lexicographicallyPrecedes(other.utf8)
    }
}

extension JSONValue: Encodable {
    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Written as it is: ``JSONValueEncoder`` keeps the members' order; other encoders may not.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case let .object(members):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in members { try container.encode(value, forKey: Key(stringValue: key)) }
        case let .array(elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case let .string(text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case let .int(number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case let .bool(flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        }
    }
}
