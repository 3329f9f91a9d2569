import Foundation
import Hummingbird
import Logging
import MinpingCore
import MinpingService
import MinpingStore
import NIOCore

/// An RFC 9457 problem with a stable `code` member.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/problem+json"
        let body = JSONValue.object([
            ("type", .string("about:blank")), ("title", .string(status.reasonPhrase)), ("status", .int(status.code)),
            ("code", .string(code)), ("detail", .string(detail)),
        ]).serialized
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension Problem {
    /// Every service and store error mapped to its status and code, in one place (SPEC §7).
    static func from(_ error: any Error) -> Problem? {
        switch error {
        case let problem as Problem:
            return problem
        case let error as ServiceError:
            switch error {
            case .notFound: return Problem(.notFound, "not_found", error.description)
            case .definitionInvalid: return Problem(.unprocessableContent, "definition_invalid", error.description)
            case .evaluationExists: return Problem(.conflict, "evaluation_exists", error.description)
            case .electorateExceeded: return Problem(.conflict, "electorate_exceeded", error.description)
            case .codeInvalid: return Problem(.forbidden, "code_invalid", error.description)
            case .tokenInvalid: return Problem(.forbidden, "token_invalid", error.description)
            case .tokenSpent: return Problem(.conflict, "token_spent", error.description)
            case .notOpen: return Problem(.conflict, "evaluation_not_open", error.description)
            case .ballotInvalid: return Problem(.unprocessableContent, "ballot_invalid", error.description)
            case .invalidTransition: return Problem(.conflict, "invalid_transition", error.description)
            case .appealsPending: return Problem(.conflict, "appeals_pending", error.description)
            case .publicityNotOver: return Problem(.conflict, "publicity_not_over", error.description)
            case .resultsNotPublished: return Problem(.conflict, "results_not_published", error.description)
            case .alreadyResolved: return Problem(.conflict, "already_resolved", error.description)
            case .appealInvalid: return Problem(.unprocessableContent, "appeal_invalid", error.description)
            case .malformed: return Problem(.badRequest, "malformed_request", error.description)
            }
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, "payload_too_large", "the request body is too large")
        case let error as HTTPError where error.status == .notFound:
            return Problem(.notFound, "not_found", "no such resource")
        case let error as HTTPError where error.status == .methodNotAllowed:
            return Problem(.methodNotAllowed, "method_not_allowed", "method not allowed here")
        case let error as HTTPError where error.status == .contentTooLarge:
            return Problem(.contentTooLarge, "payload_too_large", "the request body is too large")
        default:
            return nil
        }
    }
}

/// Turns every error into problem+json; unknown ones are logged at error level (Hummingbird
/// logs them only at debug) and answered with a 500 that reveals nothing.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let page as PageError {
            return page.response
        } catch {
            if let problem = Problem.from(error) { return try problem.response(from: request, context: context) }
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(context.endpointPath ?? "")"])
            return try Problem(.internalServerError, "internal", "an internal error occurred").response(from: request, context: context)
        }
    }
}

/// Reads `Authorization: Bearer <key>`; an unknown key is refused (401) rather than treated
/// as the public, so a typo is noticed.
struct AuthMiddleware: RouterMiddleware {
    let service: EvaluationService

    func handle(_ request: Request, context: MinpingContext, next: (Request, MinpingContext) async throws -> Response) async throws -> Response {
        var context = context
        // The scheme name is case-insensitive (RFC 9110 §11.1). Other schemes (a proxy's Basic
        // credentials, say) are not ours: the request goes on without a key, so public routes
        // still answer and the others say 401.
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            guard let key = try await service.authenticate(key: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            else {
                throw Problem(.unauthorized, "unauthenticated", "the API key is not valid")
            }
            context.key = key
        }
        return try await next(request, context)
    }
}
