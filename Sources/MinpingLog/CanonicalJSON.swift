import MinpingCore

/// RFC 8785 (JCS) canonical JSON in the restricted profile of the audit log: objects with
/// ASCII keys, arrays, strings, integers of at most 2^53 - 1 in magnitude, and the literals
/// `true`, `false` and `null` (which the results entry needs). No fractions or exponents, so
/// the one hard part of JCS, number formatting, never arises.
///
/// Stored entry bytes are hashed as they are; ``parse(_:)`` refuses any input that is not
/// byte-for-byte what ``encode(_:)`` would write, so a verifier never has to re-serialize.
/// - Seealso: RFC 8785 §3.2, SPEC §5
public enum CanonicalJSON {
    public static let maximumInteger = (1 << 53) - 1

    /// Canonical bytes: members sorted by key (byte order, which for ASCII keys is the
    /// UTF-16 order RFC 8785 §3.2.3 asks for), no whitespace, minimal string escapes.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = ""
        write(value, to: &out)
        return Array(out.utf8)
    }

    public static func encodeString(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case let .object(members):
            out.append("{")
            // Byte order of the keys: for the ASCII keys of the profile, RFC 8785's UTF-16 order.
            let sorted = members.map { (Array($0.0.utf8), $0.0, $0.1) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
            for (index, (_, key, member)) in sorted.enumerated() {
                if index > 0 { out.append(",") }
                JSONValue.string(key).write(to: &out)
                out.append(":")
                write(member, to: &out)
            }
            out.append("}")
        case let .array(elements):
            out.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(",") }
                write(element, to: &out)
            }
            out.append("]")
        default:
            value.write(to: &out)
        }
    }

    /// Parses canonical bytes of the profile; refuses anything else, naming why.
    public static func parse(_ bytes: [UInt8]) throws(CanonicalJSONError) -> JSONValue {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        guard parser.position == bytes.count else { throw .invalid("trailing bytes after the value") }
        guard encode(value) == bytes else { throw .notCanonical }
        return value
    }
}

public enum CanonicalJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    case notCanonical

    public var description: String {
        switch self {
        case let .invalid(reason): "not JSON of the log's profile: \(reason)"
        case .notCanonical: "not in RFC 8785 canonical form"
        }
    }
}

private struct Parser {
    let bytes: [UInt8]
    var position = 0

    static let maximumDepth = 32

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func expect(_ literal: String) throws(CanonicalJSONError) {
        for byte in literal.utf8 {
            guard peek == byte else { throw .invalid("expected '\(literal)' at byte \(position)") }
            position += 1
        }
    }

    mutating func value(depth: Int) throws(CanonicalJSONError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw .invalid("nested too deeply") }
        switch peek {
        case UInt8(ascii: "{"):
            position += 1
            var members: [(String, JSONValue)] = []
            var keys = Set<String>()
            if peek == UInt8(ascii: "}") {
                position += 1
                return .object([])
            }
            while true {
                let key = try string()
                guard key.utf8.allSatisfy({ $0 < 0x80 }) else { throw .invalid("key '\(key)' is not ASCII") }
                guard keys.insert(key).inserted else { throw .invalid("key '\(key)' appears twice") }
                try expect(":")
                members.append((key, try value(depth: depth + 1)))
                if peek == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect("}")
                return .object(members)
            }
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            if peek == UInt8(ascii: "]") {
                position += 1
                return .array([])
            }
            while true {
                elements.append(try value(depth: depth + 1))
                if peek == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect("]")
                return .array(elements)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
            return .int(try integer())
        default:
            throw .invalid("unexpected byte at \(position)")
        }
    }

    mutating func integer() throws(CanonicalJSONError) -> Int {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        if let byte = peek, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw .invalid("only integers are allowed (byte \(position))")
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let value = Int(text), abs(value) <= CanonicalJSON.maximumInteger else {
            throw .invalid("integer '\(text)' is out of range")
        }
        return value
    }

    mutating func string() throws(CanonicalJSONError) -> String {
        try expect("\"")
        var scalars = String.UnicodeScalarView()
        var run = position
        func flush(_ end: Int) throws(CanonicalJSONError) {
            guard let text = String(validating: bytes[run..<end], as: UTF8.self) else {
                throw .invalid("invalid UTF-8 in a string")
            }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard let byte = peek else { throw .invalid("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                try flush(position)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw .invalid("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            try flush(position)
            position += 1
            guard let escape = peek else { throw .invalid("unterminated escape") }
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.count,
                      let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(code)
                else { throw .invalid("bad \\u escape") }
                position += 4
                scalars.append(scalar)
            default:
                throw .invalid("bad escape")
            }
            run = position
        }
    }
}
