import ArgumentParser
import Foundation
import MinpingLog
import MinpingPostgres
import MinpingService

/// `minping audit export --evaluation ID --out DIR [--db FILE] [--key-file FILE]`.
struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write an evaluation's reviewer bundle to a directory.")

    @Option(help: "The evaluation id.")
    var evaluation: String

    @Option(help: "The directory to write (definition.json, entries.jsonl, checkpoints/, keys.json, results.json).")
    var out: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        guard PostgresURL.isPostgres(database.db) || FileManager.default.fileExists(atPath: database.db) else {
            throw CLIError(message: "\(database.db): no such database")
        }
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        // Written a chunk of entries at a time (issue 35): a city's log is never held whole.
        let bundle = try await service.bundleStream(evaluation)
        try await bundle.write(to: URL(fileURLWithPath: out))
        let checkpoints = bundle.after.filter { $0.path.hasPrefix("checkpoints/") }.count
        Console.out("wrote \(out): \(bundle.size) entries, \(checkpoints) checkpoints")
        Console.out("verify: minping audit verify \(out) --log-key '\(bundle.logVerifierKey)'")
    }
}
