import Foundation
import MinpingKeys
import MinpingLog
import MinpingStore
import MinpingWitness
import Testing

/// A log of `size` leaves under one key, and its signed checkpoints.
struct TestLog {
    let origin: String
    let signer: LogSigner
    var tree = MerkleTree(leafHashes: [])

    init(origin: String = "minping/chengqu/lz-2026", signer: LogSigner? = nil, leaves: Int = 0, salt: String = "") throws {
        self.origin = origin
        self.signer = try signer ?? LogSigner(name: "minping/chengqu")
        append(leaves, salt: salt)
    }

    mutating func append(_ count: Int, salt: String = "") {
        for _ in 0..<count { tree.append(leafHash: Merkle.leafHash(Data("entry \(tree.size)\(salt)".utf8))) }
    }

    func note(size: Int? = nil) throws -> String {
        try Checkpoint(origin: origin, size: size ?? tree.size, root: tree.root(size: size ?? tree.size)).signed(by: signer)
    }

    func request(old: Int, size: Int? = nil) throws -> Data {
        let size = size ?? tree.size
        return AddCheckpointRequest(oldSize: old, proof: tree.consistencyProof(oldSize: old, newSize: size), note: try note(size: size)).body
    }
}

/// A witness on a fresh SQLite file witnessing the street `minping/chengqu/`.
struct TestWitness {
    let directory: URL
    let keys = KeyEncryptionKey()
    let witness: Witness

    init(origin: String = "minping/chengqu/", logKey: NoteVerifier? = nil, name: String = "district.example/witness") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try WitnessStore(path: directory.appendingPathComponent("witness.sqlite").path, keys: keys)
        _ = try Witness.initialize(store: store, name: name, keys: keys)
        witness = try Witness(store: store, keys: keys)
        try store.addLog(origin: origin, verifierKey: (logKey ?? TestLog().signer.verifier).verifierKey)
    }

    func reopened() throws -> Witness {
        try Witness(store: WitnessStore(path: directory.appendingPathComponent("witness.sqlite").path, keys: keys), keys: keys)
    }
}

func refusal(_ body: () throws -> String) -> WitnessRefusal? {
    do {
        _ = try body()
        return nil
    } catch let refusal as WitnessRefusal {
        return refusal
    } catch {
        Issue.record("not a refusal: \(error)")
        return nil
    }
}

@Suite struct WitnessTests {
    let log: TestLog
    let setup: TestWitness
    var witness: Witness { setup.witness }

    init() throws {
        log = try TestLog(leaves: 5)
        setup = try TestWitness(logKey: log.signer.verifier)
    }

    @Test func cosignsAFirstCheckpointAndAConsistentExtension() throws {
        let line = try witness.addCheckpoint(log.request(old: 0))
        #expect(line.hasPrefix("\u{2014} district.example/witness ") && line.hasSuffix("\n"))
        let cosigned = try log.note() + line
        #expect(try witness.signer.verifier.cosignedTime(cosigned) != nil)
        #expect(try witness.store.cosigned(origin: log.origin).size == 5)

        var longer = log
        longer.append(7)
        let next = try longer.note() + witness.addCheckpoint(longer.request(old: 5))
        #expect(try witness.signer.verifier.cosignedTime(next) != nil)
        #expect(try witness.store.cosigned(origin: log.origin).size == 12)
        // The same checkpoint again (the log lost the answer) is cosigned again.
        #expect(try witness.signer.verifier.cosignedTime(longer.note() + witness.addCheckpoint(longer.request(old: 12))) != nil)
    }

    @Test func aStaleOldSizeIsAConflictWithTheStoredSize() throws {
        _ = try witness.addCheckpoint(log.request(old: 0))
        var longer = log
        longer.append(3)
        #expect(refusal { try witness.addCheckpoint(longer.request(old: 0)) } == .conflict(storedSize: 5))
        #expect(refusal { try witness.addCheckpoint(longer.request(old: 2)) } == .conflict(storedSize: 5))
        #expect(WitnessRefusal.conflict(storedSize: 5).status == 409)
    }

    @Test func aBadProofIsRefused() throws {
        _ = try witness.addCheckpoint(log.request(old: 0))
        var longer = log
        longer.append(3)
        var proof = longer.tree.consistencyProof(oldSize: 5, newSize: 8)
        proof[0] = Data(repeating: 7, count: 32)
        let body = AddCheckpointRequest(oldSize: 5, proof: proof, note: try longer.note()).body
        #expect(refusal { try witness.addCheckpoint(body) } == .badProof(old: 5, new: 8))
        #expect(WitnessRefusal.badProof(old: 5, new: 8).status == 422)
        #expect(try witness.store.cosigned(origin: log.origin).size == 5)
    }

    @Test func aForkIsRefused() throws {
        _ = try witness.addCheckpoint(log.request(old: 0))
        // The same key signs another history of the same size.
        let fork = try TestLog(signer: log.signer, leaves: 5, salt: "forked")
        #expect(refusal { try witness.addCheckpoint(fork.request(old: 5)) } == .fork(size: 5))
        #expect(WitnessRefusal.fork(size: 5).status == 422)
        // Nor can the fork be extended past it: its proof is from another root.
        var longerFork = fork
        longerFork.append(4)
        #expect(refusal { try witness.addCheckpoint(longerFork.request(old: 5)) } == .badProof(old: 5, new: 9))
    }

