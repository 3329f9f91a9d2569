import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import MinpingService
import MinpingTables
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The one place the HTTP application is assembled: `minping serve`, `minping demo --serve`
/// and the tests all call this.
public func buildApplication(
    service: EvaluationService,
    configuration: ApplicationConfiguration = ApplicationConfiguration(),
    integrateEvery: Duration? = .seconds(1),
    idleTimeout: TimeAmount = defaultIdleTimeout,
    services: [any Service] = [],
    rosterReader: RosterReader = .inProcess,
    tls: TLSCertificates? = nil,
    logger: Logger = Logger(label: "minping")
) throws(PageSetupError) -> some ApplicationProtocol {
    let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ParserErrorProblemHandler()], idleTimeout: idleTimeout)
    // HTTPS built in (SPEC §8): the same HTTP/1.1 channel behind TLS, its certificate reloadable.
    let server: HTTPServerBuilder = tls.map { certificates in
        HTTPServerBuilder { responder in ReloadableTLSChannel(base: HTTP1Channel(responder: responder, configuration: http), certificates: certificates) }
    } ?? .http1(configuration: http)
    var app = Application(router: try buildRouter(service: service, rosterReader: rosterReader), server: server,
                          configuration: configuration, logger: logger)
    if let tls { app.addServices(CertificateReloadService(certificates: tls, logger: logger)) }
    if let integrateEvery {
        app.addServices(IntegratorService(service: service, interval: integrateEvery, logger: logger))
    }
    for extra in services { app.addServices(extra) }
    return app
}

/// Slow and idle clients do not hold the server's connections: a connection that sends
/// nothing, or stops mid-request (head or body), for this long is closed, as is a keep-alive
/// connection idle that long between requests. Malformed HTTP gets a problem+json 400
/// (``ParserErrorProblemHandler``).
public let defaultIdleTimeout = TimeAmount.seconds(30)

public func buildRouter(service: EvaluationService, rosterReader: RosterReader = .inProcess) throws(PageSetupError) -> Router<MinpingContext> {
    let registry = MetricsRegistry.shared
    // HEAD is answered wherever GET is (e.g. `HEAD /healthz`).
    let router = Router(context: MinpingContext.self, options: .autoGenerateHeadEndpoints)
    let allowed = AllowedMethods()
    // Metrics outermost, so refusals are counted with the status and duration of the
    // problem+json response they become, not as thrown errors (500).
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MethodNotAllowedMiddleware(allowed: allowed))
    router.add(middleware: AuthMiddleware(service: service))
    router.get("healthz") { _, _ in Body.text("ok\n") }
    router.get("metrics") { _, _ in
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    let api = router.group("api/v1")
    api.get("openapi.yaml") { _, _ in
        Body.text(OpenAPIDocument.text, type: "application/yaml; charset=utf-8")
    }
    EvaluationController(service: service).addRoutes(to: api.group("evaluations"))
    StreetController(service: service, rosters: rosterReader).addRoutes(to: api)
    AccountController(service: service).addRoutes(to: api)
    StreetRoundController(service: service).addRoutes(to: api)
    PagesController(service: service, pages: try PageRenderer()).addRoutes(to: router)
    allowed.load(from: router.routes)
    return router
}

/// Prometheus metrics for the process: the metrics system can be bootstrapped only once.
enum MetricsRegistry {
    static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// The OpenAPI document, shipped as a resource and kept true by a test against the router.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\n" }
        return text
    }()
}
