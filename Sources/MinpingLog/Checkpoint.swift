import Foundation

/// A C2SP tlog-checkpoint: `<origin>\n<size>\n<base64 root>\n`, signed as a note.
/// - Seealso: c2sp.org/tlog-checkpoint, SPEC §5
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: Int
    public let root: Data

    public init(origin: String, size: Int, root: Data) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    public var body: String {
        "\(origin)\n\(size)\n\(root.base64EncodedString())\n"
    }

    public func signed(by signer: LogSigner) throws(NoteError) -> String {
        try signer.sign(body)
    }

    /// Parses a checkpoint body (extension lines, if any, are ignored).
    public init(body: String) throws(NoteError) {
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard body.hasSuffix("\n"), lines.count >= 4, !lines[0].isEmpty,
              let size = Int(lines[1]), size >= 0, String(size) == lines[1],
              let root = Data(base64Encoded: String(lines[2])), root.count == Merkle.hashLength
        else { throw .malformed("a checkpoint body is origin, size and base64 root hash, one per line") }
        self.init(origin: String(lines[0]), size: size, root: root)
    }

    /// Reads a signed checkpoint without checking its signature: for naming files and
    /// reporting failures, never for trusting it.
    public static func unverified(_ note: String) -> Checkpoint? {
        (try? SignedNote(note)).flatMap { try? Checkpoint(body: $0.text) }
    }

    /// The size a note claims on its second line, unverified: for naming its file and
    /// reporting where it failed, never for trusting it.
    public static func claimedSize(_ note: String) -> Int? {
        let lines = note.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        return lines.count > 1 ? decimal(lines[1]) : nil
    }

    /// A size written as checkpoints write it: decimal digits without leading zeros.
    public static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              text == "0" || !text.hasPrefix("0"), let value = Int(text) else { return nil }
        return value
    }

    /// Verifies a signed checkpoint with the log's key and parses it.
    public static func open(_ note: String, verifier: NoteVerifier) throws(NoteError) -> Checkpoint {
        try Checkpoint(body: verifier.open(note))
    }
}
