import Foundation
import MinpingKeys
import MinpingLog

/// A witness (C2SP tlog-witness, SPEC §5): cosigns a log's checkpoint only when the log's key
/// signed it and it extends, by a verified RFC 9162 consistency proof, the checkpoint this
/// witness last cosigned for the origin. It never cosigns two roots for one size of one origin:
/// the check and the move of the stored size are one transaction.
public final class Witness: Sendable {
    public let store: WitnessStore
    public let signer: CosignatureSigner
    let now: @Sendable () -> Date

    public init(store: WitnessStore, signer: CosignatureSigner, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.signer = signer
        self.now = now
    }

    /// Opens the witness a store holds, its seed unsealed with `keys`.
    public convenience init(store: WitnessStore, keys: KeyEncryptionKey) throws {
        guard let identity = try store.identity() else { throw WitnessSetupError.notInitialized }
        let seed = try keys.open(identity.sealedSeed, purpose: WitnessStore.seedPurpose(name: identity.name))
        try self.init(store: store, signer: CosignatureSigner(name: identity.name, seed: seed))
    }

    /// Makes a new witness identity in `store`: a fresh Ed25519 key sealed under `keys`.
    public static func initialize(store: WitnessStore, name: String, keys: KeyEncryptionKey) throws -> CosignatureVerifier {
        let signer = try CosignatureSigner(name: name)
        try store.setIdentity(name: name, sealedSeed: try keys.seal(signer.seed, purpose: WitnessStore.seedPurpose(name: name)))
        return signer.verifier
    }

    /// `POST /add-checkpoint`: the cosignature line (with its newline) for the request's
    /// checkpoint, or a refusal. Other errors are the store's (500).
    public func addCheckpoint(_ body: Data) throws -> String {
        let request = try AddCheckpointRequest(body: body)
        let text: String, checkpoint: Checkpoint
        do {
            text = try SignedNote(request.note).text
            checkpoint = try Checkpoint(body: text)
        } catch {
            throw WitnessRefusal.malformed("the checkpoint: \(error.description)")
        }
        guard let keyText = try store.logKey(origin: checkpoint.origin) else {
            throw WitnessRefusal.unknownOrigin(checkpoint.origin)
        }
        do {
            _ = try NoteVerifier(verifierKey: keyText).open(request.note)
        } catch {
            throw WitnessRefusal.badSignature(error.description)
        }
        // The empty tree has one root; cosigning another would make the true one look like a fork.
        guard checkpoint.size > 0 || checkpoint.root == Merkle.emptyRoot else { throw WitnessRefusal.badEmptyRoot }
        guard request.oldSize <= checkpoint.size else {
            throw WitnessRefusal.malformed("old size \(request.oldSize) is larger than the checkpoint's size \(checkpoint.size)")
        }
        try store.advance(origin: checkpoint.origin) { (size, root) throws(WitnessRefusal) in
            guard request.oldSize == size else { throw .conflict(storedSize: size) }
            if request.oldSize == checkpoint.size {
                // The size it has: only the same root, and no proof, is the same checkpoint.
                guard request.proof.isEmpty, root == nil || root == checkpoint.root else { throw .fork(size: size) }
            } else if request.oldSize == 0 {
                guard request.proof.isEmpty else { throw .badProof(old: 0, new: checkpoint.size) }
            } else {
                guard let root, Merkle.verifyConsistency(oldSize: size, newSize: checkpoint.size, oldRoot: root,
                                                          newRoot: checkpoint.root, proof: request.proof)
                else { throw .badProof(old: size, new: checkpoint.size) }
            }
            return (checkpoint.size, checkpoint.root)
        }
        return try signer.cosignatureLine(for: text, time: UInt64(max(0, now().timeIntervalSince1970))) + "\n"
    }
}
