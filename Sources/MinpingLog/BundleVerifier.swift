import Foundation
import MinpingCore
import MinpingTokens

/// A failed check: the first entry (by `seq`) or checkpoint where it failed, the check's
/// stable name, and what was found.
public struct VerificationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The entry's seq, or nil when the failure is about a file or a checkpoint as a whole.
    public var seq: Int?
    public var check: String
    public var detail: String

    public var description: String {
        "\(seq.map { "seq \($0)" } ?? "bundle"): \(check): \(detail)"
    }
}

/// What a successful verification established.
public struct VerificationSummary: Sendable, Equatable, CustomStringConvertible {
    public var origin: String
    public var entries: Int
    public var ballots: Int
    public var issued: Int
    public var checkpoints: Int
    public var stage: String

    public var description: String {
        "OK \(origin): \(entries) entries, \(ballots) ballots of \(issued) issued, \(checkpoints) checkpoints consistent, state \(stage)"
    }
}

/// Checks a bundle the way a dispute reviewer would, trusting nothing in it but the pinned
/// log key (or, without one, `keys.json`).
/// - Seealso: SPEC §5 (Verification), §6 (Lifecycle)
public struct BundleVerifier {
    public var pinnedLogKey: String?
    /// Checkpoints seen earlier (e.g. on the 公示栏) that the bundle must be consistent with.
    public var earlierCheckpoints: [String]
    public var prefix: String
    /// Witnesses whose cosignatures the full-size checkpoint must carry (check `witness`).
    public var witnessKeys: [CosignatureVerifier]
    /// How many of them (default: all).
    public var witnessQuorum: Int?

    public init(pinnedLogKey: String? = nil, earlierCheckpoints: [String] = [], prefix: String = EvaluationLog.defaultPrefix,
                witnessKeys: [CosignatureVerifier] = [], witnessQuorum: Int? = nil) {
        self.pinnedLogKey = pinnedLogKey
        self.earlierCheckpoints = earlierCheckpoints
        self.prefix = prefix
        self.witnessKeys = witnessKeys
        self.witnessQuorum = witnessQuorum
    }

