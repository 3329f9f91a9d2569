import ArgumentParser
import Foundation
import MinpingCore
import MinpingService
import MinpingStore

/// `minping keys create --role operator|admin|reviewer|teller [--street S] [--evaluation ID] [--db FILE]`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "API keys (stored hashed), and a street's log key.",
        subcommands: [KeysCreateCommand.self, KeysListCommand.self, KeysRevokeCommand.self, KeysLogKeyCommand.self])
}

/// `minping keys list [--db FILE|URL]`: every API key by id (the first 12 hex digits of its
/// hash), role, street and creation time; never a secret.
struct KeysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the API keys (ids, roles, streets); no secret is shown.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        let keys = try await service.apiKeys()
        guard !keys.isEmpty else {
            Console.error("no API keys in \(ServerSupport.redacted(database.db)); make one with minping keys create")
            return
        }
        Console.out("id            role      street          created (UTC)")
        for key in keys {
            let role = key.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            let street = (key.street ?? "-").padding(toLength: 15, withPad: " ", startingAt: 0)
            Console.out("\(key.id)  \(role) \(street) \(LogTime.format(key.createdAt))")
        }
    }
}

/// `minping keys revoke --id ID | --key SECRET [--db FILE|URL]`: the key is deleted and
/// refused from the next request on, by every instance.
struct KeysRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an API key at once, by its id (from keys list) or the key itself.")

    @Option(help: "The key's id as keys list shows it (at least 8 hex digits).")
    var id: String?

    @Option(help: "The key itself (mp_…), if you hold it.")
    var key: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (id == nil) != (key == nil) else { throw ValidationError("give exactly one of --id and --key") }
    }

    func run() async throws {
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        let revoked = try await service.revokeAPIKey(idOrSecret: id ?? key ?? "")
        Console.out("revoked \(revoked.role.rawValue) key \(revoked.id)\(revoked.street.map { " of street \($0)" } ?? ""); it is refused from now on")
    }
}

/// `minping keys log-key --street S [--db FILE|URL]`: the street's log verifier key, made now
/// if the street has none yet, to publish before voting (and give to witnesses).
struct KeysLogKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-key", abstract: "Print a street's log verifier key (made now if it has none), on the last line.")

    @Option(help: "The street slug.")
    var street: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        let key = try await service.logVerifierKey(street: street)
        Console.error("the log verifier key of street \(street) (publish it before voting; a witness takes it with minping witness add-log):")
        Console.out(key)
    }
}

struct KeysCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Make an API key; it is printed once, on the last line.")

    @Option(help: "operator (every street), admin or reviewer (one street), teller (计票人: one evaluation, may only count its paper forms).")
    var role: String

    @Option(help: "The street slug (admin and reviewer keys).")
    var street: String?

    @Option(help: "The evaluation a teller counts (teller keys only).")
    var evaluation: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        guard let role = Role(rawValue: role) else {
            throw CLIError(message: "--role: '\(role)' is not operator, admin, reviewer or teller")
        }
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        let key: String
        if role == .teller {
            guard let evaluation else { throw CLIError(message: "--evaluation: a teller key counts one evaluation; name it") }
            key = try await service.createTellerKey(evaluation: evaluation)
        } else {
            guard evaluation == nil else { throw CLIError(message: "--evaluation is for teller keys only") }
            key = try await service.createAPIKey(role: role, street: street)
        }
        Console.error("\(role.rawValue) key\(evaluation.map { " for evaluation \($0)" } ?? street.map { " for street \($0)" } ?? "") stored hashed in \(ServerSupport.redacted(database.db)); it is shown only now:")
        Console.out(key)
    }
}
