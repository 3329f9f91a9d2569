import ArgumentParser
import Foundation
import MinpingKeys
import MinpingPostgres
import MinpingSQLite
#if canImport(Glibc)
import Glibc
#endif

/// `minping restore --from FILE --db FILE [--key-file FILE]` (SPEC §8): puts a copy made by
/// `minping backup` in place of a SQLite database. It refuses a database that a server (or any
/// process) has open, and checks the copy (``CopyCheck``: against the key file too) before
/// anything is replaced; then the copy, written beside the target and synced, is renamed over it.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace a SQLite database with a copy made by minping backup, once no server has it open and the copy passes the checks.",
        discussion: """
            Stop the server first: a database any process has open is refused (exit 2). The copy must pass the checks of \
            minping backup (exit 1 otherwise) and open with the key file (exit 2 naming it otherwise); until then nothing \
            is replaced. Run it as the server's user (e.g. sudo -u minping): the restored file keeps the owner and mode of \
            the one it replaces. A PostgreSQL database is restored with pg_restore (README.md, 备份与恢复 · Backup and restore).
            """)

    @Option(help: "The copy to restore (a file minping backup wrote).")
    var from: String

    @Option(help: "The SQLite database to replace, or to create; no process may have it open.")
    var db: String

    @Option(name: .customLong("key-file"),
            help: "The key file the copy's keys are sealed under, the one the server uses (default: MINPING_KEY_FILE, else the --db path plus .key); never made.")
    var keyFile: String?

    func run() async throws {
        for (flag, value) in [("--from", from), ("--db", db)] where PostgresURL.isPostgres(value) {
            throw CLIError(message: "\(flag) \(ServerSupport.redacted(value)): a PostgreSQL database: restore it with pg_restore, then check it "
                + "with minping audit export and minping audit verify (README.md, 备份与恢复 · Backup and restore)")
        }
        guard FileManager.default.fileExists(atPath: from) else { throw CLIError(message: "\(from): no such file") }
        let target = URL(fileURLWithPath: db).standardizedFileURL.path
        let directory = (target as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError(message: "\(db): the directory \(directory) does not exist")
        }
        let exists = FileManager.default.fileExists(atPath: target)
        if exists, Self.sameFile(from, target) { throw CLIError(message: "--from and --db name the same file (\(db))") }
        let keyPath = KeyFile.path(option: keyFile, database: db)
        let keys = try CopyCheck.loadKey(keyPath, database: from)
        if exists { try Self.refuseIfOpen(target, shown: db) }

        let started = Date()
        let name = (target as NSString).lastPathComponent
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(tag).restore")
        let scratch = (directory as NSString).appendingPathComponent(".\(name).\(tag).check")
        var installed = false
        defer { if !installed { try? SQLiteBackup.remove(temporary) } }

        Console.error("copying \(from) to \(temporary)")
        do {
            try SQLiteBackup.copy(from: from, to: temporary)
        } catch {
            throw CLIError(message: "\(from): cannot copy it beside \(db): \(error)")
        }
        let summary: CopyCheck.Summary
        do {
            summary = try await CopyCheck.run(temporary, shown: from, scratch: scratch, keys: keys, keyPath: keyPath)
        } catch var error as CLIError {
            error.message += "; \(db) was not replaced"
            throw error
        } catch {
            throw CLIError(message: "\(from): \(error); \(db) was not replaced")
        }
        do {
            try Self.giveAttributes(of: exists ? target : nil, to: temporary, shown: db)
            try SQLiteBackup.sync(temporary)
            // Again, just before: a server started during the checks is not run over.
            if exists { try Self.refuseIfOpen(target, shown: db) }
            // A stale -wal of the old database would be read as the new one's.
            try SQLiteBackup.removeCompanions(of: target)
            guard rename(temporary, target) == 0 else { throw SQLiteBackup.FileError("rename the checked copy over it", target) }
            installed = true
            try SQLiteBackup.sync(directory)
        } catch let error as CLIError {
            throw CLIError(message: error.message + (installed ? "" : "; \(db) was not replaced"), exitCode: error.exitCode)
        } catch {
            throw CLIError(message: "\(db): \(error)" + (installed ? "" : "; it was not replaced"))
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: target))?[.size] as? NSNumber)?.int64Value ?? 0
        Console.error("done: \(db) \(exists ? "replaced by" : "made from") \(from), \(String(format: "%.1f", Double(size) / 1_000_000)) MB, "
            + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(summary.evaluations) evaluations, "
            + "\(summary.entries) log entries checked"
            + (summary.pending > 0 ? "; \(summary.pending) pending ballots are integrated when the server starts" : ""))
        Console.error("start the server on it with the same key file: minping serve --db \(db)"
            + (keyFile.map { " --key-file \($0)" } ?? ""))
        Console.out("restored \(from) to \(db)")
    }

    /// Refuses (exit 2) a database some connection has open, or a file that is not a database.
    static func refuseIfOpen(_ path: String, shown: String) throws {
        let open: Bool
        do {
            open = try SQLiteBackup.isOpen(path: path)
        } catch {
            throw CLIError(message: "\(shown): not a SQLite database that restore may replace (\(error)); move it away first")
        }
        if open { throw CLIError(message: "\(shown) is open (a server is running on it?): stop it first") }
    }

    /// The restored file gets the mode, owner and group of the file it replaces (the server's
    /// user must be able to write it); a new one is private (0600).
    static func giveAttributes(of replaced: String?, to path: String, shown: String) throws {
        var info = stat()
        guard let replaced, stat(replaced, &info) == 0 else {
            guard chmod(path, 0o600) == 0 else { throw SQLiteBackup.FileError("make private (0600)", path) }
            if getuid() == 0 {
                Console.error("\(shown) is new and belongs to root: give it to the server's user before it starts "
                    + "(e.g. chown minping:minping \(shown))")
            }
            return
        }
        guard chmod(path, info.st_mode & 0o7777) == 0 else { throw SQLiteBackup.FileError("give it the mode of the file it replaces", path) }
        if chown(path, info.st_uid, info.st_gid) != 0 {
            Console.error("warning: \(shown) could not keep the owner of the file it replaces (uid \(info.st_uid), gid \(info.st_gid)): "
                + "chown it before the server starts")
        }
    }

    static func sameFile(_ first: String, _ second: String) -> Bool {
        var one = stat(), two = stat()
        return stat(first, &one) == 0 && stat(second, &two) == 0 && one.st_dev == two.st_dev && one.st_ino == two.st_ino
    }
}
