import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingSQLite
import MinpingStore
import MinpingTables
import MinpingWitness
import ServiceLifecycle

/// `minping serve [--db FILE] [--key-file FILE] [--host 127.0.0.1] [--port 8080] [--load FILE]` (SPEC §8).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API on the embedded SQLite database (created on first start).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8080

    @Option(name: .customLong("public-url"), help: "The address voters reach, printed on slips (default http://HOST:PORT).")
    var publicURL: String?

    @Option(help: "The street's time zone for every time shown to people (the API keeps UTC).")
    var timezone = "Asia/Shanghai"

    @Option(help: "A definition (Ballots/*.yaml) to load and open for voting, printing an admin key and a few slips.")
    var load: String?

    @Option(help: "How many slips to print with --load (0: none; print them later at /admin/slips/<id>).")
    var slips = 5

    @Option(name: .customLong("witness"),
            help: ArgumentHelp("A witness to submit every checkpoint to: its address and verifier key, URL=VKEY (repeatable).",
                               valueName: "URL=VKEY"))
    var witnesses: [String] = []

    @Option(name: .customLong("roster-parser"),
            help: ArgumentHelp("child (default: each upload in a child process) or in-process; in-process is for tools/bench-rosters' baseline only.",
                               visibility: .hidden))
    var rosterParser = "child"

    @Option(name: .customLong("integrate-every"),
            help: "Seconds between integrations of accepted ballots into the log (SPEC §5: every few seconds; 1 to 60).")
    var integrateEvery = 1

    func validate() throws {
        guard TimeZone(identifier: timezone) != nil else {
            throw ValidationError("--timezone: '\(timezone)' is not a time zone (e.g. Asia/Shanghai, Asia/Urumqi)")
        }
        guard ["child", "in-process"].contains(rosterParser) else {
            throw ValidationError("--roster-parser must be child or in-process, got \(rosterParser)")
        }
        guard (1...60).contains(integrateEvery) else {
            throw ValidationError("--integrate-every must be between 1 and 60 seconds, got \(integrateEvery)")
        }
        _ = try endpoints()
    }

    func endpoints() throws -> [WitnessEndpoint] {
        do {
            return try witnesses.map { argument throws(WitnessEndpointError) in try WitnessEndpoint(argument: argument) }
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let logger = ServerSupport.logger("minping")
        let endpoints = try endpoints()
        let service = try await ServerSupport.openService(
            db: database.db, keyFile: database.keyFile,
            configuration: .init(publicBaseURL: publicURL ?? "http://\(host):\(port)", witnesses: endpoints.map(\.verifier),
                                 timeZone: TimeZone(identifier: timezone) ?? EvaluationService.Configuration.defaultTimeZone),
            logger: logger)
        // Ballots accepted before a crash come first.
        let recovered = try await service.integrateAll()
        if recovered > 0 { logger.info("integrated ballots accepted before the last stop", metadata: ["count": "\(recovered)"]) }
        if let load {
            try await Self.loadAndOpen(load, slips: slips, service: service)
        }
        let submitters: [any Service] = endpoints.map { endpoint in
            WitnessSubmitterService(service: service, endpoint: endpoint, transport: HTTPWitnessTransport(),
                                    logger: ServerSupport.logger("minping.witness"))
        }
        let app = buildApplication(
            service: service,
            configuration: .init(address: .hostname(host, port: port), serverName: "minping"),
            integrateEvery: .seconds(integrateEvery),
            services: submitters,
            rosterReader: rosterParser == "in-process" ? .inProcess : Self.rosterReader(),
            logger: logger)
        Console.error("民评 Minping serving on http://\(host):\(port)/api/v1 (database \(ServerSupport.redacted(database.db))); Ctrl-C stops.")
        try await app.runService()
    }

    /// Uploaded rosters are parsed by a child process of this very binary (STYLE 15).
    static func rosterReader() -> RosterReader {
        #if os(Linux)
        let executable = URL(fileURLWithPath: "/proc/self/exe")  // this binary, even if replaced on disk since
        #else
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        #endif
        return .childProcess(executable: executable, concurrency: max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Creates (if new), issues slips and opens the evaluation; prints what to use.
    static func loadAndOpen(_ path: String, slips: Int, service: EvaluationService) async throws {
        let definition = try DefinitionFile.load(path)
        do {
            _ = try await service.create(definition)
        } catch ServiceError.evaluationExists {
            Console.out("evaluation \(definition.id) already exists; keeping it")
        }
        let adminKey = try await service.createAPIKey(role: .admin, street: definition.street)
        let reviewerKey = try await service.createAPIKey(role: .reviewer, street: definition.street)
        var urls: [String] = []
        let record = try await service.record(definition.id)
        var lifecycle = record.lifecycle
        if slips > 0, (try? lifecycle.apply(.slipsIssued(count: slips))) != nil {  // room left for them
            urls = try await service.issueSlips(definition.id, count: slips).map { service.slipURL(definition.id, token: $0) }
        }
        if try await service.record(definition.id).state == .draft { _ = try await service.open(definition.id) }
        Console.out("""
            evaluation: \(definition.id) (\(definition.title)), state \(try await service.record(definition.id).state.rawValue)
            log key:    \(try await service.logVerifierKey(street: definition.street))
            admin key:    \(adminKey)
            reviewer key: \(reviewerKey)
            slips (the token is after #t=):
            \(urls.map { "  " + $0 }.joined(separator: "\n"))
            pages:
              公示栏 public board  \(service.pageURL("/board/\(definition.id)"))
              查验选票 receipts     \(service.pageURL("/receipt/\(definition.id)"))
              打印选票 print slips  \(service.pageURL("/admin/slips/\(definition.id)"))  (with the admin key)
            """)
    }
}

/// `minping keys create --role operator|admin|reviewer [--street S] [--db FILE]`.
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

    @Option(help: "operator (every street), admin or reviewer (one street).")
    var role: String

    @Option(help: "The street slug (admin and reviewer keys).")
    var street: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        guard let role = Role(rawValue: role) else {
            throw CLIError(message: "--role: '\(role)' is not operator, admin or reviewer")
        }
        let service = try await ServerSupport.openService(db: database.db, keyFile: database.keyFile)
        let key = try await service.createAPIKey(role: role, street: street)
        Console.error("\(role.rawValue) key\(street.map { " for street \($0)" } ?? "") stored hashed in \(ServerSupport.redacted(database.db)); it is shown only now:")
        Console.out(key)
    }
}
