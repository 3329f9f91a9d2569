import Foundation
import Logging
import MinpingCore
import MinpingKeys
import MinpingLog
import MinpingService
import MinpingStore
import MinpingTestSupport
import MinpingWitness
import MinpingWitnessClient
import Synchronization
import Testing

/// Reaches an in-process witness, or fails as a witness that is down does.
final class InProcessTransport: WitnessTransport {
    let witness: Witness
    let up: Mutex<Bool>
    let requests = Mutex(0)

    init(_ witness: Witness, up: Bool = true) {
        self.witness = witness
        self.up = Mutex(up)
    }

    struct Down: Error {}

    func post(_ url: String, body: Data) async throws -> (status: Int, contentType: String?, body: Data) {
        requests.withLock { $0 += 1 }
        guard up.withLock({ $0 }) else { throw Down() }
        do {
            return (200, "text/plain", Data(try witness.addCheckpoint(body).utf8))
        } catch let refusal as WitnessRefusal {
            if case let .conflict(size) = refusal { return (409, "text/x.tlog.size", Data("\(size)\n".utf8)) }
            return (refusal.status, "text/plain", Data("\(refusal)\n".utf8))
        }
    }
}

@Suite struct SubmitterTests {
    static let definition = """
        id: lz-2026
        title: 柳庄社区2026年度党员群众满意度测评
        street: chengqu
        electorate: 20
        publicity_days: 0
        organizations:
          - {id: lz-1, name: 柳庄社区第一党支部}
        members:
          - {id: m-1, name: 王某, organization: lz-1}
        """

    /// Polls `condition` for up to 20 s.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<400 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("not within 20 s: \(what)")
    }

    @Test func twoWitnessesCosignAndOneThatIsDownCatchesUpWithoutBlockingBallots() async throws {
        let first = try TestWitness(name: "zuzhibu.example/witness"), second = try TestWitness(name: "jiwei.example/witness")
        let store = MemoryStore(), keys = KeyEncryptionKey()
        let endpoints = [WitnessEndpoint(url: "http://first.example", verifier: first.witness.signer.verifier),
                         WitnessEndpoint(url: "http://second.example", verifier: second.witness.signer.verifier)]
        let service = EvaluationService(store: store, keys: keys,
                                        configuration: .init(witnesses: endpoints.map(\.verifier)))
        // The witnesses witness the street's logs under the street's real log key.
        let logKey = try await service.logVerifierKey(street: "chengqu")
        try first.witness.store.addLog(origin: "minping/chengqu/", verifierKey: logKey)
        try second.witness.store.addLog(origin: "minping/chengqu/", verifierKey: logKey)
        let transports = [InProcessTransport(first.witness), InProcessTransport(second.witness, up: false)]
        let logger = Logger(label: "minping.test.witness")
        let submitters = zip(endpoints, transports).map { endpoint, transport in
            Task {
                try await WitnessSubmitterService(service: service, endpoint: endpoint, transport: transport, logger: logger,
                                                  interval: .milliseconds(50), maxBackoff: .milliseconds(200)).run()
            }
        }
        defer { submitters.forEach { $0.cancel() } }

        let id = try await service.create(DefinitionParser.parse(Self.definition, file: "test")).id
        let tokens = try await service.issueSlips(id, count: 6)
        _ = try await service.open(id)
        for token in tokens {
            _ = try await service.castBallot(id, token: token.base64URL, ratings: ["m-1": "satisfied"])  // never waits for a witness
        }
        _ = try await service.integrateAll()
        _ = try await service.close(id)
        _ = try await service.publish(id, stage: .preliminary)
        let size = try await store.logSize(evaluation: id)

        try await eventually("the first witness cosigns the whole log") {
            try await service.witnessStatus(id).first?.size == size
        }
        #expect(try await service.witnessStatus(id).map(\.size) == [size, 0])
        #expect(transports[1].requests.withLock { $0 } > 0)

        // The second comes back and catches up with the checkpoint it missed.
        transports[1].up.withLock { $0 = true }
        try await eventually("the second witness catches up") {
            try await service.witnessStatus(id).map(\.size) == [size, size]
        }

        let bundle = try await service.bundle(id)
        let both = endpoints.map(\.verifier)
        #expect(throws: Never.self) { try BundleVerifier(witnessKeys: both, witnessQuorum: 2).verify(bundle) }
        // One cosignature line stripped from the latest checkpoint: quorum 2 fails on `witness`.
        var stripped = bundle
        let last = stripped.checkpoints.count - 1
        stripped.checkpoints[last] = stripped.checkpoints[last].split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\u{2014} \(both[1].name) ") }.joined(separator: "\n")
        do {
            _ = try BundleVerifier(witnessKeys: both, witnessQuorum: 2).verify(stripped)
            Issue.record("a bundle missing a cosignature passed quorum 2")
        } catch {
            #expect(error.check == "witness" && error.seq == size)
        }
        #expect(throws: Never.self) { try BundleVerifier(witnessKeys: both, witnessQuorum: 1).verify(stripped) }
        // A bundle no witness saw fails `--witness-quorum 1`.
        var unseen = bundle
        unseen.checkpoints = unseen.checkpoints.map { note in
            note.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { line in !both.contains { line.hasPrefix("\u{2014} \($0.name) ") } }.joined(separator: "\n")
        }
        #expect(throws: VerificationFailure.self) { try BundleVerifier(witnessKeys: both, witnessQuorum: 1).verify(unseen) }
    }

    @Test func endpointsAreReadFromTheCommandLine() throws {
        let key = try CosignatureSigner(name: "district.example/witness").verifier.verifierKey
        let endpoint = try WitnessEndpoint(argument: "http://127.0.0.1:7380/=\(key)")
        #expect(endpoint.addCheckpointURL == "http://127.0.0.1:7380/add-checkpoint")
        #expect(throws: WitnessEndpointError.self) { try WitnessEndpoint(argument: key) }
        #expect(throws: WitnessEndpointError.self) { try WitnessEndpoint(argument: "ftp://x=\(key)") }
        #expect(throws: WitnessEndpointError.self) { try WitnessEndpoint(argument: "http://x=not-a-key") }
    }
}
