import Foundation
import MinpingCore

/// How every store keeps a ballot's ratings: compact JSON with sorted keys (Foundation's
/// sortedKeys writer is far too slow for the ballot path), read back strictly.
public enum StoredRatings {
    /// Canonical JSON (RFC 8785, the log's profile) of the ratings object: keys in byte order.
    /// Written directly, not through a JSONValue: this runs once per ballot accepted.
    public static func encode(_ ratings: [String: String]) -> String {
        var out = "{"
        out.reserveCapacity(ratings.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (index, (subject, option)) in ratings.sorted(by: { $0.key.utf8Precedes($1.key) }).enumerated() {
            if index > 0 { out.append(",") }
            JSONValue.writeString(subject, to: &out)
            out.append(":")
            JSONValue.writeString(option, to: &out)
        }
        out.append("}")
        return out
    }

    /// A stored ballot's ratings; anything but an object of strings is an integrity failure.
    public static func decode(_ text: String) throws(StoreError) -> [String: String] {
        guard let ratings = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] else {
            throw .integrity("a stored ballot's ratings are not an object of option ids")
        }
        return ratings
    }
}
