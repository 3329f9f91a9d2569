import Foundation
import Testing

/// Runs the built `minping` binary as a user would.
enum CLI {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The test bundle sits in the same build folder as the executable.
    static var executable: URL {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ].compactMap { $0 }.map { $0.appendingPathComponent("minping") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
            ?? repositoryRoot.appendingPathComponent(".build/debug/minping")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryFile(_ contents: String, suffix: String) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("minping-test-\(UUID().uuidString)\(suffix)")
        try Data(contents.utf8).write(to: url)
        return url.path
    }
}

@Suite("minping tally")
struct TallyCommandTests {
    @Test("--json prints the SPEC §3 results for a sample, without a stage")
    func json() throws {
        let run = try CLI.run(["tally", "--ballot", "Ballots/fuyuan-2018.yaml", "--votes", "Ballots/votes/fuyuan-2018.jsonl", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["evaluation"] as? String == "fuyuan-2018")
        #expect(object["ballots"] as? Int == 52)
        #expect(object["electorate"] as? Int == 60)
        #expect(object["stage"] == nil)
        let subjects = try #require(object["subjects"] as? [[String: Any]])
        #expect(subjects.count == 36)
        #expect(subjects.first?["kind"] as? String == "member")
        #expect(subjects.last?["kind"] as? String == "organization")
    }

    @Test("without --json prints a table with Chinese headings")
    func table() throws {
        let run = try CLI.run(["tally", "--ballot", "Ballots/songxing-2016.yaml", "--votes", "Ballots/votes/songxing-2016.jsonl"])
        #expect(run.status == 0, "\(run.stderr)")
        for heading in ["姓名", "所在党组织", "满意", "基本满意", "不满意", "不了解", "满意率", "获星"] {
            #expect(run.stdout.contains(heading))
        }
        #expect(run.stdout.contains("本次不评星"))
    }

    @Test("votes can come from standard input")
    func standardInput() throws {
        let run = try CLI.run(["tally", "--ballot", "Ballots/fuyuan-2018.yaml", "--votes", "-", "--json"],
                              stdin: #"{"ratings":{"m-001":"satisfied"}}"# + "\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#""ballots":1"#))
    }

    @Test("a bad vote line exits 2 naming the file, the line and the reason")
    func badVote() throws {
        let votes = try CLI.temporaryFile(#"{"ratings":{"m-001":"satisfied"}}"# + "\n" + #"{"ratings":{"m-999":"satisfied"}}"# + "\n", suffix: ".jsonl")
        let run = try CLI.run(["tally", "--ballot", "Ballots/fuyuan-2018.yaml", "--votes", votes])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(votes):2: unknown subject 'm-999'"))
        #expect(run.stdout.isEmpty)
    }

    @Test("a bad definition exits 2 naming the file and the field")
    func badDefinition() throws {
        let yaml = try CLI.temporaryFile("id: x\ntitle: t\nstreet: s\nelectorate: 0\nmembers: [{id: m1, name: 王某}]\n", suffix: ".yaml")
        let run = try CLI.run(["tally", "--ballot", yaml, "--votes", "Ballots/votes/fuyuan-2018.jsonl"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(yaml):4: electorate: must be at least 1"))
    }

    @Test("more votes than the electorate is refused")
    func tooManyVotes() throws {
        let run = try CLI.run(["tally", "--ballot", "Ballots/fuyuan-2018.yaml", "--votes", "Ballots/votes/longhua-2021.jsonl"])
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty)
    }

    @Test("missing files and bad usage exit 2 with a message, never a stack trace", arguments: [
        ["tally", "--ballot", "Ballots/nope.yaml", "--votes", "Ballots/votes/fuyuan-2018.jsonl"],
        ["tally", "--ballot", "Ballots/fuyuan-2018.yaml", "--votes", "nope.jsonl"],
        ["tally", "--ballot", "Ballots/fuyuan-2018.yaml"],
        ["tally", "--bogus"],
        ["frobnicate"],
    ])
    func usage(arguments: [String]) throws {
        let run = try CLI.run(arguments)
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty)
        #expect(!run.stderr.contains("Fatal error"))
    }

    @Test("--help exits 0")
    func help() throws {
        let run = try CLI.run(["tally", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("--votes"))
    }
}
