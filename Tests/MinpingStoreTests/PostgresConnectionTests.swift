import Foundation
import MinpingCore
@testable import MinpingPostgres
import MinpingKeys
import MinpingStore
import MinpingTestSupport
import PostgresNIO
import Testing
import _ConnectionPoolModule

/// The PostgreSQL store when the database ends its connections: after a restart, a failover
/// or an operator's `pg_terminate_backend`, a ballot costs a moment, never an error or a hang.
@Suite("PostgreSQL lost connections", .enabled(if: TestPostgres.url != nil, TestPostgres.skipped))
struct PostgresConnectionTests {
    @Test("ballots and log steps go through while the database ends every connection, none lost or stuck")
    func terminated() async throws {
        let url = try await TestPostgres.freshDatabase()
        let store = try await PostgresStore(url: url, keys: KeyEncryptionKey())
        defer { store.shutdown() }
        try await StoreContract.openEvaluation(store, electorate: 1000)
        try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [StoreContract.entry(2)], checkpoint: "cp3",
                                       effects: [.lifecycle(.slipsIssued(count: 500))]))
        var stored = 0
        for round in 0..<25 {
            // Twenty ballots are some forty queries: the connection is ended in the middle.
            let batch = (0..<20).map { index in
                var ballot = StoreContract.ballot(0, tracker: "t-\(round)-\(index)")
                ballot.nonce = Data("\(round)-\(index)".utf8)
                return ballot
            }
            async let ended: Void = TestPostgres.terminateConnections(url)
            let outcomes = try await TestPostgres.within(seconds: 20) { try await store.spendTokensAndStoreBallots(batch) }
            try await ended
            #expect(outcomes == Array(repeating: .stored, count: 20), "round \(round)")
            stored += outcomes.filter { $0 == .stored }.count
        }
        let pending = try await store.pendingBallots(evaluation: "e1")
        #expect(pending.count == stored && stored == 500)
        // The log moves on too: a step committed while its connection is ended.
        async let ended: Void = TestPostgres.terminateConnections(url)
        try await TestPostgres.within(seconds: 20) {
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [StoreContract.entry(3)], checkpoint: "cp4",
                                           effects: [.lifecycle(.closed(at: Date(timeIntervalSince1970: 1_800_000_100)))]))
        }
        try await ended
        #expect(try await store.logSize(evaluation: "e1") == 4)
    }
}

/// What reaches a caller when the database stays away: `database_unavailable` (503), never a
/// bare 500; every other error as it is.
@Suite("PostgreSQL unavailable")
struct PostgresUnavailableTests {
    @Test("a lost connection after every try, or a pool that gave up connecting, is StoreError.unavailable")
    func unavailable() {
        let tripped = PostgresStore.unavailable(ConnectionPoolError.connectionCreationCircuitBreakerTripped)
        #expect((tripped as? StoreError)?.code == .databaseUnavailable)
        #expect((PostgresStore.unavailable(ConnectionClosed()) as? StoreError)?.code == .databaseUnavailable)
        #expect(PostgresStore.unavailable(StoreError.codeInvalid) as? StoreError == .codeInvalid)
        #expect(PostgresStore.connectionLost(ConnectionClosed()))
        #expect(!PostgresStore.connectionLost(StoreError.logConflict))
    }
}

/// A transaction's statements sent together (Session.queue, Session.run; issue 35): each still
/// counts as if it had been awaited on its own.
@Suite("PostgreSQL statements sent together", .enabled(if: TestPostgres.url != nil, TestPostgres.skipped))
struct PostgresPipelineTests {
    @Test("a statement queued with COMMIT is committed with the rest; one that fails rolls all back with its own error")
    func queuedWithCommit() async throws {
        let store = try await PostgresStore(url: try await TestPostgres.freshDatabase(), keys: KeyEncryptionKey())
        defer { store.shutdown() }
        try await store.write { connection in _ = try await connection.query("CREATE TABLE probe (n int PRIMARY KEY)", logger: store.logger) }
        try await store.write { connection in
            try await connection.query("INSERT INTO probe VALUES (1)", logger: store.logger)
            connection.queue("INSERT INTO probe VALUES (2)")
        }
        #expect(try await probe(store) == [1, 2])
        let error = await #expect(throws: PSQLError.self) {
            try await store.write { connection in
                try await connection.query("INSERT INTO probe VALUES (3)", logger: store.logger)
                connection.queue("INSERT INTO probe VALUES (1)")  // a duplicate key
                connection.queue("INSERT INTO probe VALUES (4)")
            }
        }
        #expect(error?.serverInfo?[.sqlState] == "23505")
        #expect(try await probe(store) == [1, 2], "nothing of the failed transaction is left")
        // The connection is usable again, out of the aborted transaction.
        try await store.write { connection in connection.queue("INSERT INTO probe VALUES (5)") }
        #expect(try await probe(store) == [1, 2, 5])
    }

    @Test("statements run together answer in order; the first failure is the one thrown, and the transaction rolls back")
    func runTogether() async throws {
        let store = try await PostgresStore(url: try await TestPostgres.freshDatabase(), keys: KeyEncryptionKey())
        defer { store.shutdown() }
        try await store.write { connection in _ = try await connection.query("CREATE TABLE probe (n int PRIMARY KEY)", logger: store.logger) }
        let answers = try await store.write { connection in
            try await connection.run(["INSERT INTO probe VALUES (1), (2) RETURNING n", "SELECT count(*)::int FROM probe", "SELECT 7"],
                                     logger: store.logger).map { try $0.map { try $0.decode(Int.self) } }
        }
        #expect(answers == [[1, 2], [2], [7]])
        let failure = await #expect(throws: Session.Failure.self) {
            try await store.write { connection in
                _ = try await connection.run(["INSERT INTO probe VALUES (3)", "SELECT 1 / 0", "INSERT INTO probe VALUES (4)"], logger: store.logger)
            }
        }
        #expect((failure?.error as? PSQLError)?.serverInfo?[.sqlState] == "22012")  // the division, not the aborted insert after it
        #expect(failure?.last == false)
        #expect(try await probe(store) == [1, 2])
    }

    private func probe(_ store: PostgresStore) async throws -> [Int] {
        try await store.read { connection in
            try await connection.query("SELECT n FROM probe ORDER BY n", logger: store.logger).collect().map { try $0.decode(Int.self) }
        }
    }
}
