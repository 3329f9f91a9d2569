import ArgumentParser

/// `--db` and `--key-file`, the same for every command that opens the database (SPEC §8).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file, or a PostgreSQL URL: postgres://user:password@host:port/database (?host=/socket/dir for a Unix socket).")
    var db = ServerSupport.defaultDatabase

    @Option(name: .customLong("key-file"),
            help: "The key-encryption key the signing keys are sealed under (default: MINPING_KEY_FILE, else the SQLite path plus .key; required with PostgreSQL).")
    var keyFile: String?
}
