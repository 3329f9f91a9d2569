import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// The PostgreSQL cluster the tests run against: `tools/test` starts a throwaway one
/// (tools/postgres-cluster) and passes its URL in MINPING_TEST_POSTGRES_URL. Without it the
/// PostgreSQL suites are skipped, saying how to run them; CI always sets it.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["MINPING_TEST_POSTGRES_URL"]

    static let skipped: Comment = """
        PostgreSQL tests skipped: MINPING_TEST_POSTGRES_URL is not set. Run tools/test, or start a cluster with \
        `tools/postgres-cluster start /tmp/pg` and run `MINPING_TEST_POSTGRES_URL=<the URL it prints> swift test`.
        """

    /// A new, empty database on the cluster; its URL.
    static func freshDatabase() async throws -> String {
        let name = "minping_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await onCluster(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        let base = try #require(url)
        var components = try #require(URLComponents(string: base))
        components.path = "/" + name
        return try #require(components.string)
    }

    /// Ends every connection to the database at `databaseURL`, as a restart or an operator's
    /// `pg_terminate_backend` would.
    static func terminateConnections(_ databaseURL: String) async throws {
        let components = try #require(URLComponents(string: databaseURL))
        let name = String(components.path.dropFirst())
        try await onCluster("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(name)")
    }

    /// Runs `query` on the cluster's `postgres` database.
    private static func onCluster(_ query: PostgresQuery) async throws {
        let base = try #require(url)
        let components = try #require(URLComponents(string: base))
        let socket = try #require(components.queryItems?.first { $0.name == "host" }?.value)
        let logger = Logger(label: "minping.test.postgres")
        let client = PostgresClient(configuration: .init(unixSocketPath: "\(socket)/.s.PGSQL.\(components.port ?? 5432)",
                                                         username: components.user ?? "minping", password: nil,
                                                         database: "postgres"), backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await client.query(query, logger: logger)
    }

    /// `body`'s result, or a failure after `seconds`: a test of something that could hang
    /// fails instead of hanging (the stuck task is left behind).
    static func within<Result: Sendable>(seconds: Int, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let once = Mutex<CheckedContinuation<Result, any Error>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            once.withLock { $0 = continuation }
            let finish: @Sendable (Swift.Result<Result, any Error>) -> Void = { result in
                once.withLock { waiting in
                    waiting?.resume(with: result)
                    waiting = nil
                }
            }
            Task {
                do {
                    finish(.success(try await body()))
                } catch {
                    finish(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                finish(.failure(TimedOut(seconds: seconds)))
            }
        }
    }
}

/// A step that did not finish in time (``TestPostgres/within(seconds:_:)``).
struct TimedOut: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "no answer within \(seconds) s" }
}
