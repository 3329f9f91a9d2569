import Foundation
import Logging
import PostgresNIO
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
        let base = try #require(url)
        let name = "minping_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var components = try #require(URLComponents(string: base))
        let socket = try #require(components.queryItems?.first { $0.name == "host" }?.value)
        let logger = Logger(label: "minping.test.postgres")
        let client = PostgresClient(configuration: .init(unixSocketPath: "\(socket)/.s.PGSQL.\(components.port ?? 5432)",
                                                         username: components.user ?? "minping", password: nil,
                                                         database: "postgres"), backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        components.path = "/" + name
        return try #require(components.string)
    }
}