    public func verify(_ bundle: AuditBundle) throws(VerificationFailure) -> VerificationSummary {
        func fail(_ seq: Int?, _ check: String, _ detail: String) -> VerificationFailure {
            VerificationFailure(seq: seq, check: check, detail: detail)
        }

        // Keys: the log key is pinned or taken from keys.json; the token key from keys.json,
        // and both must match the created entry.
        let logKeyText = pinnedLogKey ?? bundle.keys.logVerifierKey
        guard let logKey = try? NoteVerifier(verifierKey: logKeyText) else {
            throw fail(nil, "log_key", "'\(logKeyText)' is not a C2SP Ed25519 verifier key")
        }
        if let pinnedLogKey, pinnedLogKey != bundle.keys.logVerifierKey {
            throw fail(nil, "log_key", "keys.json names another log key than the pinned one")
        }
        guard let spki = Data(base64Encoded: bundle.keys.tokenKeySPKI), let tokenKey = try? TokenPublicKey(spki: spki) else {
            throw fail(nil, "token_key", "keys.json token_key_spki is not an RFC 9578 public key")
        }
        guard tokenKey.tokenKeyID.hex == bundle.keys.tokenKeyID else {
            throw fail(nil, "token_key", "token_key_id is not SHA-256 of token_key_spki")
        }
        let definition: EvaluationDefinition
        do {
            definition = try EvaluationDefinition(canonicalJSON: bundle.definition, file: "definition.json")
        } catch {
            throw fail(nil, "definition", "\(error)")
        }
        guard CanonicalJSON.encode(definition.jsonValue) == bundle.definition else {
            throw fail(nil, "definition", "definition.json is not the canonical form of its definition")
        }
        let origin = EvaluationLog.origin(prefix: prefix, street: definition.street, evaluation: definition.id)
        let verifier = TokenVerifier(publicKey: tokenKey, challenge: TokenChallenge(street: definition.street, evaluation: definition.id))

        // 1. Structure: every entry canonical, in seq order, chained to the one before.
        // What is independent per entry runs on every core in one pass: parsing and hashing,
        // reading the event, and verifying a ballot's token (the costliest check). The checks
        // that depend on order (chain, tree, the replay in step 3) then run in log order, so a
        // failure is reported at the first entry it concerns.
        let resolver = Tally(definition: definition)
        let decoded = bundle.entries.parallelMap { bytes in
            Swift.Result { () throws(LogEntryError) in
                let entry = try LogEntry(bytes: bytes)
                // Only ballots carry a token and ratings. Their checks stand in for the event's
                // token and ratings, which are not kept (nor, for speed, made: the ratings go
                // straight from the entry's pairs to table cells). A ballot entry without them
                // is read as any other, and the event reports what is wrong.
                let event: Swift.Result<AuditEvent, AuditEventError>
                var ballot: LifecycleReplay.BallotChecks?
                if entry.type == .ballot, let (text, pairs) = AuditEvent.ballotFields(entry) {
                    ballot = LifecycleReplay.BallotChecks(
                        token: text,
                        nonce: Swift.Result { () throws(TokenError) in try verifier.verify(base64URL: text) },
                        ratings: Swift.Result { () throws(VoteError) in try resolver.resolve(pairs: pairs) })
                    event = .success(.ballot(token: "", ratings: [:]))
                } else {
                    event = Swift.Result { () throws(AuditEventError) in try entry.event() }
                }
                // The entry itself is kept only for the first (checkCreated): the rest keep what
                // the checks below read, not their bytes and fields.
                return DecodedEntry(seq: entry.seq, prev: Data(hex: entry.prev), leafHash: entry.leafHash, type: entry.type,
                                    created: entry.seq == 0 ? entry : nil, event: event, ballot: ballot)
            }
        }
        // The checkpoints' signatures, also independent of each other, on every core too.
        let namedCheckpoints = bundle.namedCheckpoints
        let signedBodies = namedCheckpoints.parallelMap(minimum: 64) { checkpoint in
            Swift.Result { () throws(NoteError) in try logKey.open(checkpoint.note) }
        }

        // The decoded entries are read in place from here on, never copied into another array:
        // what follows runs on one core, so a copy would be paid in full.
        var tree = MerkleTree()
        var prev = Data(count: 32)
        for (index, result) in decoded.enumerated() {
            let entry: DecodedEntry
            switch result {
            case let .success(decodedEntry): entry = decodedEntry
            case let .failure(error): throw fail(index, "entry_format", error.description)
            }
            guard entry.seq == index else { throw fail(index, "seq", "entry at position \(index) says seq \(entry.seq)") }
            guard entry.prev == prev else { throw fail(index, "chain", "prev is not the leaf hash of entry \(index - 1)") }
            prev = entry.leafHash
            tree.append(leafHash: entry.leafHash)
        }
        guard !decoded.isEmpty else { throw fail(nil, "created", "the log is empty") }

        // 2. Checkpoints, in the order of their file names: each signed by the log key, for
        // this origin, of the size its file is named after, with the root of the log at that
        // size, and consistent with the one before; then those seen earlier. Failures name the
        // size the file (or an earlier checkpoint) claims.
        var previous: Checkpoint?
        var latestNote = ""
        for ((size, note), body) in zip(namedCheckpoints, signedBodies) {
            latestNote = note
            let checkpoint = try openCheckpoint(body, origin: origin, tree: tree, check: "checkpoint", seq: size, fileSize: size)
            if let previous {
                let proof = tree.consistencyProof(oldSize: previous.size, newSize: checkpoint.size)
                guard Merkle.verifyConsistency(oldSize: previous.size, newSize: checkpoint.size,
                                               oldRoot: previous.root, newRoot: checkpoint.root, proof: proof)
                else { throw fail(checkpoint.size, "consistency", "checkpoint \(checkpoint.size) is not consistent with \(previous.size)") }
            }
            previous = checkpoint
        }
        guard let latest = previous, latest.size == tree.size else {
            throw fail(nil, "checkpoint", "no checkpoint covers the whole log of \(tree.size) entries")
        }
        for note in earlierCheckpoints {
            let earlier = try openCheckpoint(Swift.Result { () throws(NoteError) in try logKey.open(note) }, origin: origin,
                                             tree: tree, check: "earlier_checkpoint", seq: Checkpoint.claimedSize(note))
            let proof = tree.consistencyProof(oldSize: earlier.size, newSize: latest.size)
            guard Merkle.verifyConsistency(oldSize: earlier.size, newSize: latest.size, oldRoot: earlier.root,
                                           newRoot: latest.root, proof: proof)
            else { throw fail(earlier.size, "earlier_checkpoint", "not consistent with the bundle's log") }
        }

        // 3. Meaning: the created entry, then the lifecycle replayed entry by entry.
        guard case let .success(first) = decoded[0], let created = first.created else {
            throw fail(0, "created", "the first entry must be 'created'")
        }
        try checkCreated(created, definition: definition, tokenKey: tokenKey, logKey: logKey)
        // The replay spends the nonces in log order, with the events and tokens read above.
        var replay = LifecycleReplay(definition: definition, tokenKeyID: tokenKey.tokenKeyID.hex, expectedBallots: decoded.count)
        for case let .success(decodedEntry) in decoded {
            do {
                try replay.apply(seq: decodedEntry.seq, type: decodedEntry.type, event: decodedEntry.event, ballot: decodedEntry.ballot)
            } catch {
                throw fail(decodedEntry.seq, error.check, error.detail)
            }
        }
        do {
            try replay.finish()
        } catch {
            throw fail(decoded.count - 1, error.check, error.detail)
        }

        // results.json is the latest published results.
        let latestResults = replay.latestResults.map(CanonicalJSON.encode)
        guard latestResults == bundle.results else {
            throw fail(nil, "results_file", bundle.results == nil
                ? "results.json is missing" : "results.json is not the latest results entry")
        }
        try checkWitnesses(latestNote, size: tree.size)
        return VerificationSummary(origin: origin, entries: tree.size, ballots: replay.ballots,
                                   issued: replay.issued, checkpoints: bundle.checkpoints.count,
                                   stage: replay.state.rawValue)
    }

