import Foundation
import MinpingCore
import MinpingTokens

/// One evaluation's audit log in memory: a ``LogHead`` that chains the entries and signs
/// checkpoints, plus the entries and checkpoints themselves. The service keeps only the head
/// and lets the store hold the rest; tests, samples and benchmarks use this.
/// - Seealso: SPEC §5
public struct EvaluationLog: Sendable {
    public private(set) var head: LogHead
    public private(set) var entries: [LogEntry] = []
    /// Every checkpoint ever signed, oldest first.
    public private(set) var checkpoints: [String] = []
    /// The results of the latest `results` entry appended.
    public private(set) var latestResults: JSONValue?

    public var origin: String { head.origin }
    public var tree: MerkleTree { head.tree }

    public static let defaultPrefix = "minping"

    public static func origin(prefix: String = defaultPrefix, street: String, evaluation: String) -> String {
        "\(prefix)/\(street)/\(evaluation)"
    }

    /// The name of a street's log key (one key signs every log of the street).
    public static func keyName(prefix: String = defaultPrefix, street: String) -> String {
        "\(prefix)/\(street)"
    }

    public init(origin: String, signer: LogSigner) {
        head = LogHead(origin: origin, signer: signer, leafHashes: [])
    }

    /// Appends an entry with the common fields (`v`, `seq`, `prev`, `type`) filled in.
    @discardableResult
    public mutating func append(_ event: AuditEvent) throws(LogEntryError) -> LogEntry {
        let entry = try head.append(event)
        if case let .results(_, _, results) = event { latestResults = results }
        entries.append(entry)
        return entry
    }

    /// Signs a checkpoint of the current tree and keeps it.
    @discardableResult
    public mutating func checkpoint() throws(NoteError) -> String {
        let note = try head.checkpoint()
        checkpoints.append(note)
        return note
    }

    public var verifierKey: String { head.signer.verifier.verifierKey }

    /// The reviewer's bundle of everything in this log.
    public func bundle(definition: EvaluationDefinition, tokenKey: TokenPublicKey) -> AuditBundle {
        AuditBundle(
            definition: CanonicalJSON.encode(definition.jsonValue),
            entries: entries.map(\.bytes),
            checkpoints: checkpoints,
            keys: AuditBundle.Keys(
                tokenKeySPKI: tokenKey.spki.base64EncodedString(), tokenKeyID: tokenKey.tokenKeyID.hex,
                logVerifierKey: verifierKey),
            results: latestResults.map(CanonicalJSON.encode))
    }
}

extension LogEntry {
    /// A new entry with the common fields (`v`, `seq`, `prev`, `type`) filled in.
    /// Parsing the bytes back keeps one code path and refuses what the log cannot hold (an
    /// integer beyond ±2^53, say) as an error, never a crash.
    public static func make(seq: Int, prev: Data?, _ event: AuditEvent) throws(LogEntryError) -> LogEntry {
        try LogEntry(bytes: encode(seq: seq, prev: prev?.hex ?? zeroHash, event))
    }

    /// `make(seq:prev:.ballot(token, ratings))` for ratings given as their canonical JSON:
    /// the members in canonical order are prev, ratings, seq, token, type, v.
    public static func ballot(seq: Int, prev: Data?, token: String, storedRatings: String) throws(LogEntryError) -> LogEntry {
        var text = #"{"prev":""#
        text.reserveCapacity(storedRatings.utf8.count + token.utf8.count + 160)
        text.append(prev?.hex ?? zeroHash)
        text.append(#"","ratings":"#)
        text.append(storedRatings)
        text.append(#","seq":"#)
        text.append(String(seq))
        text.append(#","token":"#)
        JSONValue.writeString(token, to: &text)
        text.append(#","type":"ballot","v":1}"#)
        return try LogEntry(bytes: Array(text.utf8))
    }

    /// The canonical bytes of `{"v":1,"seq":N,"prev":…,"type":…}` plus the event's fields.
    static func encode(seq: Int, prev: String, _ event: AuditEvent) -> [UInt8] {
        CanonicalJSON.encode(.object([
            ("v", .int(1)), ("seq", .int(seq)), ("prev", .string(prev)), ("type", .string(event.type.rawValue)),
        ] + event.fields))
    }
}

/// The head of a stored log: enough to append entries and sign checkpoints without holding
/// the entries themselves (the service keeps one per evaluation; the store keeps the bytes).
public struct LogHead: Sendable {
    public let origin: String
    let signer: LogSigner
    public private(set) var tree: MerkleTree

    public init(origin: String, signer: LogSigner, leafHashes: [Data]) {
        self.origin = origin
        self.signer = signer
        tree = MerkleTree(leafHashes: leafHashes)
    }

    public var size: Int { tree.size }

    public mutating func append(_ event: AuditEvent) throws(LogEntryError) -> LogEntry {
        let entry = try LogEntry.make(seq: tree.size, prev: tree.size > 0 ? tree.leafHash(at: tree.size - 1) : nil, event)
        tree.append(leafHash: entry.leafHash)
        return entry
    }

    /// Appends a ballot entry whose ratings are already canonical JSON (as the stores keep
    /// them): the bytes are spliced, not re-encoded, then parsed like any stored entry, so
    /// anything not of the log's profile is refused here, never logged.
    public mutating func appendBallot(token: String, storedRatings: String) throws(LogEntryError) -> LogEntry {
        let entry = try LogEntry.ballot(seq: tree.size, prev: tree.size > 0 ? tree.leafHash(at: tree.size - 1) : nil,
                                        token: token, storedRatings: storedRatings)
        tree.append(leafHash: entry.leafHash)
        return entry
    }

    /// A signed checkpoint of the tree as it is now.
    public func checkpoint() throws(NoteError) -> String {
        try Checkpoint(origin: origin, size: tree.size, root: tree.root()).signed(by: signer)
    }

    /// The receipt of the ballot at `seq` against `checkpoint` (which must include it).
    public func receipt(seq: Int, checkpoint note: String) -> Receipt? {
        guard let checkpoint = Checkpoint.unverified(note), seq < checkpoint.size, checkpoint.size <= tree.size else { return nil }
        let prev = seq > 0 ? tree.leafHash(at: seq - 1) : Data(count: Merkle.hashLength)
        return Receipt(index: seq, prev: prev, proof: tree.inclusionProof(index: seq, size: checkpoint.size), checkpoint: note)
    }
}
