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
    public mutating func append(_ type: EntryType, _ fields: [(String, JSONValue)]) -> LogEntry {
        let entry = head.append(type, fields)
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
        let latestResults = entries.last { $0.type == .results }?.fields["results"]
        return AuditBundle(
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
    public static func make(seq: Int, prev: Data?, _ type: EntryType, _ fields: [(String, JSONValue)]) -> LogEntry {
        let value = JSONValue.object([
            ("v", .int(1)), ("seq", .int(seq)), ("prev", .string(prev?.hex ?? zeroHash)), ("type", .string(type.rawValue)),
        ] + fields)
        // Entries we build are canonical by construction; parsing them back keeps one code path.
        guard let entry = try? LogEntry(bytes: CanonicalJSON.encode(value)) else {
            preconditionFailure("an entry built from JSONValue must parse")
        }
        return entry
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

    public mutating func append(_ type: EntryType, _ fields: [(String, JSONValue)]) -> LogEntry {
        let entry = LogEntry.make(seq: tree.size, prev: tree.size > 0 ? tree.leafHash(at: tree.size - 1) : nil, type, fields)
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

/// The fields of each entry type, so every writer builds them the same way.
/// - Seealso: SPEC §5 ("Types and their fields")
public enum Entries {
    public static func created(definition: EvaluationDefinition, tokenKey: TokenPublicKey, logVerifierKey: String) -> [(String, JSONValue)] {
        [
            ("definition", definition.jsonValue),
            ("token_key_spki", .string(tokenKey.spki.base64EncodedString())),
            ("token_key_id", .string(tokenKey.tokenKeyID.hex)),
            ("log_verifier_key", .string(logVerifierKey)),
        ]
    }

    public static func slipsIssued(count: Int, issued: Int) -> [(String, JSONValue)] {
        [("count", .int(count)), ("issued", .int(issued))]
    }

    public static func tokenIssued(issued: Int) -> [(String, JSONValue)] {
        [("issued", .int(issued))]
    }

    public static func opened(at: Date) -> [(String, JSONValue)] {
        [("at", .string(LogTime.format(at)))]
    }

    /// No time, no address, no identity: only the token and the ratings.
    public static func ballot(token: String, ratings: [String: String]) -> [(String, JSONValue)] {
        [("token", .string(token)), ("ratings", .object(ratings.map { ($0.key, .string($0.value)) }))]
    }

    public static func closed(at: Date, ballots: Int, issued: Int) -> [(String, JSONValue)] {
        [("at", .string(LogTime.format(at))), ("ballots", .int(ballots)), ("issued", .int(issued))]
    }

    public static func results(_ results: EvaluationResults, at: Date) -> [(String, JSONValue)] {
        [("stage", .string(results.stage?.rawValue ?? "")), ("at", .string(LogTime.format(at))), ("results", results.jsonValue)]
    }

    public static func appealFiled(appeal: String, subject: String?, textSHA256: String) -> [(String, JSONValue)] {
        [("appeal", .string(appeal))] + (subject.map { [("subject", JSONValue.string($0))] } ?? []) + [("text_sha256", .string(textSHA256))]
    }

    public static func appealResolved(appeal: String, upheld: Bool, noteSHA256: String) -> [(String, JSONValue)] {
        [("appeal", .string(appeal)), ("outcome", .string(upheld ? "upheld" : "dismissed")), ("note_sha256", .string(noteSHA256))]
    }

    public static func annulled(at: Date, reasonSHA256: String) -> [(String, JSONValue)] {
        [("at", .string(LogTime.format(at))), ("reason_sha256", .string(reasonSHA256))]
    }
}
