import Foundation
import Logging
import MinpingStore
import PostgresNIO
import _ConnectionPoolModule

// MARK: Transactions and reads, tried again when the connection is lost (SPEC §9)

extension PostgresStore {
    /// One transaction on one pooled connection, committed only if `body` returns. Errors are
    /// rethrown as they are (a ``StoreError`` stays one). A connection lost before COMMIT was
    /// sent (the database restarted, the backend was terminated) rolls back by itself: the
    /// transaction is run again on another connection. A connection lost
    /// at COMMIT leaves the outcome unknown: `committed` is asked (it reads on a new
    /// connection whether the transaction's writes are there); without it the error stands.
    /// Every try after the first waits a little longer (``attempts``).
    static func transaction<Result: Sendable>(_ client: PostgresClient, logger: Logger,
                                              committed: ((Result) async throws -> Bool)? = nil,
                                              _ body: (Session) async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await once(client, logger: logger, body)
            } catch let failure as AtCommit<Result> {
                guard connectionLost(failure.error), let committed else { throw unavailable(failure.error) }
                if try await unavailable({ try await committed(failure.result) }) {
                    logger.warning("PostgreSQL connection lost at COMMIT; the transaction had committed")
                    return failure.result
                }
                guard attempt < attempts else { throw unavailable(failure.error) }
                logger.warning("PostgreSQL connection lost at COMMIT before it committed; running the transaction again",
                               metadata: ["attempt": "\(attempt)", "error": "\(describe(failure.error))"])
            } catch {
                guard connectionLost(error), attempt < attempts else { throw unavailable(error) }
                logger.warning("PostgreSQL connection lost; running the transaction again",
                               metadata: ["attempt": "\(attempt)", "error": "\(describe(error))"])
            }
            try await pause(before: attempt + 1)
        }
    }

    /// How often a transaction or read that lost its connection is tried in all. With the
    /// pauses between them (0.05, 0.1, 0.2, 0.4, 0.8 s) a database restarting or ending
    /// connections costs a ballot a moment, not an error; one that stays away longer gets
    /// ``StoreError/unavailable(_:)`` (503). A database that cannot be connected to at all
    /// keeps a request waiting while the pool tries (postgres-nio gives up after 60 s).
    static let attempts = 6

    static func pause(before attempt: Int) async throws {
        try await Task.sleep(for: .milliseconds(25 << min(attempt - 1, 6)))
    }

    /// `error` as ``StoreError/unavailable(_:)`` if it means the database cannot be reached (a
    /// lost connection after every try; the pool gave up connecting), else as it is.
    static func unavailable(_ error: any Error) -> any Error {
        connectionLost(error) || error is ConnectionPoolError ? StoreError.unavailable(describe(error)) : error
    }

    static func unavailable<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw unavailable(error)
        }
    }

    /// What went wrong, for the log: postgres-nio hides a PSQLError's details from
    /// `description`; its code and SQLSTATE tell a connection problem from anything else.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        return "\(error.code)" + (error.serverInfo?[.sqlState].map { " \($0)" } ?? "")
    }

    /// A failure of COMMIT itself, with what the transaction would have returned.
    struct AtCommit<Result: Sendable>: Error {
        let result: Result
        let error: any Error
    }

    private static func once<Result: Sendable>(_ client: PostgresClient, logger: Logger,
                                               _ body: (Session) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            let connection = Session(connection)
            // Both go with the transaction's first statement; no answer is awaited for either.
            connection.queue("BEGIN")
            // SPEC §4: a 202 only after its commit is durable (also the server default).
            connection.queue("SET LOCAL synchronous_commit = on")
            let result: Result
            do {
                result = try await body(connection)
            } catch {
                // Statements the body queued after its last query were never sent. A lost
                // connection has rolled back by itself; asking it to would wait on a connection
                // that will never answer. (A ROLLBACK before BEGIN was sent only warns.)
                connection.dropQueued()
                if !connectionLost(error) {
                    do {
                        try await connection.query("ROLLBACK", logger: logger)
                    } catch let rollback {
                        // The transaction's own error is the one reported. A failed ROLLBACK
                        // means a broken connection, and the server rolls back what a closed
                        // connection left unfinished.
                        logger.warning("PostgreSQL ROLLBACK failed", metadata: ["error": "\(describe(rollback))"])
                    }
                }
                throw error
            }
            // With the statements the body queued last (Session.queue). One of them failing
            // aborted the transaction, and the server answers its COMMIT with a rollback.
            do {
                try await connection.run(["COMMIT"], logger: logger)
            } catch let failure as Session.Failure {
                guard !failure.last else { throw AtCommit(result: result, error: failure.error) }
                throw failure.error
            }
            return result
        }
    }

    /// Whether `error` means the connection is gone (the server closed it, restarted, or
    /// terminated the backend; the network failed), so nothing of an uncommitted transaction
    /// remains and it may be run again.
    static func connectionLost(_ error: any Error) -> Bool {
        if error is ConnectionClosed { return true }
        guard let error = error as? PSQLError else { return false }
        // clientClosedConnection: the pool handed out a connection the server had already
        // closed; the query never reached the database.
        if [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code) {
            return true
        }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P")  // connection exception, operator intervention
    }

    func write<Result: Sendable>(committed: ((Result) async throws -> Bool)? = nil,
                                 _ body: (Session) async throws -> Result) async throws -> Result {
        try await Self.transaction(client, logger: logger, committed: committed, body)
    }

    /// A read on one pooled connection; one that loses its connection is asked again on another.
    func read<Result: Sendable>(_ body: (Session) async throws -> Result) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in try await body(Session(connection)) }
            } catch {
                guard Self.connectionLost(error), attempt < Self.attempts else { throw Self.unavailable(error) }
                logger.warning("PostgreSQL connection lost; reading again",
                               metadata: ["attempt": "\(attempt)", "error": "\(Self.describe(error))"])
                try await Self.pause(before: attempt + 1)
            }
        }
    }
}

/// PostgreSQL's class 53, insufficient resources (53100 disk_full, 53200 out_of_memory,
/// 53300 too_many_connections): the database cannot take the write for now (503 with
/// Retry-After), as SQLite's SQLITE_FULL.
extension PSQLError: StorageFailure {
    public var meansUnavailable: Bool {
        code == .server && serverInfo?[.sqlState]?.hasPrefix("53") == true
    }
}
