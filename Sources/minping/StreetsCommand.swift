import ArgumentParser
import Foundation

/// `minping streets add|set-name|list`: a street's display name (城区街道), which pages and the
/// console show instead of its slug (SPEC §8).
struct StreetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streets", abstract: "Streets' display names, shown on the pages instead of the slug.",
        subcommands: [StreetsAddCommand.self, StreetsSetNameCommand.self, StreetsListCommand.self])
}

struct StreetNameOptions: ParsableArguments {
    @Option(help: "The street slug (as in the definitions and keys), e.g. chengqu.")
    var street: String

    @Option(help: "The name people read, e.g. 城区街道.")
    var name: String

    @OptionGroup var database: DatabaseOptions

    /// Names the street; `adding` refuses one that has a name already.
    func apply(adding: Bool) async throws {
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        try await service.setStreetName(street: street, name: name, adding: adding)
        Console.out("street \(street) is named \(name)")
    }
}

struct StreetsAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Name a street that has no name yet.")

    @OptionGroup var street: StreetNameOptions

    func run() async throws { try await street.apply(adding: true) }
}

struct StreetsSetNameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-name", abstract: "Name or rename a street.")

    @OptionGroup var street: StreetNameOptions

    func run() async throws { try await street.apply(adding: false) }
}

struct StreetsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the named streets.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        let names = try await service.streetNames()
        guard !names.isEmpty else {
            Console.error("no street is named yet; name one with minping streets add --street S --name 城区街道")
            return
        }
        for (slug, name) in names.sorted(by: { $0.key < $1.key }) { Console.out("\(slug)\t\(name)") }
    }
}
