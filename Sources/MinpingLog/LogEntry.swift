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
        guard case let .int(seq)? = fields["seq"], seq >= 0 else { throw .invalid("\"seq\" must be a whole number") }
        guard case let .string(prev)? = fields["prev"], prev.count == 64,
              prev.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw .invalid("\"prev\" must be 64 lowercase hex digits") }
        guard case let .string(typeName)? = fields["type"], let type = EntryType(rawValue: typeName) else {
            throw .invalid("unknown entry type")
        }
        self.bytes = bytes
        leafHash = Merkle.leafHash(bytes)
        self.seq = seq
        self.prev = prev
        self.type = type
        self.fields = fields
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

    public init?(hex: String) {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}

/// Timestamps in entries: RFC 3339 UTC with seconds, e.g. `2026-11-22T09:30:00Z`.
public enum LogTime {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
