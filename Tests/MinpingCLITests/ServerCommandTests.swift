import Foundation
import MinpingCore
import MinpingTables
import Testing

@Suite("minping keys, slips, demo")
struct ServerCommandTests {
    @Test("what the service refuses is bad input: exit 2 with the reason, never a stack trace")
    func refusals() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("minping-cli-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let noStreet = try CLI.run(["keys", "create", "--role", "admin", "--db", db])
        #expect(noStreet.status == 2 && noStreet.stderr.contains("--street"))
        let key = try CLI.run(["keys", "create", "--role", "reviewer", "--street", "chengqu", "--db", db])
        #expect(key.status == 0 && key.stdout.hasPrefix("mp_"))
        let unknown = try CLI.run(["slips", "--evaluation", "nope", "--count", "1", "--out", db + ".html", "--db", db])
        #expect(unknown.status == 2 && unknown.stderr.contains("evaluation 'nope' not found"))
    }

    @Test("minping streets: add names a street once, set-name renames, list shows them; a bad slug or name is exit 2")
    func streets() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("minping-streets-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let empty = try CLI.run(["streets", "list", "--db", db])
        #expect(empty.status == 0 && empty.stderr.contains("streets add"))
        #expect(try CLI.run(["streets", "add", "--street", "chengqu", "--name", "城区街道", "--db", db]).status == 0)
        let twice = try CLI.run(["streets", "add", "--street", "chengqu", "--name", "城区", "--db", db])
        #expect(twice.status == 2 && twice.stderr.contains("already named 城区街道") && twice.stderr.contains("set-name"))
        #expect(try CLI.run(["streets", "set-name", "--street", "chengqu", "--name", "城区街道办事处", "--db", db]).status == 0)
        let badSlug = try CLI.run(["streets", "set-name", "--street", "Cheng Qu", "--name", "x", "--db", db])
        #expect(badSlug.status == 2 && badSlug.stderr.contains("not a street slug"))
        let badName = try CLI.run(["streets", "set-name", "--street", "xincheng", "--name", "新\u{202E}城", "--db", db])
        #expect(badName.status == 2 && badName.stderr.contains("U+202E"))
        let list = try CLI.run(["streets", "list", "--db", db])
        #expect(list.status == 0 && list.stdout == "chengqu\t城区街道办事处\n", "\(list.stdout)")
    }

    @Test("minping slips: code slips by default (#c= and the code as text), --kind token for token slips, --kind paper for paper forms, another kind refused")
    func slipKinds() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("minping-slips-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key", "-codes.html", "-tokens.html"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        // The evaluation is made the way a street makes it: `serve --load`, then stopped.
        let serve = Process()
        serve.executableURL = CLI.executable
        serve.arguments = ["serve", "--db", db, "--load", "Ballots/haiyan-2020.yaml", "--slips", "0", "--port", "\(Int.random(in: 20_000..<40_000))"]
        serve.currentDirectoryURL = CLI.repositoryRoot
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        let address = ["--db", db, "--public-url", "https://minping.example"]
        var codes = CLI.Run(status: -1, stdout: "", stderr: "")
        for _ in 0..<100 where codes.status != 0 {
            try await Task.sleep(for: .milliseconds(300))
            codes = try CLI.run(["slips", "--evaluation", "haiyan-2020", "--count", "3", "--out", db + "-codes.html"] + address)
        }
        serve.terminate()
        serve.waitUntilExit()
        #expect(codes.status == 0 && codes.stdout.contains("3 code slips"), "\(codes.stderr)")
        let html = try String(contentsOfFile: db + "-codes.html", encoding: .utf8)
        let printed = html.components(separatedBy: "https://minping.example/vote/haiyan-2020#c=").dropFirst().map { String($0.prefix(19)) }
        #expect(printed.count == 3 && printed.allSatisfy { html.contains("<strong>\($0)</strong>") }, "\(printed)")
        let tokens = try CLI.run(["slips", "--evaluation", "haiyan-2020", "--count", "2", "--kind", "token", "--out", db + "-tokens.html"] + address)
        #expect(tokens.status == 0 && tokens.stdout.contains("2 token slips"), "\(tokens.stderr)")
        let tokenHTML = try String(contentsOfFile: db + "-tokens.html", encoding: .utf8)
        #expect(tokenHTML.components(separatedBy: "https://minping.example/vote/haiyan-2020#t=").count - 1 == 2 && !tokenHTML.contains("#c="))
        let paper = try CLI.run(["slips", "--evaluation", "haiyan-2020", "--count", "2", "--kind", "paper", "--out", db + "-forms.html"] + address)
        #expect(paper.status == 0 && paper.stdout.contains("2 paper forms"), "\(paper.stderr)")
        let formsHTML = try String(contentsOfFile: db + "-forms.html", encoding: .utf8)
        #expect(formsHTML.contains("回执联") && formsHTML.contains("<style>"), "a standalone page of forms")
        let bogus = try CLI.run(["slips", "--evaluation", "haiyan-2020", "--count", "1", "--kind", "ballot", "--out", db + "-x.html"] + address)
        #expect(bogus.status == 2 && bogus.stderr.contains("--kind"), "\(bogus.stderr)")
    }

