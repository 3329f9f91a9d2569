import Hummingbird
import MinpingService

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
                throw Problem(.unauthenticated, "the API key is not valid")
            }
            context.key = key
        }
        return try await next(request, context)
    }
}
