import Foundation
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
            let sorted = members.sorted { $0.0.utf8Precedes($1.0) }
            for (index, (key, member)) in sorted.enumerated() {
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
        // The parser admits only canonical text (no whitespace, ascending keys, plain
        // integers, minimal escapes), so writing the value back gives the same bytes.
        assert(encode(value) == bytes, "the parser admitted non-canonical JSON")
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
            if peek == UInt8(ascii: "}") {
                position += 1
                return .object([])
            }
            while true {
                let key = try string()
                guard key.utf8.allSatisfy({ $0 < 0x80 }) else { throw .invalid("key '\(key)' is not ASCII") }
                // Canonical keys ascend strictly, which also rules out duplicates.
                if let last = members.last?.0, !last.utf8Precedes(key) {
                    throw last == key ? .invalid("key '\(key)' appears twice") : .notCanonical
                }
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
        // Canonical integers have no leading zero and no "-0".
        if peek == UInt8(ascii: "0") {
            let negative = position > start
            let leadingZero = position + 1 < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position + 1])
            if negative || leadingZero { throw .notCanonical }
        }
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
        var text = ""
        var run = position
        // Validated from contiguous memory: the slice's generic path is slow, and this runs for
        // every string of every entry. `String(decoding:)` is the specialised path but repairs
        // invalid UTF-8 with U+FFFD, so a part whose bytes changed was not valid UTF-8.
        func flush(_ end: Int) throws(CanonicalJSONError) {
            let part: String? = bytes.withUnsafeBufferPointer { buffer in
                let raw = UnsafeBufferPointer(rebasing: buffer[run..<end])
                var decoded = String(decoding: raw, as: UTF8.self)
                let same = decoded.withUTF8 { repaired in
                    repaired.count == raw.count && (raw.isEmpty || memcmp(repaired.baseAddress!, raw.baseAddress!, raw.count) == 0)
                }
                return same ? decoded : nil
            }
            guard let part else { throw .invalid("invalid UTF-8 in a string") }
            text.isEmpty ? (text = part) : text.append(part)
        }
        while true {
            // Skip to the next quote, backslash or control character.
            position = bytes.withUnsafeBufferPointer { buffer in
                var index = position
                while index < buffer.count {
                    let byte = buffer[index]
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                    index += 1
                }
                return index
            }
            guard let byte = peek else { throw .invalid("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                try flush(position)
                position += 1
                return text
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
            // RFC 8785 §3.2.2.2: only these escapes, and \u00xx (lowercase) only for the
            // control characters without a short form.
            switch escape {
            case UInt8(ascii: "\""): text.unicodeScalars.append("\"")
            case UInt8(ascii: "\\"): text.unicodeScalars.append("\\")
            case UInt8(ascii: "b"): text.unicodeScalars.append("\u{08}")
            case UInt8(ascii: "f"): text.unicodeScalars.append("\u{0C}")
            case UInt8(ascii: "n"): text.unicodeScalars.append("\n")
            case UInt8(ascii: "r"): text.unicodeScalars.append("\r")
            case UInt8(ascii: "t"): text.unicodeScalars.append("\t")
            case UInt8(ascii: "u"):
                guard position + 4 <= bytes.count, bytes[position..<position + 4].allSatisfy({ $0.isLowerHexDigit }),
                      let code = UInt8(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
                else { throw .invalid("bad \\u escape") }
                guard code < 0x20, ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(code) else { throw .notCanonical }
                position += 4
                text.unicodeScalars.append(Unicode.Scalar(code))
            case UInt8(ascii: "/"):
                throw .notCanonical
            default:
                throw .invalid("bad escape")
            }
            run = position
        }
    }
}

private extension UInt8 {
    var isLowerHexDigit: Bool { (0x30...0x39).contains(self) || (0x61...0x66).contains(self) }
}
