import Foundation
import Logging
import Metrics
import MinpingLog
import MinpingStore
import ServiceLifecycle
import Synchronization

/// Which evaluations have a checkpoint a witness has not seen: each subscriber (one per
/// witness) gets every id published after it subscribed, and is woken when one arrives.
public final class CheckpointFeed: Sendable {
    private struct Subscriber {
        var pending: Set<String> = []
        var waiting: CheckedContinuation<Void, Never>?
    }
    private let subscribers = Mutex<[Int: Subscriber]>([:])

    public init() {}

    func publish(_ id: String) {
        let woken = subscribers.withLock { subscribers in
            subscribers.keys.compactMap { key -> CheckedContinuation<Void, Never>? in
                subscribers[key]?.pending.insert(id)
                defer { subscribers[key]?.waiting = nil }
                return subscribers[key]?.waiting
            }
        }
        woken.forEach { $0.resume() }
    }

    func subscribe() -> Int {
        subscribers.withLock { subscribers in
            let key = (subscribers.keys.max() ?? 0) + 1
            subscribers[key] = Subscriber()
            return key
        }
    }

    func take(_ key: Int) -> Set<String> {
        subscribers.withLock { subscribers in
            defer { subscribers[key]?.pending = [] }
            return subscribers[key]?.pending ?? []
        }
    }

    /// Returns when an id is published for `key` (or at once if one is waiting), or after
    /// `timeout`.
    func wait(_ key: Int, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.subscribers.withLock { subscribers -> Bool in
                        if subscribers[key]?.pending.isEmpty == false { return true }
                        subscribers[key]?.waiting?.resume()
                        subscribers[key]?.waiting = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            // Whichever came first, the other ends now.
            let stale = self.subscribers.withLock { subscribers in
                defer { subscribers[key]?.waiting = nil }
                return subscribers[key]?.waiting
            }
            stale?.resume()
            group.cancelAll()
        }
    }
}

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

/// The largest size each witness cosigned for an evaluation (SPEC §7 `witnesses`).
public struct WitnessStatus: Sendable, Equatable {
    public let name: String
    public let verifierKey: String
    public let size: Int
}

extension EvaluationService {
    /// Each configured witness with the largest checkpoint size it cosigned (0: none yet),
    /// read from the stored notes, newest first. A cosignature line that does not verify is an
    /// integrity failure (STYLE 13), never a quiet zero.
    public nonisolated func witnessStatus(_ id: String) async throws -> [WitnessStatus] {
        let witnesses = configuration.witnesses
        guard !witnesses.isEmpty else { return [] }
        var sizes: [Int?] = Array(repeating: nil, count: witnesses.count)
        // Usually every witness has cosigned the latest checkpoint: read the rest only if not.
        var notes: [String] = []
        if let latest = try await store.latestCheckpoint(evaluation: id),
           witnesses.allSatisfy({ (try? $0.cosignedTime(latest)) != nil }) {
            notes = [latest]
        } else {
            notes = try await store.checkpoints(evaluation: id).reversed()
        }
        for note in notes where sizes.contains(nil) {
            let size = Checkpoint.claimedSize(note) ?? 0
            for (index, witness) in witnesses.enumerated() where sizes[index] == nil {
                do {
                    if try witness.cosignedTime(note) != nil { sizes[index] = size }
                } catch {
                    throw integrityFailure(id, "the cosignature of \(witness.name) on checkpoint \(size) does not verify: \(error)")
                }
            }
        }
        return zip(witnesses, sizes).map { WitnessStatus(name: $0.name, verifierKey: $0.verifierKey, size: $1 ?? 0) }
    }
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
