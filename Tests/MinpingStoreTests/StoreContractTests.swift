import Foundation
import GRDB
import MinpingKeys
import MinpingPostgres
import MinpingSQLite
import MinpingStore
import MinpingTestSupport
import Testing

@Suite("Storage contract")
struct StoreContractTests {
    @Test("in memory", arguments: StoreContract.cases)
    func memory(_ contract: StoreContract.Case) async throws {
        try await contract.run(MemoryStore())
    }

    @Test("SQLite", arguments: StoreContract.cases)
    func sqlite(_ contract: StoreContract.Case) async throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        try await contract.run(SQLiteStore(path: path, keys: KeyEncryptionKey()))
    }

    /// On a fresh database of the cluster tools/test starts (MINPING_TEST_POSTGRES_URL).
    @Test("PostgreSQL", .enabled(if: TestPostgres.url != nil, TestPostgres.skipped), arguments: StoreContract.cases)
    func postgres(_ contract: StoreContract.Case) async throws {
        let url = try await TestPostgres.freshDatabase()
        let store = try await PostgresStore(url: url, keys: KeyEncryptionKey())
        defer { store.shutdown() }
        try await contract.run(store)
    }
}

@Suite("SQLite durability settings")
struct SQLiteSettingsTests {
    @Test("the writer runs WAL with synchronous=FULL (2), also after reopening")
    func synchronousFull() throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        let keys = KeyEncryptionKey()
        let store = try SQLiteStore(path: path, keys: keys)
        #expect(try store.writerSynchronous() == 2)
        #expect(try store.journalMode() == "wal")
        let reopened = try SQLiteStore(path: path, keys: keys)
        #expect(try reopened.writerSynchronous() == 2)
    }

    @Test("under a steady stream of commits the WAL is started over while small, never left to grow to the backstop")
    func walStartedOver() async throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        let store = try SQLiteStore(path: path, keys: KeyEncryptionKey())
        try await StoreContract.openEvaluation(store, electorate: 100_000, slips: 100_000)
        let ratings = Dictionary(uniqueKeysWithValues: (1...40).map { ("m-\($0)", "basically_satisfied") })
        // Four writers, so the writer always has a commit queued (as under load): SQLite alone
        // would start the WAL over only in a gap between commits. About 80 MB of WAL in all.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<150 {
                        let batch = (0..<10).map { _ in
                            let nonce = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
                            return BallotRecord(evaluation: "e1", nonce: nonce, token: "token-\(nonce.base64EncodedString())",
                                                ratings: ratings, tracker: nonce.base64EncodedString())
                        }
                        let outcomes = try await store.spendTokensAndStoreBallots(batch)
                        #expect(outcomes == Array(repeating: .stored, count: 10))
                    }
                }
            }
            try await group.waitForAll()
        }
        // The WAL file keeps the size it grew to; the backstop alone let it reach 40 MB.
        let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        #expect(wal <= 16 << 20, "the WAL grew to \(wal >> 20) MB")
    }

    @Test("the ballot table keeps no casting order: rowids are random, not the next number")
    func noCastingOrder() async throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        let store = try SQLiteStore(path: path, keys: KeyEncryptionKey())
        try await StoreContract.openEvaluation(store, electorate: 300, slips: 300)
        // Nonces rise with casting order here, so neither rowid nor nonce order may follow it.
        for nonce in 1...250 {
            #expect(try await store.spendTokensAndStoreBallots([StoreContract.ballot(UInt8(nonce))]) == [.stored])
        }
        #expect(try await store.spendTokensAndStoreBallots([StoreContract.ballot(7)]) == [.tokenSpent])
        let queue = try DatabaseQueue(path: path)
        let byRowid = try await queue.read { db in try Data.fetchAll(db, sql: "SELECT nonce FROM ballot ORDER BY rowid").map { Int($0[0]) } }
        #expect(byRowid.count == 250)
        // Spearman's rank correlation with casting order: about ±0.06 for a random order.
        let n = Double(byRowid.count)
        let d2 = byRowid.enumerated().reduce(0.0) { $0 + pow(Double($1.offset + 1 - $1.element), 2) }
        let rho = 1 - 6 * d2 / (n * (n * n - 1))
        #expect(abs(rho) < 0.3, "rowid order follows casting order: rho \(rho)")
    }
}

