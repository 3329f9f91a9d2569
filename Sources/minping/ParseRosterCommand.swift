import ArgumentParser
import Foundation
import MinpingTables

/// `minping parse-roster --format csv|xlsx` (hidden): the child process `minping serve`
/// parses each uploaded roster in (STYLE 15). It limits its own memory and CPU time, reads
/// the file from standard input and writes the roster as JSON; a crash costs only this process.
struct ParseRosterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse-roster",
        abstract: "Parse a roster from standard input as JSON (used by serve; not for people).",
        shouldDisplay: false)

    @Option(help: "csv, xlsx or xls (refused with advice).")
    var format: String

    @Option(help: "The worksheet to read, by name (default: the first that holds a roster).")
    var sheet: String?

    func run() throws {
        guard let format = RosterFile.Format(name: format) else {
            throw CLIError(message: "--format: '\(format)' is not csv, xlsx or xls")
        }
        let status = RosterChild.childMain(format: format, sheet: sheet)
        if status != 0 { throw ExitCode(status) }
    }
}
