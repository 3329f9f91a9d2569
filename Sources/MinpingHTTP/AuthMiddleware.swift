import Foundation
import Hummingbird
import MinpingService
import MinpingStore

/// Who is calling: `Authorization: Bearer <key>` (scripts; an unknown key is refused, 401,
/// rather than treated as the public, so a typo is noticed), or a signed-in person's session
/// cookie (SPEC §7). A state-changing request carried by the cookie must also carry the
/// session's `X-CSRF-Token` (403 `csrf_failed`): another site can make a browser send the
/// cookie, never read the token.
struct AuthMiddleware: RouterMiddleware {
    let service: EvaluationService

    static let cookieName = "minping_session"
    /// Sign-in and the first run take no session; the slips form checks its token itself
    /// (a form cannot send a header).
    static let exempt: Set<String> = ["/api/v1/session", "/api/v1/setup"]

    func handle(_ request: Request, context: MinpingContext, next: (Request, MinpingContext) async throws -> Response) async throws -> Response {
        var context = context
        // The scheme name is case-insensitive (RFC 9110 §11.1). Other schemes (a proxy's Basic
        // credentials, say) are not ours: the request goes on without a key, so public routes
        // still answer and the others say 401.
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            guard let key = try await service.authenticate(key: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            else {
                throw Problem(.unauthenticated, "the API key is not valid")
            }
            context.key = key
            return try await next(request, context)
        }
        guard let cookie = request.cookies[Self.cookieName]?.value,
              let session = try await service.session(cookie: cookie, idle: service.configuration.sessionIdle)
        else { return try await next(request, context) }
        context.session = session
        context.key = APIKeyRecord(hash: "account:\(session.account.user)", role: session.account.role,
                                   street: session.account.street, evaluation: session.account.evaluation, createdAt: session.account.createdAt)
        let path = request.uri.path
        if ![.get, .head, .options].contains(request.method), !Self.exempt.contains(path), !path.hasPrefix("/admin/slips/"),
           HTTPFields.csrfToken.flatMap({ request.headers[$0] }) != session.csrfToken {
            throw Problem(.csrfFailed, "a request made with a signed-in session needs its X-CSRF-Token header (GET /api/v1/session gives it)")
        }
        var response = try await next(request, context)
        if let renewed = session.renewedCookie, response.headers[.setCookie] == nil {
            response.setCookie(Self.cookie(renewed, service: service))
        }
        return response
    }

    /// The session cookie: HttpOnly, SameSite=Strict, Secure when the server is reached over
    /// HTTPS, and gone from the browser once the session's idle time is over.
    static func cookie(_ value: String, service: EvaluationService) -> Cookie {
        cookie(value, maxAge: Int(service.configuration.sessionIdle), service: service)
    }

    /// Removes the cookie from the browser.
    static func expiredCookie(service: EvaluationService) -> Cookie {
        cookie("", maxAge: 0, service: service)
    }

    private static func cookie(_ value: String, maxAge: Int, service: EvaluationService) -> Cookie {
        Cookie(name: cookieName, value: value, maxAge: maxAge, path: "/",
               secure: service.configuration.publicBaseURL.lowercased().hasPrefix("https://"), httpOnly: true, sameSite: .strict)
    }
}

extension HTTPFields {
    static let csrfToken = HTTPFields.Element.Name("X-CSRF-Token")
}
