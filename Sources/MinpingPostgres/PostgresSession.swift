import Logging
import PostgresNIO
import Synchronization

/// A leased connection whose queries end when it does.
///
/// postgres-nio 1.33.2 hands a query to its channel without a promise
/// (`channel.write(task, promise: nil)`). A query sent just after the server ended an idle
/// connection (a restart, `pg_terminate_backend`) is dropped with the channel's handlers and
/// never answered, so its caller would wait forever, and a whole batch of ballots with it.
/// Here every query also ends, with ``ConnectionClosed``, as soon as the connection closes;
/// ``PostgresStore/connectionLost(_:)`` counts that as a lost connection, so the transaction
/// runs again on another one. (The task still waiting on the dropped query is left behind:
/// a few hundred bytes, only when a connection dies in that window.)
struct Session: Sendable {
    let connection: PostgresConnection
    private let watch: CloseWatch

    init(_ connection: PostgresConnection) {
        self.connection = connection
        watch = CloseWatch.of(connection)
    }

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        let connection = connection
        let watch = watch
        return try await withCheckedThrowingContinuation { waiter in
            guard let ticket = watch.wait(waiter) else {
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
                watch.answer(ticket)?.resume(with: result)
            }
        }
    }
}

/// The connection closed while a query was waiting on it (or before it was sent).
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the PostgreSQL connection closed before the query was answered" }
}

/// The queries waiting on one connection, failed together when it closes. One watch per
/// connection, so its close is observed once however many queries it runs.
final class CloseWatch: Sendable {
    typealias Waiter = CheckedContinuation<PostgresRowSequence, any Error>

    private struct State {
        var closed = false
        var next: UInt64 = 0
        var waiting: [UInt64: Waiter] = [:]
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

    /// Registers a query's waiter; nil if the connection has closed already.
    func wait(_ waiter: Waiter) -> UInt64? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.waiting[state.next] = waiter
            return state.next
        }
    }

    /// The waiter of an answered query, unless the close has failed it already.
    func answer(_ ticket: UInt64) -> Waiter? {
        state.withLock { $0.waiting.removeValue(forKey: ticket) }
    }

    private func close() {
        let waiting = state.withLock { state in
            state.closed = true
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for waiter in waiting { waiter.resume(throwing: ConnectionClosed()) }
    }
}
