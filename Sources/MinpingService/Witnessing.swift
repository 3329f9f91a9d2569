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

    package func subscribe() -> Int {
        subscribers.withLock { subscribers in
            let key = (subscribers.keys.max() ?? 0) + 1
            subscribers[key] = Subscriber()
            return key
        }
    }

    package func take(_ key: Int) -> Set<String> {
        subscribers.withLock { subscribers in
            defer { subscribers[key]?.pending = [] }
            return subscribers[key]?.pending ?? []
        }
    }

    /// Returns when an id is published for `key` (or at once if one is waiting), or after
    /// `timeout`.
    package func wait(_ key: Int, timeout: Duration) async {
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

