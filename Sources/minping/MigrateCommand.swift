import ArgumentParser
import Foundation
import MinpingPostgres
import MinpingService
import MinpingStore

/// `minping migrate --from FILE|URL --to FILE|URL` (SPEC §8): moves a street from SQLite to
/// PostgreSQL (or back). Stop the servers first; the target must be empty.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy every evaluation, key and ballot from one database to another, byte for byte, and check it.")

    @Option(help: "The source: a SQLite file or a postgres:// URL.")
    var from: String

    @Option(help: "The target, empty: a SQLite file (made if missing) or a postgres:// URL.")
    var to: String

    @Option(name: .customLong("key-file"),
            help: "The source's key file (default: MINPING_KEY_FILE, else the SQLite path plus .key); the target is bound to the same one.")
    var keyFile: String?

    func run() async throws {
        guard from != to else { throw CLIError(message: "--from and --to name the same database") }
        if !PostgresURL.isPostgres(from), !FileManager.default.fileExists(atPath: from) {
            throw CLIError(message: "\(from): no such database")
        }
        let source = try await ServerSupport.openStore(db: from, keyFile: keyFile)
        let target = try await ServerSupport.openStore(db: to, keyFile: source.keyPath)
        let started = Date()
        do {
            let summary = try await StoreMigration.run(from: source.store, to: target.store, keys: source.keys) { line in
                Console.error(line)
            }
            Console.out("migrated \(summary.evaluations) evaluations (\(summary.ballots) ballots, \(summary.entries) log entries, "
                + "\(summary.deskForms) forms at the tellers' desk) "
                + "and \(summary.apiKeys) API keys from \(ServerSupport.redacted(from)) to \(ServerSupport.redacted(to)) "
                + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; every bundle is byte-identical; "
                + "key file: \(source.keyPath)")
        } catch let failure as StoreMigration.Failure {
            throw CLIError(message: "\(ServerSupport.redacted(to)): \(failure)")
        }
    }
}
