import Foundation
import Hummingbird
import Logging
import MinpingCore
import MinpingService
import MinpingStore
import NIOCore
import NIOHTTP1

/// An RFC 9457 problem with a stable `code` member.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var code: ProblemCode
    public var detail: String
    public var headers: HTTPFields = [:]
    /// Members after RFC 9457's and `code`: `differences` of 409 `entries_differ`.
    public var extensions: [(String, JSONValue)] = []

    /// The status is the code's (``ProblemCode/status``): a code has one status everywhere.
    public var status: HTTPResponse.Status {
        // The standard reason phrase, which the problem's `title` repeats (RFC 9457 §3.1.4).
        let known: [HTTPResponse.Status] = [.badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .conflict,
                                            .contentTooLarge, .unprocessableContent, .tooManyRequests, .internalServerError,
                                            .serviceUnavailable]
        return known.first { $0.code == code.status } ?? HTTPResponse.Status(code: code.status)
    }

    public init(_ code: ProblemCode, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The problem+json document: RFC 9457 §3's members, then ours. Written here, not through
    /// ``JSONValueEncoder``, because it is also written where nothing may throw (a request the
    /// HTTP parser refused, ``ParserErrorProblemHandler``), and five strings cannot fail.
    var body: ByteBuffer {
        ByteBuffer(string: JSONValue.object([
            ("type", .string("about:blank")), ("title", .string(status.reasonPhrase)), ("status", .int(status.code)),
            ("code", .string(code.rawValue)), ("detail", .string(detail)),
        ] + extensions).serialized)
    }
}

extension Problem {
    /// Every error we know mapped to its problem, in one place (SPEC §7).
    static func from(_ error: any Error) -> Problem? {
        guard var problem = known(error) else { return nil }
        if problem.code == .databaseUnavailable {
            problem.detail = "the database cannot be reached; nothing was accepted, try again shortly"
            problem.headers[.retryAfter] = "5"
        }
        return problem
    }

    private static func known(_ error: any Error) -> Problem? {
        switch error {
        case let problem as Problem:
            return problem
        case let error as any ProblemCoded:
            return Problem(error.problemCode, error.description)
        case let error as any StorageFailure where error.meansUnavailable:
            return Problem(.databaseUnavailable, "\(error)")
        case is NIOTooManyBytesError:
            return Problem(.payloadTooLarge, "the request body is too large")
        case let error as HTTPError where error.status == .notFound:
            return Problem(.notFound, "no such resource")
        case let error as HTTPError where error.status == .contentTooLarge:
            return Problem(.payloadTooLarge, "the request body is too large")
        default:
            return nil
        }
    }

    /// A client that hung up or sent broken HTTP mid-body: its fault, not ours (SPEC §7: a
    /// client that hangs up is not a 5xx). Nobody may be listening for the answer.
    static func clientGone(_ error: any Error) -> Problem? {
        switch error {
        case let error as HTTPParserError:
            var problem = Problem(error == .invalidEOFState ? .requestIncomplete : .malformedRequest, "the request could not be read")
            problem.headers[.connection] = "close"
            return problem
        case let error as IOError where [ECONNRESET, EPIPE].contains(error.errnoCode):
            return Problem(.requestIncomplete, "the connection was reset")
        default:
            return nil
        }
    }
}

/// Turns every error into problem+json. A client that went away is logged at debug; an
/// integrity failure was logged by the service; anything unknown is logged at error level
/// (Hummingbird logs them only at debug) and answered with a 500 that reveals nothing.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let page as PageError {
            return page.response
        } catch {
            if let problem = Problem.clientGone(error) {
                context.logger.debug("the client went away mid-request", metadata: ["error": "\(error)"])
                return try problem.response(from: request, context: context)
            }
            if let problem = Problem.from(error) {
                if problem.status == .serviceUnavailable {
                    context.logger.error("request refused: the database cannot be reached",
                                         metadata: ["error": "\(error)", "path": "\(context.endpointPath ?? "")"])
                } else if problem.status == .internalServerError, !(error is ServiceError) {  // the service logged its own
                    context.logger.error("request refused: stored data failed a check",
                                         metadata: ["code": "\(problem.code)", "path": "\(context.endpointPath ?? "")"])
                }
                return try problem.response(from: request, context: context)
            }
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(context.endpointPath ?? "")"])
            return try Problem(.internal, "an internal error occurred").response(from: request, context: context)
        }
    }
}
