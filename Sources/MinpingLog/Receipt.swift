import Crypto
import Foundation
import MinpingCore

/// The receipt handle of a ballot: lowercase hex SHA-256 of the JCS bytes of
/// `{"ratings":{...},"token":"..."}`, computed by the voter's device from what it sent.
/// - Seealso: SPEC §1 (tracker)
public enum Tracker {
    public static func of(token: String, ratings: [String: String]) -> String {
        let value = JSONValue.object([
            ("ratings", .object(ratings.map { ($0.key, .string($0.value)) })), ("token", .string(token)),
        ])
        return Data(SHA256.hash(data: CanonicalJSON.encode(value))).hex
    }

    /// The same, from the ratings' canonical JSON (``StoredRatings``), spliced rather than
    /// sorted again: `{"ratings":…,"token":…}` is already in canonical order.
    public static func of(token: String, storedRatings: String) -> String {
        var text = #"{"ratings":"#
        text.reserveCapacity(storedRatings.utf8.count + token.utf8.count + 24)
        text.append(storedRatings)
        text.append(#","token":"#)
        JSONValue.writeString(token, to: &text)
        text.append("}")
        return Data(SHA256.hash(data: Array(text.utf8))).hex
    }

    /// The tracker of a ballot entry, or nil for other entries.
    public static func of(_ entry: LogEntry) -> String? {
        guard case let .ballot(token, ratings)? = try? entry.event() else { return nil }
        return of(token: token, ratings: ratings)
    }
}

/// A ballot's receipt in `c2sp.org/tlog-proof@v1` form:
/// ```
/// c2sp.org/tlog-proof@v1
/// extra <base64 of the 32-byte `prev` of the ballot entry>
/// index <seq>
/// <base64 proof hash>…
///
/// <signed checkpoint>
/// ```
/// The `extra` line carries the one thing the voter cannot know, the previous entry's leaf
/// hash (public anyway), so the device rebuilds the exact entry bytes from its own token and
/// ratings and checks that exactly those bytes are in the signed tree. A ballot altered or
/// dropped by the server fails.
/// - Seealso: c2sp.org/tlog-proof, SPEC §5 (Receipts)
public struct Receipt: Sendable, Equatable {
    public static let header = "c2sp.org/tlog-proof@v1"

    public let index: Int
    public let prev: Data
    public let proof: [Data]
    public let checkpoint: String

    public init(index: Int, prev: Data, proof: [Data], checkpoint: String) {
        self.index = index
        self.prev = prev
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var text: String {
        ([Self.header, "extra \(prev.base64EncodedString())", "index \(index)"] + proof.map { $0.base64EncodedString() })
            .joined(separator: "\n") + "\n\n" + checkpoint
    }

    public init(text: String) throws(NoteError) {
        guard let split = text.range(of: "\n\n") else { throw .malformed("a tlog proof needs a blank line before the checkpoint") }
        let lines = text[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines[0] == Self.header, lines[1].hasPrefix("extra "),
              let prev = Data(base64Encoded: String(lines[1].dropFirst(6))), prev.count == Merkle.hashLength,
              lines[2].hasPrefix("index "), let index = Int(lines[2].dropFirst(6)), index >= 0,
              String(index) == lines[2].dropFirst(6)
        else { throw .malformed("not a c2sp.org/tlog-proof@v1 receipt with extra and index lines") }
        var proof: [Data] = []
        for line in lines.dropFirst(3) {
            guard let hash = Data(base64Encoded: String(line)), hash.count == Merkle.hashLength else {
                throw .malformed("proof lines are base64 SHA-256 hashes")
            }
            proof.append(hash)
        }
        self.init(index: index, prev: prev, proof: proof, checkpoint: String(text[split.upperBound...]))
    }

    /// The exact ballot entry bytes this receipt speaks of, rebuilt from the voter's own data.
    public func entryBytes(token: String, ratings: [String: String]) -> [UInt8] {
        LogEntry.encode(seq: index, prev: prev.hex, .ballot(token: token, ratings: ratings))
    }

    /// Checks that the voter's ballot, exactly as sent, is in the tree of a checkpoint signed
    /// by the log key for this origin; returns that checkpoint.
    public func verify(token: String, ratings: [String: String], verifier: NoteVerifier, origin: String) throws(NoteError) -> Checkpoint {
        let checkpoint = try Checkpoint.open(self.checkpoint, verifier: verifier)
        guard checkpoint.origin == origin else { throw .malformed("the checkpoint is for another log") }
        let leaf = Merkle.leafHash(entryBytes(token: token, ratings: ratings))
        guard Merkle.verifyInclusion(index: index, size: checkpoint.size, leafHash: leaf, proof: proof, root: checkpoint.root) else {
            throw .badSignature
        }
        return checkpoint
    }
}

extension EvaluationLog {
    /// The receipt of the ballot with this tracker against the latest checkpoint; nil when no
    /// such ballot exists or the latest checkpoint does not yet include it (pending).
    public func receipt(tracker: String) -> Receipt? {
        guard let latest = checkpoints.last, let entry = entries.first(where: { Tracker.of($0) == tracker }) else { return nil }
        return head.receipt(seq: entry.seq, checkpoint: latest)
    }
}