    /// Check `witness` (SPEC §5): the checkpoint at the full size carries valid cosignatures
    /// from at least the quorum of the named witnesses, and none of theirs fails to verify.
    /// Lines of other keys are ignored.
    private func checkWitnesses(_ note: String, size: Int) throws(VerificationFailure) {
        guard !witnessKeys.isEmpty else { return }
        var keys: [CosignatureVerifier] = []
        for key in witnessKeys where !keys.contains(key) { keys.append(key) }
        var vouching = 0
        for key in keys {
            do {
                if try key.cosignedTime(note) != nil { vouching += 1 }
            } catch {
                throw VerificationFailure(seq: size, check: "witness", detail: "cosignature by \(key.name) does not verify")
            }
        }
        let quorum = witnessQuorum ?? keys.count
        guard vouching >= quorum else {
            throw VerificationFailure(seq: size, check: "witness",
                                      detail: "checkpoint \(size) has valid cosignatures from \(vouching) of the named witnesses, \(quorum) required")
        }
    }

    private func checkCreated(_ entry: LogEntry, definition: EvaluationDefinition, tokenKey: TokenPublicKey,
                              logKey: NoteVerifier) throws(VerificationFailure) {
        func fail(_ detail: String) -> VerificationFailure {
            VerificationFailure(seq: 0, check: "created", detail: detail)
        }
        let event: AuditEvent
        do {
            event = try entry.event()
        } catch {
            throw fail(error.detail)
        }
        guard case let .created(created) = event else { throw fail("the first entry must be 'created'") }
        let expected = AuditEvent.Created(definition: definition, tokenKey: tokenKey, logVerifierKey: logKey.verifierKey)
        guard CanonicalJSON.encode(created.definition) == CanonicalJSON.encode(expected.definition) else {
            throw fail("the definition differs from definition.json")
        }
        guard created.tokenKeySPKI == expected.tokenKeySPKI, created.tokenKeyID == expected.tokenKeyID
        else { throw fail("the token key differs from keys.json") }
        guard created.logVerifierKey == expected.logVerifierKey else {
            throw fail("the log verifier key differs from the pinned or published one")
        }
    }

    /// Opens a checkpoint: its signature checked by the log key (`signed`, a failure is
    /// `<check>_signature`), then its body, origin, size and root against the log (`<check>`).
    /// Every failure is reported at `seq`. A bundle's checkpoint must be of the size its file is
    /// named after (`fileSize`).
    private func openCheckpoint(_ signed: Swift.Result<String, NoteError>, origin: String, tree: MerkleTree,
                                check: String, seq: Int?, fileSize: Int? = nil) throws(VerificationFailure) -> Checkpoint {
        let text: String
        do {
            text = try signed.get()
        } catch {
            throw VerificationFailure(seq: seq, check: "\(check)_signature", detail: error.description)
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(body: text)
        } catch {
            throw VerificationFailure(seq: seq, check: check, detail: error.description)
        }
        if let fileSize, checkpoint.size != fileSize {
            throw VerificationFailure(seq: seq, check: check,
                                      detail: "checkpoints/\(fileSize).txt holds a checkpoint of size \(checkpoint.size)")
        }
        guard checkpoint.origin == origin else {
            throw VerificationFailure(seq: seq, check: check, detail: "origin '\(checkpoint.origin)' is not '\(origin)'")
        }
        guard checkpoint.size <= tree.size else {
            throw VerificationFailure(seq: seq, check: check,
                                      detail: "checkpoint of \(checkpoint.size) entries, but the log has \(tree.size)")
        }
        guard tree.root(size: checkpoint.size) == checkpoint.root else {
            throw VerificationFailure(seq: seq, check: check,
                                      detail: "root hash differs from the log's tree at size \(checkpoint.size)")
        }
        return checkpoint
    }
}

/// What the parallel pass of ``BundleVerifier/verify(_:)`` read from an entry.
private struct DecodedEntry: Sendable {
    var seq: Int
    /// The entry's `prev`, read from hex; nil if it is not 32 bytes in hex (never a leaf hash).
    var prev: Data?
    var leafHash: Data
    var type: EntryType
    /// The entry itself, for seq 0 only.
    var created: LogEntry?
    var event: Result<AuditEvent, AuditEventError>
    /// A ballot's token verified and ratings resolved; nil for other entries.
    var ballot: LifecycleReplay.BallotChecks?
}
