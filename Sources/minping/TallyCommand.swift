import ArgumentParser
import Foundation
import MinpingCore

/// `minping tally --ballot FILE --votes FILE.jsonl [--json]` (SPEC §8).
struct TallyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Count a votes file under a definition's rules and print the results (计票).",
        discussion: """
            The votes file has one JSON object per line: {"ratings":{"<subject id>":"<option id>",...}}.
            A subject a line does not name is counted as blank. Use '-' to read votes from standard input.
            """
    )

    @Option(name: .customLong("ballot"), help: "The evaluation definition (Ballots/*.yaml).")
    var ballotPath: String

    @Option(name: .customLong("votes"), help: "The votes file, JSON Lines; '-' for standard input.")
    var votesPath: String

    @Flag(name: .customLong("json"), help: "Print the SPEC §3 results JSON instead of a table.")
    var json = false

    func run() throws {
        let definition = try DefinitionFile.load(ballotPath)
        var stream = VoteStream(definition: definition)
        let progress = Progress(enabled: isatty(STDERR_FILENO) == 1)
        do {
            try ChunkReader.read(votesPath) { chunk in
                try stream.feed(chunk)
                progress.report(lines: stream.linesRead)
            }
            _ = try stream.finish()
        } catch let error as VoteLineError {
            progress.clear()
            throw CLIError(message: "\(votesPath):\(error.line): \(error.error)")
        }
        progress.clear()
        let tally = stream.tally
        guard tally.ballots <= definition.electorate else {
            throw CLIError(message: "\(votesPath): \(tally.ballots) votes, but the electorate of \(ballotPath) is \(definition.electorate)")
        }
        let results = tally.results()
        if json {
            Console.out(results.jsonValue.serialized)
        } else {
            Console.out(ResultsTable.render(results, definition: definition))
        }
    }
}

/// Reads a file (or standard input) in large chunks, so any size is read in constant memory.
enum ChunkReader {
    static let chunkSize = 1 << 22

    static func read(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CLIError(message: "\(path): cannot open the votes file (\(String(cString: strerror(errno))))")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw CLIError(message: "\(path): cannot read the votes file (\(String(cString: strerror(errno))))")
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}

/// "已读取 N 行" on standard error about once a second, only when a person is watching.
final class Progress {
    private let enabled: Bool
    private var lastReport = Date()
    private var shown = false

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func report(lines: Int) {
        guard enabled, Date().timeIntervalSince(lastReport) >= 1 else { return }
        lastReport = Date()
        shown = true
        FileHandle.standardError.write(Data("\r已读取 \(lines) 行…".utf8))
    }

    func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
