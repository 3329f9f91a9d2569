import Foundation
import MinpingCore

/// A supplementary round's sealed issuing key and the subjects its ballots rate.
public struct RoundKey: Sendable, Equatable {
    public var round: Int
    public var sealed: Data
    public var subjects: [String]

    public init(round: Int, sealed: Data, subjects: [String]) {
        self.round = round
        self.sealed = sealed
        self.subjects = subjects
    }
}

extension RoundKey {
    /// A round's subjects as the stores keep them: a JSON array of ids.
    public static func encode(_ subjects: [String]) -> String {
        var out = "["
        for (index, id) in subjects.enumerated() {
            if index > 0 { out.append(",") }
            JSONValue.writeString(id, to: &out)
        }
        return out + "]"
    }

    public static func decode(_ text: String) throws(StoreError) -> [String] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw .integrity("a round's stored subjects do not read back: \(error)")
        }
        guard let ids = parsed as? [String] else { throw .integrity("a round's stored subjects are not an array of ids") }
        return ids
    }
}
