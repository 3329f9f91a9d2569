import Foundation
import GRDB
import Metrics
import Synchronization

/// Moves the WAL into the database file off the commit path.
///
/// SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past its limit,
/// so a ballot's group commit would now and then also copy megabytes into the database file
/// and sync it: the ballot path's worst latencies. Here the writer's limit is raised to a
/// backstop (``SQLiteStore/walBackstopPages``), and after writes a PASSIVE checkpoint runs on a
/// connection of its own, at most one at a time and at most every 35 ms: small, frequent
/// checkpoints hold the disk for less time than large ones (BENCHMARKS.md: the interval swept
/// from 250 to 25 ms against the ballot path's p99 and throughput). A PASSIVE
/// checkpoint never waits for readers or the writer, and durability does not depend on it:
/// every commit is in the WAL, synced, before its 202.
final class Checkpointer: Sendable {
    private let queue: DatabaseQueue
    private let state = Mutex<(running: Bool, last: ContinuousClock.Instant?)>((false, nil))
    private static let interval = Duration.milliseconds(35)

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// Starts a checkpoint in the background unless one is running or one ran very recently.
    func schedule() {
        let now = ContinuousClock.now
        let start = state.withLock { state in
            if state.running { return false }
            if let last = state.last, now - last < Self.interval { return false }
            state = (true, now)
            return true
        }
        guard start else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            // A failed or partial checkpoint loses nothing (the frames stay in the WAL, synced)
            // and the next one, or the writer's backstop, takes them; a failure is counted
            // (`minping_sqlite_checkpoint_failures_total`), so one that keeps failing shows.
            do {
                try queue.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            } catch {
                Counter(label: "minping_sqlite_checkpoint_failures_total").increment()
            }
            state.withLock { $0.running = false }
        }
    }
}
