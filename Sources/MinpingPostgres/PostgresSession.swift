import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A leased connection whose queries end when it does, and whose statements can be sent
/// together.
///
/// postgres-nio 1.33.2 hands a query to its channel without a promise
/// (`channel.write(task, promise: nil)`). A query sent just after the server ended an idle
/// connection (a restart, `pg_terminate_backend`) is dropped with the channel's handlers and
/// never answered, so its caller would wait forever, and a whole batch of ballots with it.
/// Here every query also ends, with ``ConnectionClosed``, as soon as the connection closes;
/// ``PostgresStore/connectionLost(_:)`` counts that as a lost connection, so the transaction
/// runs again on another one. (The task still waiting on the dropped query is left behind:
/// a few hundred bytes, only when a connection dies in that window.)
///
/// Statements given to ``queue(_:)``, and those of ``run(_:logger:)``, go to the connection
/// one behind the other without waiting here for each answer: the connection sends the next
/// as soon as the last one's answer is in (postgres-nio puts one statement on the wire at a
/// time), and the caller wakes once for all of them. Each answer awaited costs a turn on the
/// cooperative pool behind the request handlers; a ballot transaction waits for two, not
/// eight (BENCHMARKS.md, issue 35).
final class Session: Sendable {
    let connection: PostgresConnection
    private let watch: CloseWatch
    private let queued = Mutex<[PostgresQuery]>([])

    init(_ connection: PostgresConnection) {
        self.connection = connection
        watch = CloseWatch.of(connection)
    }

    /// Sends `statement` with the next query, ahead of it. Its failure is that query's.
    func queue(_ statement: PostgresQuery) {
        queued.withLock { $0.append(statement) }
    }

    /// Forgets the statements not sent yet (a transaction given up before its first query).
    /// Whether any were left.
    @discardableResult
    func dropQueued() -> Bool {
        queued.withLock { queued in
            defer { queued = [] }
            return !queued.isEmpty
        }
    }

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let connection = connection
        let watch = watch
        let ahead = sendQueued(logger)
        return try await withCheckedThrowingContinuation { waiter in
            guard let ticket = watch.wait({ waiter.resume(throwing: $0) }) else {
                waiter.resume(throwing: ConnectionClosed())
                return
            }
            Task {
                let result: Result<PostgresRowSequence, any Error>
                do {
                    result = .success(try await connection.query(query, logger: logger))
                } catch {
                    result = .failure(error)
                }
                // A statement sent ahead failed: its error is the one that counts (the query
                // after it failed because the transaction had). Answered before the query was.
                var first: (any Error)?
                for statement in ahead {
                    do { _ = try await statement.get() } catch { first = first ?? error }
                }
                guard watch.answer(ticket) else { return }
                waiter.resume(with: first.map { .failure($0) } ?? result)
            }
        }
    }

    /// The statements queued, then `statements`, each with all its rows; the caller waits once.
    /// The first failure is thrown, as ``Failure``, with whether it was the last statement's.
    @discardableResult
    func run(_ statements: [PostgresQuery], logger: Logger) async throws(Failure) -> [PostgresQueryResult] {
        let watch = watch
        let ahead = sendQueued(logger)
        let futures = ahead + statements.map { connection.query($0, logger: logger) }
        let answers: [Result<PostgresQueryResult, any Error>]
        do {
            answers = try await withCheckedThrowingContinuation { waiter in
                guard let ticket = watch.wait({ waiter.resume(throwing: $0) }) else {
                    waiter.resume(throwing: ConnectionClosed())
                    return
                }
                EventLoopFuture.whenAllComplete(futures, on: connection.eventLoop).whenComplete { answers in
                    guard watch.answer(ticket) else { return }
                    waiter.resume(with: answers)
                }
            }
        } catch {
            throw Failure(error: error, last: true)  // the connection closed: any of them may have run
        }
        var results: [PostgresQueryResult] = []
        for (index, answer) in answers.enumerated() {
            switch answer {
            case let .success(result): results.append(result)
            case let .failure(error): throw Failure(error: error, last: index == answers.count - 1)
            }
        }
        return Array(results.dropFirst(ahead.count))
    }

    /// A statement of ``run(_:logger:)`` failed (the first to); `last` if it was the last one
    /// sent, or the connection closed before all were answered.
    struct Failure: Error {
        let error: any Error
        let last: Bool
    }

    private func sendQueued(_ logger: Logger) -> [EventLoopFuture<PostgresQueryResult>] {
        let statements = queued.withLock { queued in
            defer { queued = [] }
            return queued
        }
        return statements.map { connection.query($0, logger: logger) }
    }
}

/// The connection closed while a query was waiting on it (or before it was sent).
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the PostgreSQL connection closed before the query was answered" }
}

/// The queries waiting on one connection, failed together when it closes. One watch per
/// connection, so its close is observed once however many queries it runs.
final class CloseWatch: Sendable {
    /// Fails a waiting query.
    typealias Fail = @Sendable (any Error) -> Void

    private struct State {
        var closed = false
        var next: UInt64 = 0
        var waiting: [UInt64: Fail] = [:]
    }

    private let state = Mutex(State())
    private static let watches = Mutex<[ObjectIdentifier: CloseWatch]>([:])

    static func of(_ connection: PostgresConnection) -> CloseWatch {
        let id = ObjectIdentifier(connection)
        let (watch, isNew) = watches.withLock { watches in
            if let watch = watches[id] { return (watch, false) }
            let watch = CloseWatch()
            watches[id] = watch
            return (watch, true)
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in
                watches.withLock { watches in
                    if watches[id] === watch { watches[id] = nil }
                }
                watch.close()
            }
        }
        return watch
    }

    /// Registers a waiting query and how to fail it; nil if the connection has closed already.
    func wait(_ fail: @escaping Fail) -> UInt64? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.waiting[state.next] = fail
            return state.next
        }
    }

    /// Whether an answered query is still waiting (the close has not failed it already): then
    /// its answer is the caller's to give.
    func answer(_ ticket: UInt64) -> Bool {
        state.withLock { $0.waiting.removeValue(forKey: ticket) != nil }
    }

    private func close() {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for fail in waiting { fail(ConnectionClosed()) }
    }
}
