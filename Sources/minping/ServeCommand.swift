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
import MinpingWitnessClient
import ServiceLifecycle

/// `minping serve [--db FILE] [--key-file FILE] [--host 127.0.0.1] [--port 8080] [--load FILE]` (SPEC §8).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API on the embedded SQLite database (created on first start).")

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("host"), help: "The address to listen on (default: MINPING_HOST, else 127.0.0.1).")
    var hostOption: String?

    @Option(name: .customLong("port"), help: "The port to listen on (default: MINPING_PORT, else 8080).")
    var portOption: Int?

    @Option(name: .customLong("public-url"),
            help: "The address voters reach, printed on slips (default: MINPING_PUBLIC_URL, else http(s)://HOST:PORT).")
    var publicURLOption: String?

    @Option(name: .customLong("timezone"),
            help: "The street's time zone for every time shown to people; the API keeps UTC (default: MINPING_TIMEZONE, else Asia/Shanghai).")
    var timezoneOption: String?

    @Option(name: .customLong("session-idle-minutes"),
            help: "A signed-in session ends after this many minutes unused (default: MINPING_SESSION_IDLE_MINUTES, else 30).")
    var sessionIdleOption: Int?

    @Option(name: .customLong("tls-cert"),
            help: "A PEM certificate chain: serve HTTPS with it and --tls-key (default: MINPING_TLS_CERT). SIGHUP reloads both.")
    var tlsCertOption: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert (default: MINPING_TLS_KEY).")
    var tlsKeyOption: String?

    @Option(name: .customLong("http-port"),
            help: "With HTTPS: also listen for plain HTTP on this port, only to redirect to HTTPS (default: MINPING_HTTP_PORT).")
    var httpPortOption: Int?

    var tlsCert: String? { tlsCertOption ?? ServerEnvironment.value("MINPING_TLS_CERT") }
    var tlsKey: String? { tlsKeyOption ?? ServerEnvironment.value("MINPING_TLS_KEY") }
    var httpPort: Int? { httpPortOption ?? (try? ServerEnvironment.integer("MINPING_HTTP_PORT")) ?? nil }

    var host: String { hostOption ?? ServerEnvironment.value("MINPING_HOST") ?? "127.0.0.1" }
    var port: Int { portOption ?? (try? ServerEnvironment.integer("MINPING_PORT")) ?? 8080 }
    var publicURL: String? { publicURLOption ?? ServerEnvironment.value("MINPING_PUBLIC_URL") }
    var timezone: String { timezoneOption ?? ServerEnvironment.value("MINPING_TIMEZONE") ?? "Asia/Shanghai" }
    var sessionIdleMinutes: Int { sessionIdleOption ?? (try? ServerEnvironment.integer("MINPING_SESSION_IDLE_MINUTES")) ?? 30 }

    @Option(help: "A definition (Ballots/*.yaml) to load and open for voting, printing an admin key and a few slips.")
    var load: String?

    @Option(help: "How many slips to print with --load (0: none; print them later at /admin/slips/<id>).")
    var slips = 5

    @Option(name: .customLong("witness"),
            help: ArgumentHelp("A witness to submit every checkpoint to: its address and verifier key, URL=VKEY (repeatable).",
                               valueName: "URL=VKEY"))
    var witnesses: [String] = []

    @Option(name: .customLong("roster-parser"),
            help: ArgumentHelp("child (default: each upload in a child process) or in-process; in-process is for tools/bench/rosters' baseline only.",
                               visibility: .hidden))
    var rosterParser = "child"

    @Option(name: .customLong("integrate-every"),
            help: "Seconds between integrations of accepted ballots into the log (SPEC §5: every few seconds; 1 to 60).")
    var integrateEvery = 1

    func validate() throws {
        // A malformed number in the environment is named, not silently replaced by the default.
        _ = try ServerEnvironment.integer("MINPING_PORT")
        _ = try ServerEnvironment.integer("MINPING_SESSION_IDLE_MINUTES")
        _ = try ServerEnvironment.integer("MINPING_HTTP_PORT")
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        if let httpPort {
            guard tlsCert != nil else { throw ValidationError("--http-port redirects to HTTPS: it needs --tls-cert and --tls-key") }
            guard (1...65535).contains(httpPort), httpPort != port else {
                throw ValidationError("--http-port must be a port between 1 and 65535 other than --port, got \(httpPort)")
            }
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535, got \(port)") }
        guard (1...24 * 60).contains(sessionIdleMinutes) else {
            throw ValidationError("--session-idle-minutes must be between 1 and 1440, got \(sessionIdleMinutes)")
        }
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
        // Bad certificate files stop the start (exit 2, naming the file), before the database is touched.
        var certificates: TLSCertificates?
        if let tlsCert, let tlsKey {
            do {
                certificates = try TLSCertificates(certificate: tlsCert, key: tlsKey)
            } catch {
                throw CLIError(message: error.description)
            }
        }
        let scheme = certificates == nil ? "http" : "https"
        let service = try await ServerSupport.openService(
            db: database.db, keyFile: database.keyFile,
            configuration: .init(publicBaseURL: publicURL ?? "\(scheme)://\(host):\(port)", witnesses: endpoints.map(\.verifier),
                                 timeZone: TimeZone(identifier: timezone) ?? EvaluationService.Configuration.defaultTimeZone,
                                 sessionIdle: TimeInterval(sessionIdleMinutes * 60)),
            logger: logger)
        // Ballots accepted before a crash come first.
        let recovered = try await service.integrateAll()
        if recovered > 0 { logger.info("integrated ballots accepted before the last stop", metadata: ["count": "\(recovered)"]) }
        if let load {
            try await Self.loadAndOpen(load, slips: slips, service: service)
        }
        var services: [any Service] = endpoints.map { endpoint in
            WitnessSubmitterService(service: service, endpoint: endpoint, transport: HTTPWitnessTransport(),
                                    logger: ServerSupport.logger("minping.witness"))
        }
        if let httpPort {
            services.append(buildRedirectApplication(host: host, port: httpPort, httpsBase: publicURL ?? "https://\(host):\(port)", logger: logger))
        }
        let app = try buildApplication(
            service: service,
            configuration: .init(address: .hostname(host, port: port), serverName: "minping"),
            integrateEvery: .seconds(integrateEvery),
            services: services,
            rosterReader: rosterParser == "in-process" ? .inProcess : Self.rosterReader(),
            tls: certificates,
            logger: logger)
        if let httpPort { Console.error("plain HTTP on port \(httpPort) redirects to HTTPS") }
        Console.error("民评 Minping serving on \(scheme)://\(host):\(port)/api/v1 (database \(ServerSupport.redacted(database.db))); Ctrl-C stops.")
        // The first run: no account yet, so whoever opens this link creates the operator's.
        if let code = try await service.prepareSetup() {
            Console.error("first run: open \(service.pageURL("/setup"))#\(code) to create the operator account (the link works once)")
        }
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
