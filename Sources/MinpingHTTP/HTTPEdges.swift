import Hummingbird
import MinpingCore
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// The methods each route path answers, read from the router once every route is added, so
/// a path that exists answers another method with 405 and an `Allow` header (SPEC §7), not 404.
final class AllowedMethods: Sendable {
    private let table = Mutex<[(path: RouterPath, methods: Set<HTTPRequest.Method>)]>([])

    func load(from routes: [Router<MinpingContext>.RouteDescription]) {
        var byPath: [String: (RouterPath, Set<HTTPRequest.Method>)] = [:]
        for route in routes { byPath[route.path.description, default: (route.path, [])].1.insert(route.method) }
        table.withLock { $0 = byPath.values.map { (path: $0.0, methods: $0.1) } }
    }

    /// Every method of the route paths `path` matches; HEAD wherever GET is (the router makes
    /// those itself).
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods = table.withLock { table in
            table.reduce(into: Set<HTTPRequest.Method>()) { found, route in
                if route.path.count == parts.count, zip(route.path, parts).allSatisfy({ $0 ~= $1 }) { found.formUnion(route.methods) }
            }
        }
        if methods.contains(.get) { methods.insert(.head) }
        return methods
    }
}

/// 405 `method_not_allowed` with `Allow` for a path that exists under another method.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: AllowedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let methods = allowed.methods(for: request.uri.path)
            guard !methods.isEmpty, !methods.contains(request.method) else { throw error }
            let allow = methods.map(\.rawValue).sorted().joined(separator: ", ")
            var problem = Problem(.methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(allow)")
            problem.headers[.allow] = allow
            throw problem
        }
    }
}

/// Gives the 400 that Hummingbird writes for a request that is not valid HTTP/1.1 (a header
/// too large, too many headers, Content-Length with Transfer-Encoding, a negative length) a
/// problem+json body like every other refusal. Those requests never reach the router, so
/// this sits in the channel pipeline, after the HTTP decoder; it rewrites Hummingbird's own
/// empty 400 (so the order of responses stays Hummingbird's).
final class ParserErrorProblemHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var parserError: HTTPParserError?
    private var pendingBody: ByteBuffer?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError, parserError == nil { parserError = error }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case var .head(head) where parserError != nil && head.status == .badRequest && head.headerFields[.contentLength] == "0":
            let tooLarge = parserError == .headerOverflow
            let body = Problem(tooLarge ? .headersTooLarge : .malformedRequest,
                               tooLarge ? "the request's headers are too large or too many" : "the request is not valid HTTP/1.1").body
            head.headerFields[.contentType] = "application/problem+json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            pendingBody = body
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case let .end(trailers) where pendingBody != nil:
            if let body = pendingBody { context.write(wrapOutboundOut(.body(body)), promise: nil) }
            pendingBody = nil
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}