    @Test("the demo runs a whole evaluation and verifies its bundle")
    func demo() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("minping-demo-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let run = try CLI.run(["demo", "--ballot", "Ballots/songxing-2016.yaml", "--voters", "20", "--db", db, "--out", db + "-bundle"])
        defer { try? FileManager.default.removeItem(atPath: db + "-bundle") }
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("重复投票 a reused token was refused"))
        #expect(run.stdout.contains("OK minping/kanjia/songxing-2016: ") && run.stdout.contains("state final"))
    }

    @Test("a missing or wrong key file over a database with keys: exit 2 naming the file; none is made anew")
    func keyFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-kek-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("street.sqlite").path
        let other = directory.appendingPathComponent("other.sqlite").path
        #expect(try CLI.run(["demo", "--ballot", "Ballots/songxing-2016.yaml", "--voters", "3", "--db", db]).status == 0)
        #expect(try CLI.run(["demo", "--ballot", "Ballots/songxing-2016.yaml", "--voters", "3", "--db", other]).status == 0)
        let permissions = try FileManager.default.attributesOfItem(atPath: db + ".key")[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
        let database = try Data(contentsOf: URL(fileURLWithPath: db))
        #expect(database.range(of: Data("PRIVATE KEY".utf8)) == nil)

        try FileManager.default.moveItem(atPath: db + ".key", toPath: db + ".key.saved")
        let missing = try CLI.run(["keys", "create", "--role", "reviewer", "--street", "kanjia", "--db", db])
        #expect(missing.status == 2 && missing.stderr.contains("\(db).key: no such key file"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + ".key"), "no new key over sealed keys")
        let wrong = try CLI.run(["audit", "export", "--evaluation", "songxing-2016", "--out", directory.appendingPathComponent("b").path,
                                 "--db", db, "--key-file", other + ".key"])
        #expect(wrong.status == 2 && wrong.stderr.contains("\(other).key: this key file does not open the signing keys"), "\(wrong.stderr)")
        let named = try CLI.run(["keys", "create", "--role", "reviewer", "--street", "kanjia", "--db", db, "--key-file", db + ".key.saved"])
        #expect(named.status == 0 && named.stdout.hasPrefix("mp_"), "\(named.stderr)")
    }
}

/// Uploaded rosters are parsed in a child process (`minping parse-roster`), so a
/// crash, an exhausted limit or a hang costs one request, never the server.
@Suite("minping parse-roster and the child-process roster reader")
struct ParseRosterTests {
    @Test("parse-roster reads a CSV from standard input and answers JSON")
    func parsesCSV() throws {
        let run = try CLI.run(["parse-roster", "--format", "csv"], stdin: "姓名,党支部\n张三,一支部\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"name\":\"张三\""), "\(run.stdout)")
    }

    @Test("the server's reader gets the roster from a child of the minping binary")
    func childReads() async throws {
        let reader = RosterReader.childProcess(executable: CLI.executable)
        let roster = try await reader.read(Data("姓名,党支部\n张三,一支部\n李四,二支部\n".utf8), .csv)
        #expect(roster.members.map(\.name) == ["张三", "李四"] && roster.organizations.count == 2)
        await #expect(throws: RosterError.self) { try await reader.read(Data("a,b\n1,2\n".utf8), .csv) }
    }

    @Test("a child that dies of a signal, or hangs past its time, is a plain roster_invalid refusal")
    func childDies() async throws {
        let crashing = RosterReader.childProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "kill -SEGV $$"])
        do {
            _ = try await crashing.read(Data("x".utf8), .csv)
            Issue.record("a crashed child was not refused")
        } catch let error as RosterError {
            guard case let .parserDied(detail) = error else { Issue.record("\(error)"); return }
            #expect(detail.contains("signal") && error.description.contains("文件无法读取"), "\(detail)")
        }
        let hanging = RosterReader.childProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exec sleep 30"],
                                                timeout: .milliseconds(500))
        let started = ContinuousClock.now
        await #expect(throws: RosterError.self) { try await hanging.read(Data("x".utf8), .csv) }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("the child sets its memory and CPU limits before it reads a byte (read from /proc/PID/limits while it waits)")
    func limits() throws {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["parse-roster", "--format", "csv"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var limits = ""
        for _ in 0..<100 where !limits.contains("1073741824") {
            Thread.sleep(forTimeInterval: 0.05)
            limits = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
        }
        // No socket or file of ours is open in it beyond standard input, output and error.
        let fds = "/proc/\(process.processIdentifier)/fd"
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []).filter { (Int($0) ?? 0) > 2 }
            .compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\($0)") }
        #expect(!open.contains { $0.hasPrefix("socket:") || $0.hasPrefix("/") }, "\(open)")
        try input.fileHandleForWriting.close()
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let line = { (name: String) in limits.split(separator: "\n").first { $0.hasPrefix(name) }.map(String.init) ?? "" }
        #expect(line("Max address space").contains("1073741824"), "\(limits)")
        #expect(line("Max cpu time").contains(" 10 "), "\(limits)")
        // Past the row limit the child answers a refusal, never a crash.
        let run = try CLI.run(["parse-roster", "--format", "csv"], stdin: String(repeating: "姓名,党支部\n", count: 20_000))
        #expect(run.status == 0 && run.stdout.contains("\"refusal\":{\"tooManyRows\""), "\(run.stdout) \(run.stderr)")
    }
}
