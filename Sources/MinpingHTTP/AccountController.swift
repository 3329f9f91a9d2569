import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore

/// Signing in with a password, the first run, and the operator's accounts (SPEC §7).
struct AccountController {
    let service: EvaluationService

    func addRoutes(to group: RouterGroup<MinpingContext>) {
        group.post("session", use: signIn)
        group.get("session", use: currentSession)
        group.delete("session", use: signOut)
        group.post("setup", use: setUp)
        group.get("accounts", use: accounts)
        group.post("accounts", use: createAccount)
        group.get("accounts/activity", use: activity)
        group.post("accounts/:user/disable", use: disable)
        group.post("accounts/:user/password-reset", use: resetPassword)
    }

    struct SignInRequest: Decodable {
        let user: String
        let password: String
    }

    struct SetupRequest: Decodable {
        let code: String
        let user: String
        let password: String
    }

    struct NewAccountRequest: Decodable {
        let user: String
        let role: Role
        let street: String?
        /// A teller's one evaluation (teller accounts only).
        let evaluation: String?
    }

    /// The signed-in person and the token their state-changing requests must carry.
    struct SessionInfo: JSONResponse {
        let user: String, role: Role, street: String?, streetName: String?
        let csrfToken: String
        let idleTimeoutSeconds: Int
        /// A teller's one evaluation.
        @OmittedIfNil var evaluation: String?
        var created = false
        var status: HTTPResponse.Status { created ? .created : .ok }

        enum CodingKeys: CodingKey { case user, role, street, streetName, csrfToken, idleTimeoutSeconds, evaluation }
    }

    struct SignedOut: JSONResponse {
        var signedOut = true
    }

    struct Accounts: JSONResponse {
        struct Line: Encodable {
            let user: String, role: Role, street: String?, streetName: String?, disabled: Bool
            let lockedUntil: Date?, createdAt: Date, lastSignInAt: Date?
            /// A teller's one evaluation.
            @OmittedIfNil var evaluation: String? = nil
        }

        let accounts: [Line]
    }

    /// A temporary password, shown once: the person changes nothing else and signs in with it.
    struct TemporaryPassword: JSONResponse {
        let user: String, role: Role, street: String?, temporaryPassword: String
        var created = false
        var status: HTTPResponse.Status { created ? .created : .ok }

        enum CodingKeys: CodingKey { case user, role, street, temporaryPassword }
    }

    struct Disabled: JSONResponse {
        let user: String
        var disabled = true
    }

    struct Activity: JSONResponse {
        struct Line: Encodable { let at: Date, actor: String, action: String, user: String, detail: String }

        let activity: [Line]
    }

    // MARK: Routes

    @Sendable func signIn(_ request: Request, context: MinpingContext) async throws -> Response {
        let body = try await Body.decode(SignInRequest.self, request)
        let (session, cookie) = try await service.signIn(user: body.user, password: body.password)
        var response = try await info(session).response(from: request, context: context)
        response.setCookie(AuthMiddleware.cookie(cookie, service: service))
        return response
    }

    @Sendable func currentSession(_ request: Request, context: MinpingContext) async throws -> SessionInfo {
        guard let session = context.session else {
            throw Problem(.unauthenticated, "not signed in (or the session ended: signed out elsewhere, idle too long, or the account was disabled)")
        }
        return try await info(session)
    }

    /// Signs out: this browser forgets the cookie and every session of the account ends.
    @Sendable func signOut(_ request: Request, context: MinpingContext) async throws -> Response {
        if let session = context.session { try await service.signOut(user: session.account.user) }
        var response = try SignedOut().response(from: request, context: context)
        response.setCookie(AuthMiddleware.expiredCookie(service: service))
        return response
    }

    /// The first run: the setup link's code makes the operator account, who is then signed in.
    @Sendable func setUp(_ request: Request, context: MinpingContext) async throws -> Response {
        let body = try await Body.decode(SetupRequest.self, request)
        _ = try await service.setUp(code: body.code, user: body.user, password: body.password)
        let (session, cookie) = try await service.signIn(user: body.user, password: body.password)
        var info = try await info(session)
        info.created = true
        var response = try info.response(from: request, context: context)
        response.setCookie(AuthMiddleware.cookie(cookie, service: service))
        return response
    }

    @Sendable func accounts(_ request: Request, context: MinpingContext) async throws -> Accounts {
        try context.require(.operator)
        let names = try await service.streetNames()
        return Accounts(accounts: try await service.accountList().map {
            Accounts.Line(user: $0.user, role: $0.role, street: $0.street, streetName: $0.street.flatMap { names[$0] }, disabled: $0.disabled,
                          lockedUntil: $0.lockedUntil.flatMap { $0 > Date() ? $0 : nil }, createdAt: $0.createdAt, lastSignInAt: $0.lastSignInAt,
                          evaluation: $0.evaluation)
        })
    }

    @Sendable func createAccount(_ request: Request, context: MinpingContext) async throws -> TemporaryPassword {
        let actor = try actorName(context)
        let body = try await Body.decode(NewAccountRequest.self, request)
        let password = try await service.createAccount(by: actor, user: body.user, role: body.role, street: body.street, evaluation: body.evaluation)
        let street = body.role == .teller ? try await service.record(body.evaluation ?? "").street : body.role == .operator ? nil : body.street
        return TemporaryPassword(user: body.user, role: body.role, street: street, temporaryPassword: password, created: true)
    }

    @Sendable func disable(_ request: Request, context: MinpingContext) async throws -> Disabled {
        let actor = try actorName(context)
        let account = try await service.disableAccount(by: actor, user: try context.parameters.require("user"))
        return Disabled(user: account.user)
    }

    @Sendable func resetPassword(_ request: Request, context: MinpingContext) async throws -> TemporaryPassword {
        let actor = try actorName(context)
        let (account, password) = try await service.resetPassword(by: actor, user: try context.parameters.require("user"))
        return TemporaryPassword(user: account.user, role: account.role, street: account.street, temporaryPassword: password)
    }

    @Sendable func activity(_ request: Request, context: MinpingContext) async throws -> Activity {
        try context.require(.operator)
        return Activity(activity: try await service.accountActivity().map {
            Activity.Line(at: $0.at, actor: $0.actor, action: $0.action, user: $0.user, detail: $0.detail)
        })
    }

    // MARK: Helpers

    /// The operator making a change, as the activity list names them: their account, or the
    /// key's id for a script.
    func actorName(_ context: MinpingContext) throws -> String {
        let key = try context.require(.operator)
        return context.session?.account.user ?? "key \(key.id)"
    }

    func info(_ session: SignedIn) async throws -> SessionInfo {
        let account = session.account
        return SessionInfo(user: account.user, role: account.role, street: account.street,
                           streetName: account.street == nil ? nil : try await service.streetNames()[account.street ?? ""],
                           csrfToken: session.csrfToken, idleTimeoutSeconds: Int(service.configuration.sessionIdle), evaluation: account.evaluation)
    }
}
