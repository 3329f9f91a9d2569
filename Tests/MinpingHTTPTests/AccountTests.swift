import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingHTTP
import MinpingService
import NIOCore
import Testing

/// A browser's side of a session: the cookie it was given and the CSRF token it read.
private struct Browser {
    var cookie: String?
    var csrf: String?

    /// Sends a request as a browser would: the cookie always, the CSRF header when asked.
    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil,
              csrf sendToken: Bool = true) async throws -> (Reply, setCookie: String?) {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = "minping_session=\(cookie)" }
        if sendToken, let csrf, let name = HTTPFields.Element.Name("X-CSRF-Token") { headers[name] = csrf }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            (Reply(status: Int(response.status.code), body: String(buffer: response.body), contentType: response.headers[.contentType]),
             response.headers[.setCookie])
        }
    }

    /// Signs in; keeps the cookie and the token.
    static func signIn(_ client: some TestClientProtocol, user: String, password: String) async throws -> (Reply, Browser) {
        let (reply, setCookie) = try await Browser().call(client, .post, "/api/v1/session", json: ["user": user, "password": password])
        return (reply, Browser(cookie: setCookie.flatMap(Self.value), csrf: reply.json["csrf_token"] as? String))
    }

    static func value(_ setCookie: String) -> String? {
        guard let first = setCookie.split(separator: ";").first, first.hasPrefix("minping_session=") else { return nil }
        return String(first.dropFirst("minping_session=".count))
    }
}

@Suite("Accounts: the first run, password sign-in, sessions, CSRF, locking, the operator's accounts")
struct AccountTests {
    /// The server with its operator account made through the setup code, and that operator signed in.
    private func setUp(_ server: TestServer, _ client: some TestClientProtocol) async throws -> Browser {
        let code = try #require(try await server.service.prepareSetup())
        let (reply, setCookie) = try await Browser().call(client, .post, "/api/v1/setup",
                                                          json: ["code": code, "user": "zhang", "password": "correct horse"])
        #expect(reply.status == 201, "\(reply.body)")
        #expect(reply.json["role"] as? String == "operator")
        let second = try await Browser().call(client, .post, "/api/v1/setup", json: ["code": code, "user": "li", "password": "correct horse"]).0
        #expect(second.status == 403 && second.code == "forbidden", "the setup link works once: \(second.body)")
        #expect(try await server.service.prepareSetup() == nil, "no new link once an account exists")
        let cookie = setCookie.flatMap { Browser.value($0) }
        #expect(cookie != nil, "the setup signs the operator in")
        return Browser(cookie: cookie, csrf: reply.json["csrf_token"] as? String)
    }

    /// An account of the street chengqu, made by the operator; its temporary password.
    private func createAccount(_ client: some TestClientProtocol, _ operatorSession: Browser, user: String, role: String) async throws -> String {
        let reply = try await operatorSession.call(client, .post, "/api/v1/accounts", json: ["user": user, "role": role, "street": "chengqu"]).0
        return try #require(reply.json["temporary_password"] as? String, "\(reply.body)")
    }