@Suite("Signing keys at rest (SPEC §4)")
struct KeysAtRestTests {
    /// A database as v1 left it: the issuing key's PEM and the log key's seed in the clear.
    static func makeVersion1(_ path: String, pem: String, seed: Data) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE api_key (hash TEXT PRIMARY KEY, role TEXT NOT NULL, street TEXT, created_at REAL NOT NULL);
                CREATE TABLE log_key (street TEXT PRIMARY KEY, seed BLOB NOT NULL);
                CREATE TABLE evaluation (
                    id TEXT PRIMARY KEY, street TEXT NOT NULL, definition BLOB NOT NULL, token_key_pem TEXT NOT NULL,
                    state TEXT NOT NULL, slips INTEGER NOT NULL, codes INTEGER NOT NULL, issued INTEGER NOT NULL,
                    ballots INTEGER NOT NULL, electorate INTEGER NOT NULL, created_at REAL NOT NULL, preliminary_at REAL);
                CREATE TABLE enrollment_code (evaluation TEXT NOT NULL REFERENCES evaluation(id), hash TEXT NOT NULL,
                    used INTEGER NOT NULL, PRIMARY KEY (evaluation, hash)) WITHOUT ROWID;
                CREATE TABLE ballot (evaluation TEXT NOT NULL REFERENCES evaluation(id), nonce BLOB NOT NULL, token TEXT NOT NULL,
                    ratings TEXT NOT NULL, tracker TEXT NOT NULL, seq INTEGER, PRIMARY KEY (evaluation, nonce)) WITHOUT ROWID;
                CREATE INDEX ballot_by_tracker ON ballot (evaluation, tracker);
                CREATE INDEX ballot_pending ON ballot (evaluation) WHERE seq IS NULL;
                CREATE TABLE log_entry (evaluation TEXT NOT NULL REFERENCES evaluation(id), seq INTEGER NOT NULL,
                    type TEXT NOT NULL, bytes BLOB NOT NULL, leaf_hash BLOB NOT NULL, PRIMARY KEY (evaluation, seq)) WITHOUT ROWID;
                CREATE TABLE checkpoint (evaluation TEXT NOT NULL REFERENCES evaluation(id), size INTEGER NOT NULL,
                    note TEXT NOT NULL, PRIMARY KEY (evaluation, size)) WITHOUT ROWID;
                CREATE TABLE appeal (evaluation TEXT NOT NULL REFERENCES evaluation(id), id TEXT NOT NULL, subject TEXT,
                    text TEXT NOT NULL, filed_at REAL NOT NULL, outcome TEXT, note TEXT, PRIMARY KEY (evaluation, id));
                """)
            try db.execute(sql: """
                INSERT INTO evaluation VALUES ('e1', 'chengqu', CAST('{"id":"e1","publicity_days":3}' AS BLOB), ?, 'open', 2, 0, 2, 1, 10, 0, NULL)
                """, arguments: [pem])
            try db.execute(sql: "INSERT INTO log_key VALUES ('chengqu', ?)", arguments: [seed])
            // Two ballots (one integrated) and their log entries, for migration v4.
            try db.execute(sql: """
                INSERT INTO ballot VALUES ('e1', x'02', 'tok-2', '{"m-1":"satisfied"}', 'tr-2', NULL);
                INSERT INTO ballot VALUES ('e1', x'01', 'tok-1', '{"m-1":"unknown"}', 'tr-1', 1);
                INSERT INTO log_entry VALUES ('e1', 0, 'created', x'7b7d', x'00');
                INSERT INTO log_entry VALUES ('e1', 1, 'ballot', x'7b7e', x'01');
                """)
        }
    }

    static func fileBytes(_ path: String) throws -> Data {
        var bytes = Data()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            bytes += try Data(contentsOf: URL(fileURLWithPath: path + suffix))
        }
        return bytes
    }

    @Test("migration v2 seals a v1 database's clear keys, keeps the rows, and leaves no clear key in the file")
    func migrationSealsKeys() async throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        let pem = "-----BEGIN PRIVATE KEY-----\n" + String(repeating: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", count: 20) + "\n-----END PRIVATE KEY-----\n"
        let seed = Data((0..<32).map { UInt8($0 * 7 + 3) })
        try Self.makeVersion1(path, pem: pem, seed: seed)
        #expect(try Self.fileBytes(path).range(of: Data(pem.utf8)) != nil)

        let keys = KeyEncryptionKey()
        let store = try SQLiteStore(path: path, keys: keys)
        let sealedPEM = try #require(try await store.sealedTokenKey(evaluation: "e1"))
        #expect(try keys.open(sealedPEM, purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: "e1")) == Data(pem.utf8))
        let sealedSeed = try await store.sealedLogKey(street: "chengqu") { Data() }
        #expect(try keys.open(sealedSeed, purpose: KeyEncryptionKey.logKeyPurpose(street: "chengqu")) == seed)
        #expect(throws: KeyFileError.wrongKey) { try KeyEncryptionKey().open(sealedSeed, purpose: KeyEncryptionKey.logKeyPurpose(street: "chengqu")) }
        let record = try #require(try await store.evaluation(id: "e1"))
        #expect(record.state == .open && record.lifecycle.publicityDays == 3 && record.ballots == 1 && record.issued == 2)

        let bytes = try Self.fileBytes(path)
        #expect(bytes.range(of: Data("PRIVATE KEY".utf8)) == nil)
        #expect(bytes.range(of: Data("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".utf8)) == nil)
        #expect(bytes.range(of: seed) == nil)
        #expect(try SQLiteStore.holdsSealedKeys(path: path))
        #expect(throws: KeyFileError.wrongKey) { try SQLiteStore(path: path, keys: KeyEncryptionKey()) }
    }

    @Test("migrations v4 and v5: ballots and log entries in rowid tables, pending ballots and log positions apart from the ballot rows, every row kept")
    func migrationToRowidTables() async throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        try Self.makeVersion1(path, pem: "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n", seed: Data(count: 32))
        let store = try SQLiteStore(path: path, keys: KeyEncryptionKey())
        #expect(try await store.pendingBallots(evaluation: "e1") == [PendingBallot(nonce: Data([2]), token: "tok-2", storedRatings: #"{"m-1":"satisfied"}"#)])
        #expect(try await store.ballotPlace(evaluation: "e1", tracker: "tr-1") == .logged(seq: 1))
        #expect(try await store.ballotPlace(evaluation: "e1", tracker: "tr-2") == .pending)
        let dumped = try await store.dump(evaluation: "e1").normalized.ballots
        #expect(dumped.map(\.seq) == [1, nil] && dumped.map(\.token) == ["tok-1", "tok-2"])
        #expect(dumped.map(\.ratings) == [["m-1": "unknown"], ["m-1": "satisfied"]])
        #expect(try await store.entries(evaluation: "e1", range: 0..<2).map(\.bytes) == [Array("{}".utf8), Array("{~".utf8)])
        #expect(try await store.logSize(evaluation: "e1") == 2)
        let queue = try DatabaseQueue(path: path)
        let tables = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE name IN ('ballot', 'log_entry')")
        }
        #expect(tables.count == 2 && tables.allSatisfy { !$0.contains("WITHOUT ROWID") })
        // v5: a ballot's row has no log position to update; pending and positions are kept apart.
        let (columns, pending, positions) = try await queue.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('ballot')"),
             try String.fetchAll(db, sql: "SELECT tracker FROM pending_ballot"),
             try Row.fetchAll(db, sql: "SELECT tracker, seq FROM ballot_position").map { "\($0[0] as String)@\($0[1] as Int)" })
        }
        #expect(!columns.contains("seq") && columns.contains("tracker"))
        #expect(pending == ["tr-2"] && positions == ["tr-1@1"])
    }

    @Test("a new database is bound to its key at the first start, before it holds any signing key")
    func boundAtFirstStart() throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        #expect(try !SQLiteStore.holdsSealedKeys(path: path))
        let keys = KeyEncryptionKey()
        _ = try SQLiteStore(path: path, keys: keys)
        #expect(try SQLiteStore.holdsSealedKeys(path: path))
        _ = try SQLiteStore(path: path, keys: keys)
        #expect(throws: KeyFileError.wrongKey) { try SQLiteStore(path: path, keys: KeyEncryptionKey()) }
    }

    @Test("a key file is made 0600 for a new database, read back, and never made anew over sealed keys")
    func keyFile() throws {
        let path = TemporaryDatabase.path()
        let keyPath = KeyFile.path(option: nil, database: path, environment: [:])
        defer { try? FileManager.default.removeItem(atPath: keyPath) }
        #expect(keyPath == path + ".key")
        #expect(KeyFile.path(option: nil, database: path, environment: ["MINPING_KEY_FILE": "/k"]) == "/k")
        #expect(KeyFile.path(option: "/o", database: path, environment: ["MINPING_KEY_FILE": "/k"]) == "/o")
        #expect(throws: KeyFileError.missing) { try KeyFile.loadOrCreate(path: keyPath, databaseHoldsSealedKeys: true) }
        #expect(!FileManager.default.fileExists(atPath: keyPath))
        let made = try KeyFile.loadOrCreate(path: keyPath, databaseHoldsSealedKeys: false)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let read = try KeyFile.loadOrCreate(path: keyPath, databaseHoldsSealedKeys: true)
        let sealed = try made.seal(Data("x".utf8), purpose: "p")
        #expect(try read.open(sealed, purpose: "p") == Data("x".utf8))
        #expect(throws: KeyFileError.wrongKey) { try read.open(sealed, purpose: "q") }
        #expect(throws: KeyFileError.malformed) { try KeyEncryptionKey(fileText: "not a key") }
        let empty = path + ".empty.key"
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: KeyFileError.malformed) { try KeyFile.loadOrCreate(path: empty, databaseHoldsSealedKeys: false) }
        #expect(throws: KeyFileError.cannotCreate) {
            try KeyFile.loadOrCreate(path: "/nonexistent-dir-\(UUID().uuidString)/k.key", databaseHoldsSealedKeys: false)
        }
    }
}

enum TemporaryDatabase {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("minping-test-\(UUID().uuidString).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
