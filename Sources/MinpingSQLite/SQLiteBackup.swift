import Foundation
import GRDB
import MinpingKeys
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite side of `minping backup` and `minping restore` (SPEC §8): an online copy of a
/// live database, what a copy is checked with before it is kept, and whether a database is
/// open in another process.
/// - Seealso: https://www.sqlite.org/backup.html, https://www.sqlite.org/wal.html
public enum SQLiteBackup {
    /// The files SQLite keeps beside a database: the write-ahead log, its index, a rollback
    /// journal. A stale one must never meet another database under the same name.
    public static let companionSuffixes = ["-wal", "-shm", "-journal"]

    // MARK: The copy

    /// Copies the database at `source` into a new file at `destination` with SQLite's online
    /// backup API, while a server may keep writing to it. One read transaction is held for the
    /// whole copy, so every step copies the same snapshot (a WAL reader's snapshot: writers go
    /// on, and the copy never restarts): the copy holds exactly the transactions committed
    /// before it began. The source is opened read-only. The copy is then put in rollback-journal
    /// mode, so it is one self-contained file that opens read-only anywhere (a server switches
    /// it back to WAL when it starts on it). The destination must not exist: it is made with
    /// mode 0600, private from its first byte (SQLite gives its journal the same mode).
    /// - Parameter progress: pages copied and pages in all, after each step of `pagesPerStep`.
    public static func copy(from source: String, to destination: String, pagesPerStep: Int32 = 4_096,
                            progress: @escaping (_ copied: Int, _ total: Int) -> Void = { _, _ in }) throws {
        let descriptor = open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw FileError("create", destination) }
        close(descriptor)
        var sourceConfiguration = Configuration()
        sourceConfiguration.readonly = true
        sourceConfiguration.busyMode = .timeout(10)
        sourceConfiguration.label = "minping.backup.source"
        let liveQueue = try DatabaseQueue(path: source, configuration: sourceConfiguration)
        var copyConfiguration = Configuration()
        copyConfiguration.label = "minping.backup.copy"
        let copyQueue = try DatabaseQueue(path: destination, configuration: copyConfiguration)
        try copyQueue.writeWithoutTransaction { copyDatabase in
            try liveQueue.read { liveDatabase in
                // The first read starts the transaction and fixes its snapshot; each step of
                // the backup then reads in it instead of opening a newer one.
                _ = try Int.fetchOne(liveDatabase, sql: "SELECT count(*) FROM sqlite_master")
                try liveDatabase.backup(to: copyDatabase, pagesPerStep: pagesPerStep) { step in
                    progress(step.completedPageCount, step.totalPageCount)
                }
            }
        }
        try copyQueue.close()
        try liveQueue.close()
        try useRollbackJournal(destination)
    }

    /// Puts the database at `path` (a copy nobody else has open) in rollback-journal mode.
    /// Page 1 came from a WAL database, so the file says WAL; the change rewrites that header.
    static func useRollbackJournal(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        let mode = try queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
        try queue.close()
        guard mode == "delete" else {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "\(path): the copy stayed in journal mode \(mode ?? "?")")
        }
    }

    // MARK: Checks of a copy (read-only)

    /// `PRAGMA integrity_check` on the database at `path`, opened read-only: empty when SQLite
    /// says `ok`, else its findings (at most 100).
    public static func integrityProblems(path: String) throws -> [String] {
        let queue = try readOnly(path)
        let rows = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        try queue.close()
        return rows == ["ok"] ? [] : rows
    }

    /// What a copy's schema is, against the migrations of this build.
    public enum Schema: Sendable, Equatable {
        case current
        /// This build's migrations not applied yet: a server applies them when it starts on it.
        case older(missing: [String])
        /// Migrations this build does not know: the copy was made by a newer minping.
        case newer(unknown: [String])
        /// No migration at all: not a Minping database.
        case notMinping
    }

    /// Reads the copy's applied migrations, read-only.
    public static func schema(path: String) throws -> Schema {
        // Only the migrations' names are read; none runs, so the key it is made with is unused.
        let migrator = SQLiteStore.migrator(keys: KeyEncryptionKey())
        let queue = try readOnly(path)
        let applied = try queue.read { db in try migrator.appliedIdentifiers(db) }
        try queue.close()
        let known = migrator.migrations
        if applied.isEmpty { return .notMinping }
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty { return .newer(unknown: unknown) }
        let missing = known.filter { !applied.contains($0) }
        return missing.isEmpty ? .current : .older(missing: missing)
    }

    /// A value sealed under the database's key file, and what it was sealed for.
    public struct SealedValue: Sendable {
        public var purpose: String
        public var sealed: Data
    }

    /// Every value the database at `path` holds sealed under its key file (the key check, the
    /// streets' log keys, the evaluations' and their rounds' issuing keys), read read-only
    /// from a database of the current schema: a key file that opens them all is this
    /// database's.
    public static func sealedValues(path: String) throws -> [SealedValue] {
        let queue = try readOnly(path)
        let values = try queue.read { db -> [SealedValue] in
            var values: [SealedValue] = []
            if let check = try Data.fetchOne(db, sql: "SELECT sealed FROM key_check WHERE id = 1") {
                values.append(SealedValue(purpose: KeyEncryptionKey.checkPurpose, sealed: check))
            }
            for row in try Row.fetchAll(db, sql: "SELECT street, seed_sealed FROM log_key ORDER BY street") {
                values.append(SealedValue(purpose: KeyEncryptionKey.logKeyPurpose(street: row["street"]),
                                          sealed: try SQLiteStore.sealed(row["seed_sealed"])))
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, token_key_sealed FROM evaluation ORDER BY id") {
                values.append(SealedValue(purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: row["id"]),
                                          sealed: try SQLiteStore.sealed(row["token_key_sealed"])))
            }
            for row in try Row.fetchAll(db, sql: "SELECT evaluation, round, sealed FROM round_key ORDER BY evaluation, round") {
                values.append(SealedValue(purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: row["evaluation"], round: row["round"]),
                                          sealed: row["sealed"]))
            }
            return values
        }
        try queue.close()
        return values
    }

    static func readOnly(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "minping.backup.check"
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    // MARK: In use

    /// Whether any connection, of this process or another, has the database at `path` open
    /// (a running `minping serve`, a `minping keys create` under way). Nothing is changed.
    ///
    /// Every Minping process opens its database in WAL mode, and in WAL mode a connection that
    /// has read the database keeps a SHARED lock on the database file until it closes, even
    /// between transactions (that lock is how the last connection to close knows it may
    /// checkpoint and delete the WAL; it holds one on the wal-index's DMS byte in `-shm` too).
    /// A connection in EXCLUSIVE locking mode keeps the wal-index in its own memory instead of
    /// `-shm`, so at its first read it must take an EXCLUSIVE lock on the database file: with
    /// no busy timeout, that fails with SQLITE_BUSY at once while any other connection is open
    /// (https://www.sqlite.org/wal.html, "Use of WAL Without Shared-Memory";
    /// https://www.sqlite.org/pragma.html#pragma_locking_mode). A first read that succeeds
    /// folds a WAL left by a crashed process into the file, as any first opener would, and the
    /// `BEGIN EXCLUSIVE` after it holds the lock until COMMIT.
    /// - Throws: ``DatabaseError`` other than SQLITE_BUSY, e.g. SQLITE_NOTADB for a file that
    ///   is not a database. The file must exist (it would be created).
    public static func isOpen(path: String) throws -> Bool {
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        configuration.label = "minping.backup.probe"
        // Before GRDB's first read of the file (it checks the format at opening).
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE") }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in try db.inTransaction(.exclusive) { .commit } }
            try queue.close()
            return false
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return true
        }
    }

    // MARK: Files

    /// A file operation that failed, with the system's reason (`strerror`).
    public struct FileError: Error, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var reason: String

        /// Reads `errno`: make it right after the call that failed.
        public init(_ operation: String, _ path: String) {
            self.operation = operation
            self.path = path
            reason = String(cString: strerror(errno))
        }

        public var description: String { "\(path): cannot \(operation): \(reason)" }
    }

    /// `fsync` of a file, or of a directory (so that a rename or a link in it is durable).
    public static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FileError("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileError("sync", path) }
    }

    /// Removes `path` and its companions (`-wal`, `-shm`, `-journal`), those that exist.
    public static func remove(_ path: String) throws {
        try removeCompanions(of: path)
        guard unlink(path) == 0 || errno == ENOENT else { throw FileError("remove", path) }
    }

    /// Removes the companions of `path` that exist: stale ones, once nobody has it open.
    public static func removeCompanions(of path: String) throws {
        for suffix in companionSuffixes {
            guard unlink(path + suffix) == 0 || errno == ENOENT else { throw FileError("remove", path + suffix) }
        }
    }
}
