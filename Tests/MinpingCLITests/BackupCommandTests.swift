import Foundation
import MinpingKeys
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `minping backup` and `minping restore`, run as a street's operator runs them (SPEC §8).
@Suite("minping backup and restore")
struct BackupCommandTests {
    /// A directory of its own holding `street.sqlite` with a finished evaluation (`minping demo`).
    static func street() throws -> (directory: URL, db: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let db = directory.appendingPathComponent("street.sqlite").path
        let demo = try CLI.run(["demo", "--ballot", "Ballots/songxing-2016.yaml", "--voters", "5", "--db", db, "--out", db + "-bundle"])
        try #require(demo.status == 0, "\(demo.stderr)")
        return (directory, db)
    }

    /// A key file of no database.
    static func strangerKey(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("stranger.key").path
        try Data(KeyEncryptionKey().fileText.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The file's inode: a file renamed into its place has another.
    static func inode(_ path: String) throws -> UInt64 {
        var info = stat()
        let status = stat(path, &info)
        try #require(status == 0, "stat \(path)")
        return UInt64(info.st_ino)
    }

    /// The evaluation's bundle exported from `db` passes `minping audit verify`.
    static func bundleVerifies(_ db: String, keyFile: String, in directory: URL) throws -> Bool {
        let bundle = directory.appendingPathComponent("bundle-\(UUID().uuidString)").path
        let export = try CLI.run(["audit", "export", "--evaluation", "songxing-2016", "--out", bundle, "--db", db, "--key-file", keyFile])
        guard export.status == 0 else { Issue.record("audit export: \(export.stderr)"); return false }
        let verify = try CLI.run(["audit", "verify", bundle])
        return verify.status == 0 && verify.stdout.hasPrefix("OK minping/kanjia/songxing-2016: ")
    }

    @Test("backup keeps a checked copy named minping-<UTC>.sqlite whose bundle verifies; --keep 2 leaves the newest two; never the key file")
    func backup() throws {
        let (directory, db) = try Self.street()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("backups").path
        var copies: [String] = []
        for _ in 0..<3 {
            let run = try CLI.run(["backup", "--db", db, "--out", out, "--keep", "2"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("checking evaluation songxing-2016 ("), "\(run.stderr)")
            #expect(run.stderr.contains("done: \(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "), "\(run.stderr)")
            #expect(run.stderr.contains("the key file \(db).key is not in the copy"), "\(run.stderr)")
            copies.append(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let names = copies.map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(names.allSatisfy { $0.range(of: #"^minping-[0-9]{8}T[0-9]{6}Z\.sqlite$"#, options: .regularExpression) != nil }, "\(names)")
        #expect(Set(names).count == 3, "a name of its own for each backup: \(names)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(left == names.suffix(2).sorted(), "the newest two and nothing else (no key file, no temporary file): \(left)")

        // The copy is a database of its own: opened (a copy of it), its evaluation's bundle verifies.
        let opened = directory.appendingPathComponent("opened.sqlite").path
        try FileManager.default.copyItem(atPath: copies[2], toPath: opened)
        #expect(try Self.bundleVerifies(opened, keyFile: db + ".key", in: directory))

        let stranger = try Self.strangerKey(in: directory)
        let wrongKey = try CLI.run(["backup", "--db", db, "--out", out, "--key-file", stranger])
        #expect(wrongKey.status == 2, "\(wrongKey.stderr)")
        #expect(wrongKey.stderr.contains("\(stranger): this key file does not open the signing keys"), "\(wrongKey.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == left, "nothing kept")

        let postgres = try CLI.run(["backup", "--db", "postgres://minping@127.0.0.1:5432/minping", "--out", out, "--key-file", stranger])
        #expect(postgres.status == 2 && postgres.stderr.contains("pg_dump"), "\(postgres.stderr)")
        let keep = try CLI.run(["backup", "--db", db, "--out", out, "--keep", "0"])
        #expect(keep.status == 2 && keep.stderr.contains("--keep"), "\(keep.stderr)")
    }

    @Test("a copy that fails a check is not kept: exit 1 naming the evaluation and the check")
    func failedCheck() throws {
        let (directory, db) = try Self.street()
        defer { try? FileManager.default.removeItem(at: directory) }
        // An entry of the log changed in place, outside minping: the log no longer verifies.
        let tamper = Process()
        tamper.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tamper.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", db,
                            "UPDATE log_entry SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"v\":1', '\"v\":2') AS BLOB) WHERE seq = 1"]
        try tamper.run()
        tamper.waitUntilExit()
        try #require(tamper.terminationStatus == 0)
        let out = directory.appendingPathComponent("backups").path
        let run = try CLI.run(["backup", "--db", db, "--out", out])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("evaluation songxing-2016: check ") && run.stderr.contains("nothing was kept"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).isEmpty, "no copy, no temporary file")
    }

    @Test("restore refuses a database a server has open and a key file of another database, changing nothing; a new path gets the copy")
    func restore() async throws {
        let (directory, db) = try Self.street()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let serve = Process()
        serve.executableURL = CLI.executable
        serve.arguments = ["serve", "--db", db, "--port", "\(Int.random(in: 20_000..<40_000))"]
        serve.currentDirectoryURL = CLI.repositoryRoot
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = try FileHandle(forWritingTo: log)
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        var serving = false
        for _ in 0..<300 where !serving {
            try await Task.sleep(for: .milliseconds(100))
            serving = (try String(contentsOf: log, encoding: .utf8)).contains("serving on")
        }
        try #require(serving && serve.isRunning, "the server did not start")

        // Backed up while the server runs; restored over it: refused.
        let backup = try CLI.run(["backup", "--db", db, "--out", directory.appendingPathComponent("backups").path])
        try #require(backup.status == 0, "\(backup.stderr)")
        let copy = backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let inode = try Self.inode(db)
        let busy = try CLI.run(["restore", "--from", copy, "--db", db])
        #expect(busy.status == 2, "\(busy.stderr)")
        #expect(busy.stderr.contains("\(db) is open (a server is running on it?): stop it first"), "\(busy.stderr)")
        #expect(try Self.inode(db) == inode, "not replaced")
        try #require(serve.isRunning, "the server was running all along")
        serve.terminate()
        serve.waitUntilExit()

        // Stopped, but a key file of another database: refused before anything is replaced.
        let stranger = try Self.strangerKey(in: directory)
        // The server's last writes may still be in the WAL; the first connection that opens the
        // database and closes checkpoints them into the file (the same data, other bytes). So
        // the file's bytes are compared from after one refused attempt.
        _ = try CLI.run(["restore", "--from", copy, "--db", db, "--key-file", stranger])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: db))
        let wrongKey = try CLI.run(["restore", "--from", copy, "--db", db, "--key-file", stranger])
        #expect(wrongKey.status == 2, "\(wrongKey.stderr)")
        #expect(wrongKey.stderr.contains("\(stranger): this key file does not open the signing keys"), "\(wrongKey.stderr)")
        #expect(wrongKey.stderr.contains("was not replaced"), "\(wrongKey.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == bytes)
        #expect(try Self.inode(db) == inode)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "no temporary or scratch file left: \(hidden)")

        // A new path, with the database's key file: the copy is installed, and no key file made.
        let fresh = directory.appendingPathComponent("restored.sqlite").path
        let restore = try CLI.run(["restore", "--from", copy, "--db", fresh, "--key-file", db + ".key"])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh + ".key"), "restore never makes a key file")
        #expect(try Self.bundleVerifies(fresh, keyFile: db + ".key", in: directory))
        let missingKey = try CLI.run(["restore", "--from", copy, "--db", directory.appendingPathComponent("other.sqlite").path])
        #expect(missingKey.status == 2 && missingKey.stderr.contains("other.sqlite.key: no such key file"), "\(missingKey.stderr)")

        // Over the stopped database, with its own key file: replaced.
        let over = try CLI.run(["restore", "--from", copy, "--db", db])
        #expect(over.status == 0, "\(over.stderr)")
        #expect(try Self.inode(db) != inode, "a new file in its place")
        #expect(try Self.bundleVerifies(db, keyFile: db + ".key", in: directory))
    }
}
