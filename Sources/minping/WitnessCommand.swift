import ArgumentParser
import Foundation
import Hummingbird
import MinpingKeys
import MinpingLog
import MinpingStore
import MinpingWitness

/// `minping witness init|add-log|serve` (SPEC §8): a witness run by someone outside the
/// street, with its own SQLite file and an Ed25519 key sealed under its own key file.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness", abstract: "Run a witness that cosigns streets' log checkpoints (C2SP tlog-witness).",
        subcommands: [WitnessInitCommand.self, WitnessAddLogCommand.self, WitnessServeCommand.self])
}

struct WitnessOptions: ParsableArguments {
    static let defaultDatabase = "witness.sqlite"

    @Option(name: .customLong("db"), help: "The witness's SQLite file (default: MINPING_WITNESS_DB, else ./witness.sqlite).")
    var dbOption: String?

    var db: String { dbOption ?? ServerEnvironment.value("MINPING_WITNESS_DB") ?? Self.defaultDatabase }

    @Option(name: .customLong("key-file"),
            help: "The key-encryption key the witness key is sealed under (default: the database path plus .key).")
    var keyFile: String?

    /// The store and its key file; `creating` lets a new file make a new key file.
    func open(creating: Bool) throws -> (WitnessStore, KeyEncryptionKey) {
        // Not MINPING_KEY_FILE: that names the log server's key file.
        let keyPath = keyFile ?? db + ".key"
        guard creating || FileManager.default.fileExists(atPath: db) else {
            throw CLIError(message: "\(db): no witness database here; make one with minping witness init --name NAME --db \(db)")
        }
        do {
            let bound = try WitnessStore.holdsSealedKeys(path: db)
            let keys = try KeyFile.loadOrCreate(path: keyPath, databaseHoldsSealedKeys: bound)
            return (try WitnessStore(path: db, keys: keys), keys)
        } catch let error as KeyFileError {
            throw CLIError(message: ServerSupport.keyFileMessage(error, keyPath: keyPath, db: db))
        } catch {
            throw CLIError(message: "\(db): cannot open the witness database: \(error)")
        }
    }
}

struct WitnessInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Make the witness's name and Ed25519 key; prints its verifier key on the last line.")

    @Option(help: "The witness's name, e.g. chengqu-zuzhibu.example/witness (no spaces or '+').")
    var name: String

    @OptionGroup var options: WitnessOptions

    func run() async throws {
        let (store, keys) = try options.open(creating: true)
        if let existing = try store.identity() {
            throw CLIError(message: "\(options.db): already the witness '\(existing.name)'; one file holds one witness for good")
        }
        let verifier: CosignatureVerifier
        do {
            verifier = try Witness.initialize(store: store, name: name, keys: keys)
        } catch let error as NoteError {
            throw CLIError(message: "--name: \(error)")
        }
        Console.error("witness \(name) made in \(options.db) (its key sealed under \(options.keyFile ?? options.db + ".key")). "
            + "Give this verifier key to the streets and reviewers:")
        Console.out(verifier.verifierKey)
    }
}

struct WitnessAddLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-log", abstract: "Witness a log (or, with an origin ending in /, every log of a street); a running witness takes it at once.")

    @Option(help: "The log's origin, e.g. minping/chengqu/lz-2026, or minping/chengqu/ for all of a street's logs.")
    var origin: String

    @Option(help: "The log's verifier key (minping keys log-key prints a street's).")
    var key: String

    @OptionGroup var options: WitnessOptions

    func run() async throws {
        guard !origin.isEmpty, !origin.contains("\n") else { throw CLIError(message: "--origin: an origin is one non-empty line") }
        guard (try? NoteVerifier(verifierKey: key)) != nil else {
            throw CLIError(message: "--key: '\(key)' is not a log verifier key (name+hexid+base64 of 0x01 and an Ed25519 key)")
        }
        let (store, _) = try options.open(creating: false)
        guard try store.identity() != nil else { throw CLIError(message: "\(options.db): \(WitnessSetupError.notInitialized)") }
        try store.addLog(origin: origin, verifierKey: key)
        Console.out("witnessing \(origin)\(origin.hasSuffix("/") ? " (every origin under it)" : "") with key \(key)")
    }
}

struct WitnessServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Answer POST /add-checkpoint (C2SP tlog-witness).")

    @OptionGroup var options: WitnessOptions

    @Option(name: .customLong("host"), help: "The address to listen on (default: MINPING_WITNESS_HOST, else 127.0.0.1).")
    var hostOption: String?

    @Option(name: .customLong("port"), help: "The port to listen on (default: MINPING_WITNESS_PORT, else 7380).")
    var portOption: Int?

    var host: String { hostOption ?? ServerEnvironment.value("MINPING_WITNESS_HOST") ?? "127.0.0.1" }
    var port: Int { portOption ?? (try? ServerEnvironment.integer("MINPING_WITNESS_PORT")) ?? 7380 }

    func validate() throws {
        _ = try ServerEnvironment.integer("MINPING_WITNESS_PORT")
    }

    func run() async throws {
        let (store, keys) = try options.open(creating: false)
        let witness: Witness
        do {
            witness = try Witness(store: store, keys: keys)
        } catch let error as WitnessSetupError {
            throw CLIError(message: "\(options.db): \(error)")
        } catch let error as KeyFileError {
            throw CLIError(message: ServerSupport.keyFileMessage(error, keyPath: options.keyFile ?? options.db + ".key", db: options.db))
        }
        let logger = ServerSupport.logger("minping.witness")
        let app = buildWitnessApplication(witness: witness, configuration: .init(address: .hostname(host, port: port), serverName: "minping-witness"),
                                          logger: logger)
        Console.error("witness \(witness.signer.name) serving on http://\(host):\(port)/add-checkpoint "
            + "(\(try store.logs().count) logs, database \(options.db)); its verifier key: \(witness.signer.verifier.verifierKey)")
        try await app.runService()
    }
}