    @Test("the setup link makes the operator, who creates a street's admin; the admin signs in with the temporary password and acts for the street")
    func firstRunToAdmin() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let operatorSession = try await setUp(server, client)
            let created = try await operatorSession.call(client, .post, "/api/v1/accounts",
                                                         json: ["user": "clerk", "role": "admin", "street": "chengqu"]).0
            #expect(created.status == 201, "\(created.body)")
            let password = try #require(created.json["temporary_password"] as? String)
            let (signedIn, admin) = try await Browser.signIn(client, user: "clerk", password: password)
            #expect(signedIn.status == 200 && signedIn.json["street"] as? String == "chengqu", "\(signedIn.body)")
            let definition = try await admin.call(client, .post, "/api/v1/evaluations", json: try JSONSerialization.jsonObject(
                with: Data(#"{"id":"lz-2026","title":"柳庄","street":"chengqu","electorate":10,"organizations":[{"id":"o-1","name":"一支部"}],"members":[{"id":"m-1","name":"王某","organization":"o-1"}]}"#.utf8))).0
            #expect(definition.status == 201, "an admin signed in with a password defines an evaluation: \(definition.body)")
            let whoami = try await admin.call(client, .get, "/api/v1/whoami").0
            #expect(whoami.json["role"] as? String == "admin")
            let other = try await admin.call(client, .post, "/api/v1/streets", json: ["street": "x", "name": "X街道"]).0
            #expect(other.status == 403, "an admin is not an operator")
            let list = try await operatorSession.call(client, .get, "/api/v1/accounts").0
            let users = (list.json["accounts"] as? [[String: Any]] ?? []).compactMap { $0["user"] as? String }
            #expect(users == ["clerk", "zhang"])
            let activity = try await operatorSession.call(client, .get, "/api/v1/accounts/activity").0
            let actions = (activity.json["activity"] as? [[String: Any]] ?? []).map { "\($0["actor"] ?? "") \($0["action"] ?? "") \($0["user"] ?? "")" }
            #expect(actions == ["zhang created clerk", "setup created zhang"])
        }
    }

    @Test("a wrong user name and a wrong password get the same answer; ten failures lock the account, even for the right password")
    func lockout() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let operatorSession = try await setUp(server, client)
            let password = try await createAccount(client, operatorSession, user: "clerk", role: "admin")
            let unknown = try await Browser.signIn(client, user: "nobody", password: "whatever1").0
            let wrong = try await Browser.signIn(client, user: "clerk", password: "whatever1").0
            #expect(unknown.status == 401 && wrong.status == 401)
            #expect(unknown.json["detail"] as? String == wrong.json["detail"] as? String, "the same words for both")
            for _ in 2...9 { _ = try await Browser.signIn(client, user: "clerk", password: "whatever1") }
            let tenth = try await Browser.signIn(client, user: "clerk", password: "whatever1").0
            #expect(tenth.status == 429 && tenth.code == "account_locked", "\(tenth.body)")
            let right = try await Browser.signIn(client, user: "clerk", password: password).0
            #expect(right.status == 429, "locked even with the right password")
            server.clock.advance(days: 16.0 / 24 / 60)
            let later = try await Browser.signIn(client, user: "clerk", password: password).0
            #expect(later.status == 200, "unlocked after 15 minutes: \(later.body)")
        }
    }

    @Test("a state-changing request with the cookie needs the X-CSRF-Token; a GET does not")
    func csrf() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let operatorSession = try await setUp(server, client)
            let without = try await operatorSession.call(client, .post, "/api/v1/accounts", json: ["user": "a", "role": "operator"], csrf: false).0
            #expect(without.status == 403 && without.code == "csrf_failed", "\(without.body)")
            var forged = operatorSession
            forged.csrf = "not-the-token"
            #expect(try await forged.call(client, .post, "/api/v1/accounts", json: ["user": "a", "role": "operator"]).0.code == "csrf_failed")
            #expect(try await operatorSession.call(client, .get, "/api/v1/accounts", csrf: false).0.status == 200)
            let list = try await server.service.accountList()
            #expect(list.map(\.user) == ["zhang"], "nothing was created without the token")
        }
    }

    @Test("disabling an account ends its session at once; signing out ends it too; an idle session ends")
    func sessionsEnd() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let operatorSession = try await setUp(server, client)
            let password = try await createAccount(client, operatorSession, user: "clerk", role: "admin")
            let admin = try await Browser.signIn(client, user: "clerk", password: password).1
            #expect(try await admin.call(client, .get, "/api/v1/session").0.status == 200)
            #expect(try await operatorSession.call(client, .post, "/api/v1/accounts/clerk/disable").0.status == 200)
            #expect(try await admin.call(client, .get, "/api/v1/session").0.status == 401, "the disabled account's session ended")
            #expect(try await Browser.signIn(client, user: "clerk", password: password).0.status == 401, "and it cannot sign in")
            #expect(try await operatorSession.call(client, .post, "/api/v1/accounts/zhang/disable").0.status == 403,
                    "an operator cannot disable themselves")

            let (_, out) = try await operatorSession.call(client, .delete, "/api/v1/session")
            #expect(out?.contains("Max-Age=0") == true, "the cookie is removed")
            #expect(try await operatorSession.call(client, .get, "/api/v1/session").0.status == 401, "signed out")

            let again = try await Browser.signIn(client, user: "zhang", password: "correct horse").1
            server.clock.advance(days: 31.0 / 24 / 60)
            #expect(try await again.call(client, .get, "/api/v1/session").0.status == 401, "30 minutes idle end the session")
        }
    }

    @Test("the cookie: HttpOnly and SameSite=Strict, Secure only when the server is reached over HTTPS; a forged cookie is the public")
    func cookieAttributes() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await setUp(server, client)
            let (_, plain) = try await Browser().call(client, .post, "/api/v1/session", json: ["user": "zhang", "password": "correct horse"])
            let attributes = try #require(plain)
            #expect(attributes.contains("HttpOnly") && attributes.contains("SameSite=Strict") && !attributes.contains("Secure"),
                    "over plain HTTP the browser must keep it: \(attributes)")
            let forged = Browser(cookie: "emhhbmcKMAoxODAwMDAwMDAwCjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw.AAAA", csrf: nil)
            #expect(try await forged.call(client, .get, "/api/v1/session").0.status == 401)
        }
        let https = EvaluationService(store: server.service.store, keys: TestServer.keys,
                                      configuration: .init(publicBaseURL: "https://minping.example"), logger: server.logger)
        try await buildApplication(service: https, integrateEvery: nil, logger: server.logger).test(.router) { client in
            let (_, secure) = try await Browser().call(client, .post, "/api/v1/session", json: ["user": "zhang", "password": "correct horse"])
            #expect(secure?.contains("Secure") == true, "\(secure ?? "no cookie")")
        }
    }

    @Test("a password reset shows a new temporary password once and ends the old sessions")
    func passwordReset() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let operatorSession = try await setUp(server, client)
            let first = try await createAccount(client, operatorSession, user: "shen", role: "reviewer")
            let reviewer = try await Browser.signIn(client, user: "shen", password: first).1
            let reset = try await operatorSession.call(client, .post, "/api/v1/accounts/shen/password-reset").0
            let second = try #require(reset.json["temporary_password"] as? String)
            #expect(second != first)
            #expect(try await reviewer.call(client, .get, "/api/v1/session").0.status == 401)
            #expect(try await Browser.signIn(client, user: "shen", password: first).0.status == 401)
            #expect(try await Browser.signIn(client, user: "shen", password: second).0.status == 200)
            #expect(try await operatorSession.call(client, .post, "/api/v1/accounts/nobody/password-reset").0.status == 404)
        }
    }
}
