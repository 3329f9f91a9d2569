import Foundation
import GRDB
import MinpingKeys
import MinpingLog

/// A witness's own SQLite file: its name and sealed Ed25519 seed, the logs it witnesses
/// (origin → log verifier key), and per origin the size and root it last cosigned. WAL with
/// `synchronous=FULL`: a cosigned size is on disk before the cosignature leaves.
public final class WitnessStore: Sendable {
    let queue: DatabaseQueue

    public init(path: String, keys: KeyEncryptionKey) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("witness-v1") { db in
            try db.execute(sql: """
                CREATE TABLE key_check (id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB NOT NULL);
                CREATE TABLE identity (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, sealed_seed BLOB NOT NULL);
                CREATE TABLE log (origin TEXT PRIMARY KEY, verifier_key TEXT NOT NULL);
                CREATE TABLE cosigned (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL);
                """)
        }
        try migrator.migrate(queue)
        try queue.write { db in
            if let check = try keys.bind(stored: try Data.fetchOne(db, sql: "SELECT sealed FROM key_check WHERE id = 1")) {
                try db.execute(sql: "INSERT INTO key_check (id, sealed) VALUES (1, ?)", arguments: [check])
            }
        }
    }

    /// Whether the file at `path` is bound to a key-encryption key already.
    public static func holdsSealedKeys(path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try db.tableExists("key_check") && (try Bool.fetchOne(db, sql: "SELECT 1 FROM key_check") ?? false)
        }
    }

    /// What the witness's seed is sealed for.
    public static func seedPurpose(name: String) -> String { "minping witness key \(name)" }

    public func identity() throws -> (name: String, sealedSeed: Data)? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT name, sealed_seed FROM identity WHERE id = 1").map { ($0["name"], $0["sealed_seed"]) }
        }
    }

    /// Stores the witness's identity; a file holds one identity for good.
    public func setIdentity(name: String, sealedSeed: Data) throws(WitnessSetupError) {
        do {
            try queue.write { db in
                try db.execute(sql: "INSERT INTO identity (id, name, sealed_seed) VALUES (1, ?, ?)", arguments: [name, sealedSeed])
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw .alreadyInitialized
        } catch {
            throw .database("\(error)")
        }
    }

    /// Adds a log, or replaces the key of one already witnessed. Read by every request, so
    /// a running witness takes it at once.
    public func addLog(origin: String, verifierKey: String) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO log (origin, verifier_key) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET verifier_key = excluded.verifier_key",
                           arguments: [origin, verifierKey])
        }
    }

    public func logs() throws -> [(origin: String, verifierKey: String)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT origin, verifier_key FROM log ORDER BY origin").map { ($0["origin"], $0["verifier_key"]) }
        }
    }

    /// The log key for `origin`: its own entry, else the longest entry ending in `/` that it
    /// starts with (a street's logs share the street's key).
    public func logKey(origin: String) throws -> String? {
        try logs().filter { $0.origin == origin || ($0.origin.hasSuffix("/") && origin.hasPrefix($0.origin)) }
            .max { ($0.origin == origin ? Int.max : $0.origin.count) < ($1.origin == origin ? Int.max : $1.origin.count) }?
            .verifierKey
    }

    /// The size and root last cosigned for `origin` (size 0 and no root when none).
    public func cosigned(origin: String) throws -> (size: Int, root: Data?) {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT size, root FROM cosigned WHERE origin = ?", arguments: [origin])
                .map { ($0["size"], $0["root"]) } ?? (0, nil)
        }
    }

    /// Reads the stored size and root, lets `decide` accept or refuse, and stores what it
    /// returns, all in one write transaction: two requests never both see the same stored size.
    public func advance(origin: String, _ decide: (_ size: Int, _ root: Data?) throws(WitnessRefusal) -> (size: Int, root: Data)) throws {
        try queue.write { db in
            let stored = try Row.fetchOne(db, sql: "SELECT size, root FROM cosigned WHERE origin = ?", arguments: [origin])
            let (size, root) = try decide(stored?["size"] ?? 0, stored?["root"])
            try db.execute(sql: "INSERT INTO cosigned (origin, size, root) VALUES (?, ?, ?) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root",
                           arguments: [origin, size, root])
        }
    }
}

public enum WitnessSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyInitialized
    case notInitialized
    case database(String)

    public var description: String {
        switch self {
        case .alreadyInitialized: "this witness database already has a name and key"
        case .notInitialized: "this witness database has no name and key yet: run `minping witness init --name NAME` first"
        case let .database(what): "the witness database: \(what)"
        }
    }
}
