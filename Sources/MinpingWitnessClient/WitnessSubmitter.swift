import Foundation
import Logging
import Metrics
import MinpingLog
import MinpingService
import MinpingStore
import ServiceLifecycle
import Synchronization

/// A witness the log server submits to: `URL=VKEY` on the command line (SPEC §8), the URL
/// being the witness's submission prefix (`/add-checkpoint` is appended).
public struct WitnessEndpoint: Sendable, Equatable {
    public let url: String
    public let verifier: CosignatureVerifier

    public init(url: String, verifier: CosignatureVerifier) {
        self.url = url
        self.verifier = verifier
    }

    /// Reads `URL=VKEY`; the URL must be http(s).
    public init(argument: String) throws(WitnessEndpointError) {
        guard let equals = argument.firstIndex(of: "=") else { throw .malformed(argument) }
        let url = String(argument[..<equals]), key = String(argument[argument.index(after: equals)...])
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url) != nil else { throw .badURL(url) }
        do {
            verifier = try CosignatureVerifier(verifierKey: key)
        } catch {
            throw .badKey(key)
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    public var addCheckpointURL: String { url + "/add-checkpoint" }
}

public enum WitnessEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case badURL(String)
    case badKey(String)

    public var description: String {
        switch self {
        case let .malformed(text): "--witness takes URL=VKEY (the witness's address and its verifier key), got '\(text)'"
        case let .badURL(url): "--witness: '\(url)' is not an http:// or https:// address"
        case let .badKey(key): "--witness: '\(key)' is not a witness verifier key (name+hexid+base64 of 0x04 and an Ed25519 key)"
        }
    }
}

/// How a submitter reaches a witness: one POST, its status, content type and body.
public protocol WitnessTransport: Sendable {
    func post(_ url: String, body: Data) async throws -> (status: Int, contentType: String?, body: Data)
}

/// Submits every new checkpoint to one witness (C2SP tlog-witness) and stores its
/// cosignature with the checkpoint. Learns the witness's size from a 409 and sends the
/// consistency proof from there. A witness that is down, slow or refusing never blocks
/// voting: this runs beside the service, retries with backoff (1 s doubling to 60 s) and
/// warns in the log; `minping_witness_lag{witness}` counts the entries not yet cosigned.
public struct WitnessSubmitterService: Service {
    let service: EvaluationService
    let endpoint: WitnessEndpoint
    let transport: any WitnessTransport
    let logger: Logger
    let interval: Duration
    let maxBackoff: Duration

    public init(service: EvaluationService, endpoint: WitnessEndpoint, transport: any WitnessTransport, logger: Logger,
                interval: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)) {
        self.service = service
        self.endpoint = endpoint
        self.transport = transport
        self.logger = logger
        self.interval = interval
        self.maxBackoff = maxBackoff
    }

    public func run() async throws {
        // A graceful shutdown ends the waits and the request in flight at once.
        await cancelWhenGracefulShutdown { await submitEverything() }
    }

    private func submitEverything() async {
        let feed = service.checkpointFeed
        let key = feed.subscribe()
        var submitter = Submitter(service: service, endpoint: endpoint, transport: transport, logger: logger)
        // Every evaluation once at start: what was checkpointed while this server or the
        // witness was away.
        var pending: Set<String> = []
        var swept = false
        var backoff = interval
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            pending.formUnion(feed.take(key))
            var failed = false
            if !swept {
                do {
                    pending.formUnion(try await service.store.evaluationIDs())
                    swept = true
                } catch {
                    logger.warning("cannot list the evaluations to submit; retrying", metadata: ["error": "\(error)"])
                    failed = true
                }
            }
            for id in pending.sorted() {
                if Task.isCancelled { break }
                if await submitter.bringUp(id) {
                    pending.remove(id)
                } else {
                    failed = true
                }
            }
            submitter.reportLag()
            if failed {
                backoff = min(backoff * 2, maxBackoff)
                try? await Task.sleep(for: backoff)
            } else {
                backoff = interval
                await feed.wait(key, timeout: interval * 5)
            }
        }
    }
}

