import ArgumentParser
import Foundation

/// `--db` and `--key-file`, the same for every command that opens the database (SPEC §8).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"),
            help: "The SQLite database file, or a PostgreSQL URL: postgres://user:password@host:port/database (?host=/socket/dir for a Unix socket). Default: MINPING_DB, else ./minping.sqlite.")
    var dbOption: String?

    /// `--db`, else `MINPING_DB` (how the package's /etc/minping/minping.conf sets it), else the default.
    var db: String { dbOption ?? ServerEnvironment.value("MINPING_DB") ?? ServerSupport.defaultDatabase }

    @Option(name: .customLong("key-file"),
            help: "The key-encryption key the signing keys are sealed under (default: MINPING_KEY_FILE, else the SQLite path plus .key; required with PostgreSQL).")
    var keyFile: String?
}

/// Options a service's environment can set (SPEC §8: `MINPING_DB`, `MINPING_PUBLIC_URL`, …);
/// a flag on the command line wins. An empty value counts as unset.
enum ServerEnvironment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    static func integer(_ name: String) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else { throw ValidationError("\(name)=\(text) is not a whole number") }
        return number
    }
}
