import Foundation
import MinpingCore

/// The kinds of audit entries and their fields.
/// - Seealso: SPEC §5 ("Types and their fields")
public enum EntryType: String, Sendable, CaseIterable {
    case created
    case slipsIssued = "slips_issued"
    case tokenIssued = "token_issued"
    case opened
    case ballot
    case closed
    case results
    case appealFiled = "appeal_filed"
    case appealResolved = "appeal_resolved"
    case annulled
    // Remedies (SPEC §5, §6).
    case withheld
    case corrected
    case revoteOpened = "revote_opened"
    case slipsVoided = "slips_voided"

    /// The fields an entry of this type carries besides `v`, `seq`, `prev` and `type`, each
    /// with its kind; `optional` ones may be absent. Anything else is refused.
    /// - Seealso: SPEC §5 ("Types and their fields")
    var fields: [(name: String, kind: FieldKind, optional: Bool)] {
        switch self {
        case .created: [("definition", .object, false), ("token_key_spki", .string, false),
                        ("token_key_id", .string, false), ("log_verifier_key", .string, false)]
        case .slipsIssued: [("count", .int, false), ("issued", .int, false)]
        case .tokenIssued: [("issued", .int, false)]
        case .opened: [("at", .string, false)]
        case .ballot: [("token", .string, false), ("ratings", .ratings, false)]
        case .closed: [("at", .string, false), ("ballots", .int, false), ("issued", .int, false)]
        case .results: [("stage", .string, false), ("at", .string, false), ("results", .object, false)]
        case .appealFiled: [("appeal", .string, false), ("subject", .string, true), ("text_sha256", .sha256, false)]
        case .appealResolved: [("appeal", .string, false), ("outcome", .string, false), ("note_sha256", .sha256, false),
                               ("remedy", .string, true)]
        case .annulled: [("at", .string, false), ("reason_sha256", .sha256, false)]
        case .withheld: [("subject", .string, false), ("star", .string, false), ("reason", .string, false), ("appeal", .string, true)]
        case .corrected: [("subject", .string, false), ("name", .string, true), ("organization", .string, true),
                          ("appeal", .string, false)]
        case .slipsVoided: [("batch", .string, false), ("count", .int, false), ("issued", .int, false)]
        case .revoteOpened: [("round", .int, false), ("subjects", .strings, false), ("token_key_spki", .string, false),
                             ("token_key_id", .string, false), ("appeal", .string, false)]
        }
    }
}

/// The shape of an entry field.
enum FieldKind: CustomStringConvertible {
    case string, int, object
    /// An object whose values are strings (subject id → option id).
    case ratings
    /// An array of strings (subject ids).
    case strings
    /// 64 lowercase hex digits.
    case sha256

    var description: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .object: "an object"
        case .ratings: "an object of option ids"
        case .strings: "an array of strings"
        case .sha256: "64 lowercase hex digits"
        }
    }

    func admits(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.string, .string), (.int, .int), (.object, .object): true
        case let (.ratings, .object(members)): members.allSatisfy { if case .string = $0.1 { true } else { false } }
        case let (.strings, .array(items)): items.allSatisfy { if case .string = $0 { true } else { false } }
        case let (.sha256, .string(text)): isLowercaseHex64(text)
        default: false
        }
    }
}

func isLowercaseHex64(_ text: String) -> Bool {
    text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
}

/// One audit entry: its exact stored bytes (canonical JSON) and what they say.
///
/// Every entry is `{"v":1,"seq":N,"prev":"<hex leaf hash of N-1>","type":...}` plus its fields.
public struct LogEntry: Sendable {
    public let bytes: [UInt8]
    public let seq: Int
    public let prev: String
    public let type: EntryType
    public let fields: [String: JSONValue]
    /// The entry's members in their stored (canonical) order.
    public let members: [(String, JSONValue)]

    public static let zeroHash = String(repeating: "0", count: 64)

    /// Parses stored bytes, refusing anything non-canonical or without the common fields.
    public init(bytes: [UInt8]) throws(LogEntryError) {
        let value: JSONValue
        do {
            value = try CanonicalJSON.parse(bytes)
        } catch {
            throw .invalid(error.description)
        }
        guard case let .object(members) = value else { throw .invalid("an entry is a JSON object") }
        let fields = Dictionary(members, uniquingKeysWith: { first, _ in first })
        guard fields["v"] == .int(1) else { throw .invalid("\"v\" must be 1") }
        guard case let .int(seq)? = fields["seq"] else { throw .invalid("\"seq\" must be an integer") }
        guard case let .string(prev)? = fields["prev"], isLowercaseHex64(prev) else {
            throw .invalid("\"prev\" must be 64 lowercase hex digits")
        }
        guard case let .string(typeName)? = fields["type"], let type = EntryType(rawValue: typeName) else {
            throw .invalid("unknown entry type")
        }
        let shape = type.fields
        for (name, kind, optional) in shape {
            guard let value = fields[name] else {
                if optional { continue }
                throw .invalid("a '\(typeName)' entry needs \"\(name)\"")
            }
            guard kind.admits(value) else { throw .invalid("\"\(name)\" of a '\(typeName)' entry is not \(kind)") }
        }
        let known = Set(["v", "seq", "prev", "type"] + shape.map(\.name))
        if let extra = members.first(where: { !known.contains($0.0) }) {
            throw .invalid("a '\(typeName)' entry has no field \"\(extra.0)\"")
        }
        self.bytes = bytes
        leafHash = Merkle.leafHash(bytes)
        self.seq = seq
        self.prev = prev
        self.type = type
        self.fields = fields
        self.members = members
    }

    /// RFC 9162 leaf hash of the stored bytes, computed once when the entry is read or made.
    public let leafHash: Data

    public func string(_ key: String) -> String? {
        if case let .string(value)? = fields[key] { return value }
        return nil
    }

    public func int(_ key: String) -> Int? {
        if case let .int(value)? = fields[key] { return value }
        return nil
    }
}

public enum LogEntryError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(reason): reason
        }
    }
}

extension Data {
    /// Lowercase hex, without `String(format:)` (slow on Linux, and this runs per entry).
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 2)
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Hex digits in either case; nil for an odd count or anything else.
    public init?(hex: String) {
        func digit(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let utf8 = hex.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8?
        for c in utf8 {
            guard let value = digit(c) else { return nil }
            if let h = high {
                bytes.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        self.init(bytes)
    }
}