/// One witness's view: what it cosigned and what size it holds, per evaluation.
struct Submitter {
    let service: EvaluationService
    let endpoint: WitnessEndpoint
    let transport: any WitnessTransport
    let logger: Logger
    /// The witness's size per evaluation, as its 409s and 200s told us.
    var known: [String: Int] = [:]
    /// Per evaluation: the latest checkpoint's size, and the largest this witness cosigned.
    var latest: [String: Int] = [:]
    var cosigned: [String: Int] = [:]
    var failing = false

    /// Gets the evaluation's latest checkpoint cosigned; false when the witness is
    /// unreachable or refuses (warned in the log).
    mutating func bringUp(_ id: String) async -> Bool {
        do {
            guard let note = try await service.store.latestCheckpoint(evaluation: id) else { return true }
            let checkpoint: Checkpoint
            let text: String
            do {
                text = try SignedNote(note).text
                checkpoint = try Checkpoint(body: text)
            } catch {
                // Stored data that does not read is an integrity failure, never skipped quietly.
                _ = service.integrityFailure(id, "the latest stored checkpoint does not read: \(error)")
                return false
            }
            latest[id] = checkpoint.size
            if try endpoint.verifier.cosignedTime(note) != nil {
                cosigned[id] = checkpoint.size
                return true
            }
            for _ in 0..<3 {
                let old = min(known[id] ?? 0, checkpoint.size)
                let proof = old == 0 || old == checkpoint.size ? [] : try await tree(id, size: checkpoint.size)
                    .consistencyProof(oldSize: old, newSize: checkpoint.size)
                let request = AddCheckpointRequest(oldSize: old, proof: proof, note: note)
                let reply = try await transport.post(endpoint.addCheckpointURL, body: request.body)
                let body = String(decoding: reply.body, as: UTF8.self)
                switch reply.status {
                case 200:
                    let lines = body.split(separator: "\n").map(String.init).filter { line in
                        (try? endpoint.verifier.cosignedTime(text + "\n" + line + "\n")) != nil
                    }
                    guard !lines.isEmpty else { return warn(id, "answered 200 without a valid cosignature of its key") }
                    try await service.store.addCosignatures(evaluation: id, size: checkpoint.size, lines: lines)
                    known[id] = checkpoint.size
                    cosigned[id] = checkpoint.size
                    if failing { logger.info("witness answering again", metadata: ["witness": "\(endpoint.verifier.name)"]) }
                    failing = false
                    return true
                case 409:
                    guard let size = Checkpoint.decimal(Substring(body.trimmingCharacters(in: .newlines))) else {
                        return warn(id, "answered 409 without its size")
                    }
                    guard size <= checkpoint.size else {
                        return warn(id, "holds size \(size), larger than this log's \(checkpoint.size): the log was rolled back or forked")
                    }
                    known[id] = size
                default:
                    return warn(id, "answered \(reply.status): \(body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))")
                }
            }
            return warn(id, "kept answering 409")
        } catch {
            return warn(id, "unreachable: \(error)")
        }
    }

    /// The log's tree up to at least `size`: this instance's head, or the stored leaves when
    /// another instance extended the log.
    private func tree(_ id: String, size: Int) async throws -> MerkleTree {
        let head = try await service.currentHead(id)
        if head.size >= size { return head.tree }
        let stored = MerkleTree(leafHashes: try await service.store.leafHashes(evaluation: id))
        guard stored.size >= size else { throw service.integrityFailure(id, "checkpoint \(size) is past the log's \(stored.size) entries") }
        return stored
    }

    private mutating func warn(_ id: String, _ problem: String) -> Bool {
        logger.warning("witness has not cosigned the latest checkpoint; retrying with backoff",
                       metadata: ["witness": "\(endpoint.verifier.name)", "evaluation": "\(id)", "problem": "\(problem)"])
        failing = true
        return false
    }

    func reportLag() {
        let lag = latest.reduce(0) { $0 + max(0, $1.value - (cosigned[$1.key] ?? 0)) }
        Gauge(label: "minping_witness_lag", dimensions: [("witness", endpoint.verifier.name)]).record(lag)
    }
}
