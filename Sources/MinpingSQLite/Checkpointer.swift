import Foundation
import GRDB
import Metrics
import Synchronization

/// Moves the WAL into the database file off the commit path, and starts the WAL over while it
/// is small.
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
///
/// A checkpoint copies the WAL into the file but does not empty it: SQLite starts the WAL over
/// only in a write transaction that begins while every frame is copied, which under a steady
/// stream of commits (one every 2–3 ms) almost never happens. The WAL then grew to the
/// backstop, and the commit that crossed it paid a checkpoint of 10–35 ms, every quarter
/// second (BENCHMARKS.md, issue 35). So once the WAL holds ``restartFrames``, the background
/// checkpoint is followed by one on the writer's own connection, between two commits: it
/// copies only the few frames written meanwhile, and the writer's next transaction starts the
/// WAL over.
final class Checkpointer: Sendable {
    private let queue: DatabaseQueue
    private let writer: DatabasePool
    private let state = Mutex<(running: Bool, last: ContinuousClock.Instant?)>((false, nil))
    private static let interval = Duration.milliseconds(35)
    /// WAL frames (pages) from which the WAL is started over: 750 pages, 3 MB. Swept at 750,
    /// 1,500, 4,000 and 8,000 against the ballot path's p99: the smaller, the cheaper each
    /// restart (BENCHMARKS.md, issue 35).
    static let restartFrames = 750

    init(path: String, writer: DatabasePool) throws {
        self.writer = writer
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
                let copied = try queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                if copied.walFrameCount >= Self.restartFrames, copied.checkpointedFrameCount == copied.walFrameCount {
                    // On the writer: no commit can come between this checkpoint and the
                    // writer's next transaction, which then writes from the WAL's start.
                    _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                }
            } catch {
                Counter(label: "minping_sqlite_checkpoint_failures_total").increment()
            }
            state.withLock { $0.running = false }
        }
    }
}
