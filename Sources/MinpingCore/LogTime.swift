import Foundation

/// Timestamps in entries: RFC 3339 UTC with seconds, e.g. `2026-11-22T09:30:00Z`.
public enum LogTime {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// Exactly `YYYY-MM-DDTHH:MM:SSZ`: no offsets, no fractions, so every verifier reads the
    /// same instant from the same bytes.
    public static func parse(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        let pattern = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
        guard digits.count == pattern.count,
              zip(digits, pattern).allSatisfy({ $1 == UInt8(ascii: "d") ? (0x30...0x39).contains($0) : $0 == $1 }),
              let date = try? Date(text, strategy: .iso8601), format(date) == text
        else { return nil }
        return date
    }
}
