import ArgumentParser
import Foundation
import MinpingKeys
import MinpingPostgres
import MinpingSQLite
#if canImport(Glibc)
import Glibc
#endif

/// `minping backup --db FILE --out DIR [--keep N] [--key-file FILE]` (SPEC §8): an online copy
/// of a live SQLite database, kept as `DIR/minping-<UTC time>.sqlite` once it passes
/// ``CopyCheck``. The key file is never copied.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a SQLite database while its server runs, check the copy, keep it as DIR/minping-<UTC time>.sqlite.",
        discussion: """
            The copy is one snapshot taken with SQLite's online backup. It is kept only if PRAGMA integrity_check says ok, \
            the key file opens every key sealed in it, and every evaluation's log passes the checks of `minping audit verify`; \
            otherwise nothing is kept and the exit status is 1. The key file is never copied: back it up once, apart from the \
            copies. A PostgreSQL database is backed up with pg_dump (README.md, 备份与恢复 · Backup and restore).
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The directory the copies go in (made if missing).")
    var out: String

    @Option(help: "After a successful backup, delete the oldest minping-*.sqlite copies in --out beyond the newest N (default: keep all).")
    var keep: Int?

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1, got \(keep)") }
    }

    func run() async throws {
        let db = database.db
        guard !PostgresURL.isPostgres(db) else {
            throw CLIError(message: "\(ServerSupport.redacted(db)): a PostgreSQL database: back it up with pg_dump, and check a restored copy "
                + "with minping audit export and minping audit verify (README.md, 备份与恢复 · Backup and restore)")
        }
        guard FileManager.default.fileExists(atPath: db) else { throw CLIError(message: "\(db): no such database") }
        let keyPath = KeyFile.path(option: database.keyFile, database: db)
        let keys = try CopyCheck.loadKey(keyPath, database: db)
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CLIError(message: "\(out): cannot make the directory for the copies: \(error)")
        }
        let started = Date()
        let name = try await Self.freshName(in: out)
        let path = (out as NSString).appendingPathComponent(name)
        // Dot names that `--keep` never counts; a random tag keeps two backups apart.
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let temporary = (out as NSString).appendingPathComponent(".\(name).\(tag).partial")
        let scratch = (out as NSString).appendingPathComponent(".\(name).\(tag).check")
        var kept = false
        defer { if !kept { try? SQLiteBackup.remove(temporary) } }

        Console.error("copying \(db) to \(temporary) (an online copy: the server may keep running)")
        do {
            try SQLiteBackup.copy(from: db, to: temporary) { copied, total in
                if total > 4_096 { Console.error("  \(copied * 100 / total)% (\(copied) of \(total) pages)") }
            }
        } catch {
            throw CLIError(message: "\(db): cannot copy it into \(out): \(error)")
        }
        let summary: CopyCheck.Summary
        do {
            summary = try await CopyCheck.run(temporary, shown: "the copy of \(db)", scratch: scratch, keys: keys, keyPath: keyPath)
        } catch var error as CLIError {
            error.message += "; nothing was kept"
            throw error
        } catch {
            throw CLIError(message: "the copy of \(db): \(error); nothing was kept")
        }
        do {
            guard chmod(temporary, 0o600) == 0 else { throw SQLiteBackup.FileError("make private (0600)", temporary) }
            try SQLiteBackup.sync(temporary)
            // A link, not a rename: it never replaces a copy another backup made meanwhile.
            guard link(temporary, path) == 0 else { throw SQLiteBackup.FileError("name the copy", path) }
            kept = true
            try SQLiteBackup.remove(temporary)
            try SQLiteBackup.sync(out)
        } catch {
            throw CLIError(message: "\(path): cannot keep the checked copy: \(error)")
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        Console.error("done: \(path), \(String(format: "%.1f", Double(size) / 1_000_000)) MB (\(size) bytes), "
            + "\(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(summary.evaluations) evaluations, "
            + "\(summary.entries) log entries checked")
        Console.error("the key file \(keyPath) is not in the copy (a copy with its key file could sign): back it up once, "
            + "apart from these copies")
        if let keep {
            for removed in try Self.prune(out, keep: keep) {
                Console.error("removed the older copy \(removed) (--keep \(keep))")
            }
        }
        Console.out(path)
    }

    /// `minping-20261207T031500Z.sqlite` for the current second, UTC; the next second's if a
    /// copy of this one exists (names sort as times do, so `--keep` keeps the newest).
    static func freshName(in directory: String) async throws -> String {
        while true {
            let now = Date()
            let name = fileName(at: now)
            if !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name)) { return name }
            let fraction = now.timeIntervalSince1970 - now.timeIntervalSince1970.rounded(.down)
            try await Task.sleep(for: .seconds(1.001 - fraction))
        }
    }

    static func fileName(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let time = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func digits(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "minping-" + digits(time.year, 4) + digits(time.month, 2) + digits(time.day, 2) + "T"
            + digits(time.hour, 2) + digits(time.minute, 2) + digits(time.second, 2) + "Z.sqlite"
    }

    /// Whether `name` is a copy's name, `minping-YYYYMMDDTHHMMSSZ.sqlite`.
    static func isCopyName(_ name: String) -> Bool {
        let prefix = "minping-", suffix = "Z.sqlite"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count == prefix.count + 15 + suffix.count else { return false }
        let stamp = Array(name.dropFirst(prefix.count).dropLast(suffix.count))
        return stamp.indices.allSatisfy { index in
            index == 8 ? stamp[index] == "T" : stamp[index].isASCII && stamp[index].isWholeNumber
        }
    }

    /// Deletes the copies in `directory` beyond the newest `keep`; their names.
    static func prune(_ directory: String, keep: Int) throws -> [String] {
        do {
            let copies = try FileManager.default.contentsOfDirectory(atPath: directory).filter(isCopyName).sorted(by: >)
            let old = Array(copies.dropFirst(keep))
            for name in old { try SQLiteBackup.remove((directory as NSString).appendingPathComponent(name)) }
            return old
        } catch {
            throw CLIError(message: "\(directory): the copy was kept, but the older copies beyond --keep \(keep) could not all be removed: \(error)")
        }
    }
}