    /// A size-0 checkpoint must carry the empty root: a witness that cosigned any other root
    /// would then refuse the true empty root as a fork.
    @Test func aSizeZeroCheckpointMustCarryTheEmptyRoot() throws {
        let wrong = try Checkpoint(origin: log.origin, size: 0, root: Data(repeating: 7, count: 32)).signed(by: log.signer)
        let request = AddCheckpointRequest(oldSize: 0, proof: [], note: wrong).body
        #expect(refusal { try witness.addCheckpoint(request) } == .badEmptyRoot)
        #expect(WitnessRefusal.badEmptyRoot.status == 422)
        let empty = try TestLog(signer: log.signer)
        #expect(try witness.addCheckpoint(empty.request(old: 0)).hasPrefix("— "))
        #expect(try witness.addCheckpoint(log.request(old: 0)).hasPrefix("— "))
    }

    @Test func unknownOriginsAndBadSignaturesAreForbidden() throws {
        let elsewhere = try TestLog(origin: "minping/xincheng/x-2026", signer: LogSigner(name: "minping/xincheng"), leaves: 2)
        #expect(refusal { try witness.addCheckpoint(elsewhere.request(old: 0)) } == .unknownOrigin("minping/xincheng/x-2026"))
        // Our origin, signed by another key.
        let impostor = try TestLog(signer: LogSigner(name: "minping/chengqu"), leaves: 5)
        guard case .badSignature? = refusal({ try witness.addCheckpoint(impostor.request(old: 0)) }) else {
            Issue.record("a checkpoint under another key was not refused as a bad signature")
            return
        }
        #expect(WitnessRefusal.unknownOrigin("x").status == 403 && WitnessRefusal.badSignature("x").status == 403)
        #expect(try witness.store.cosigned(origin: log.origin).size == 0)
    }

    @Test func malformedRequestsAreBadRequests() throws {
        let note = try log.note()
        for body in ["", "old 5\n", "old 05\n\n" + note, "old -1\n\n" + note, "new 0\n\n" + note, "old 0\nnot base64!\n\n" + note,
                     "old 0\n\nnot a note\n", "old 9\n\n" + note] {
            guard case .malformed? = refusal({ try witness.addCheckpoint(Data(body.utf8)) }) else {
                Issue.record("not refused as malformed: \(body.debugDescription)")
                continue
            }
        }
        let tooLong = "old 0\n" + String(repeating: Data(count: 32).base64EncodedString() + "\n", count: 64) + "\n" + note
        guard case .malformed? = refusal({ try witness.addCheckpoint(Data(tooLong.utf8)) }) else {
            Issue.record("64 proof lines were not refused")
            return
        }
        #expect(WitnessRefusal.malformed("x").status == 400)
    }

    @Test func aLogAddedWhileRunningIsWitnessedAtOnce() throws {
        let other = try TestLog(origin: "elsewhere/log", signer: LogSigner(name: "elsewhere"), leaves: 3)
        #expect(refusal { try witness.addCheckpoint(other.request(old: 0)) } == .unknownOrigin("elsewhere/log"))
        try witness.store.addLog(origin: "elsewhere/log", verifierKey: other.signer.verifier.verifierKey)
        #expect(try witness.signer.verifier.cosignedTime(other.note() + witness.addCheckpoint(other.request(old: 0))) != nil)
    }

    @Test func twentyConcurrentSubmissionsOfTwoForksCosignOneRoot() async throws {
        let fork = try TestLog(signer: log.signer, leaves: 5, salt: "forked")
        let bodies = try [log.request(old: 0), fork.request(old: 0)]
        let witness = witness
        let cosigned = await withTaskGroup(of: Data?.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let body = bodies[index % 2]
                    guard (try? witness.addCheckpoint(body)) != nil else { return nil }
                    return try? Checkpoint(body: SignedNote(AddCheckpointRequest(body: body).note).text).root
                }
            }
            var roots: Set<Data> = []
            for await root in group { if let root { roots.insert(root) } }
            return roots
        }
        #expect(cosigned.count == 1)
        #expect(try cosigned.first == witness.store.cosigned(origin: log.origin).root)
    }

    @Test func aRestartKeepsTheStoredSizeAndKey() throws {
        _ = try witness.addCheckpoint(log.request(old: 0))
        let again = try setup.reopened()
        #expect(again.signer.verifier == witness.signer.verifier)
        var longer = log
        longer.append(2)
        #expect(refusal { try again.addCheckpoint(longer.request(old: 0)) } == .conflict(storedSize: 5))
        #expect(try again.signer.verifier.cosignedTime(longer.note() + again.addCheckpoint(longer.request(old: 5))) != nil)
        // The key is sealed: another key file does not open it.
        #expect(throws: (any Error).self) {
            try Witness(store: WitnessStore(path: setup.directory.appendingPathComponent("witness.sqlite").path, keys: KeyEncryptionKey()),
                        keys: KeyEncryptionKey())
        }
    }

    @Test func originPrefixesCoverAStreetsLogsOnly() throws {
        let store = witness.store
        #expect(try store.logKey(origin: "minping/chengqu/lz-2026") != nil)
        #expect(try store.logKey(origin: "minping/chengqu") == nil)
        #expect(try store.logKey(origin: "minping/chengqu2/x") == nil)
    }
}
