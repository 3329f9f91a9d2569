import ArgumentParser
import Foundation
import MinpingHTTP
import MinpingPostgres
import MinpingService

/// `minping slips --evaluation ID --count N --out slips.html [--db FILE] [--key-file FILE] [--public-url URL]`:
/// issues N slips and writes them as a printable A4 page with QR codes. The tokens exist only
/// in that file: print it, then delete it.
struct SlipsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slips", abstract: "Issue slips and write them for printing (A4, QR codes).")

    @Option(help: "The evaluation id.")
    var evaluation: String

    @Option(help: "How many slips (1-10000).")
    var count: Int

    @Option(help: "The HTML file to write.")
    var out: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("public-url"), help: "The address voters reach, encoded in the QR codes.")
    var publicURL = "http://127.0.0.1:8080"

    @Option(help: "Page language: zh (default) or en.")
    var lang = "zh"

    func run() async throws {
        guard PostgresURL.isPostgres(database.db) || FileManager.default.fileExists(atPath: database.db) else {
            throw CLIError(message: "\(database.db): no such database")
        }
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile,
                                                          configuration: .init(publicBaseURL: publicURL))
        let record = try await service.record(evaluation)
        let tokens = try await service.issueSlips(evaluation, count: count)
        let html = PageRenderer().slipsHTML(definition: try await service.definition(evaluation),
                                            urls: tokens.map { service.slipURL(evaluation, token: $0) },
                                            firstNumber: record.lifecycle.slips + 1, language: lang, standalone: true)
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIError(message: "\(out): cannot write the file (\(error.localizedDescription)); the \(count) slips are issued but lost")
        }
        Console.out("wrote \(count) slips to \(out); print it, then delete it (the tokens are nowhere else)")
    }
}
