import ArgumentParser
import Foundation
import MinpingHTTP
import MinpingPostgres
import MinpingService
import MinpingTokens

/// `minping slips --evaluation ID --count N --out slips.html [--kind code|token] [--db FILE] [--key-file FILE] [--public-url URL]`:
/// issues N slips and writes them as a printable A4 page with QR codes, eight to a page: code
/// slips (the default) or token slips. The codes or tokens exist only in that file: print it,
/// then delete it.
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

    @Option(help: "code (匿名码选票, the default: an enrollment code; the voting page makes the token, unseen by anyone), token (令牌选票: a signed token, for phones without WebCrypto) or paper (测评表: an A4 form with a token and its 表号, for the meeting).")
    var kind = "code"

    func run() async throws {
        guard PostgresURL.isPostgres(database.db) || FileManager.default.fileExists(atPath: database.db) else {
            throw CLIError(message: "\(database.db): no such database")
        }
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile,
                                                          configuration: .init(publicBaseURL: publicURL))
        guard let kind = SlipKind(rawValue: kind) else { throw CLIError(message: "--kind: code, token or paper, not '\(kind)'") }
        let record = try await service.record(evaluation)
        let definition = try await service.definition(evaluation)
        let slips: [PrintedSlip]
        switch kind {
        case .paper:
            let tokens = try await service.issueSlipBatch(evaluation, count: count, kind: .paper).tokens
            let html = try PageRenderer().formsHTML(definition: definition,
                                                    forms: tokens.map { (PaperForm.number(of: $0), service.slipURL(evaluation, token: $0)) },
                                                    receiptURL: service.pageURL("/receipt/\(evaluation)"), language: lang,
                                                    standalone: true)
            try write(html, what: "paper forms")
            return
        case .code:
            slips = try await service.createEnrollmentCodes(evaluation, count: count).map {
                PrintedSlip(url: service.codeSlipURL(evaluation, code: $0), code: $0)
            }
        case .token:
            slips = try await service.issueSlips(evaluation, count: count).map { PrintedSlip(url: service.slipURL(evaluation, token: $0)) }
        }
        let html = try PageRenderer().slipsHTML(definition: definition, slips: slips,
                                            firstNumber: (kind == .code ? record.lifecycle.codes : record.lifecycle.slips) + 1,
                                            language: lang, standalone: true)
        try write(html, what: kind == .code ? "code slips" : "token slips")
    }

    private func write(_ html: String, what: String) throws {
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CLIError(message: "\(out): cannot write the file (\(error.localizedDescription)); the \(count) \(what) are issued but lost")
        }
        Console.out("wrote \(count) \(what) to \(out); print it, then delete it (their \(what == "code slips" ? "codes" : "tokens") are nowhere else)")
    }
}
