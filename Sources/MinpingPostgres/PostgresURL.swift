import Foundation
import PostgresNIO

/// `--db postgres://user:password@host:port/database` (SPEC §8), libpq style:
/// `?host=/path/to/socket/dir` connects over the Unix socket in that directory.
public enum PostgresURL {
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard isPostgres(text), let url = URLComponents(string: text) else {
            throw Invalid(description: "'\(text)' is not a postgres:// URL (postgres://user:password@host:port/database)")
        }
        let user = url.user?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        let password = url.password?.removingPercentEncoding
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        let port = url.port ?? 5432
        var configuration: PostgresClient.Configuration
        if let socketDirectory = url.queryItems?.first(where: { $0.name == "host" })?.value, socketDirectory.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            guard let host = url.host, !host.isEmpty else {
                throw Invalid(description: "'\(text)' names no host (postgres://user:password@host:port/database, or ?host=/socket/dir)")
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 20
        return configuration
    }
}
