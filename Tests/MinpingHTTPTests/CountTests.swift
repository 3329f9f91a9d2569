import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingTestSupport
import MinpingTokens
import Testing

/// The tellers' desk (SPEC §4, §7): two tellers key each paper form blind; equal entries cast it,
/// differing ones wait for the scrutineer; a teller counts one evaluation only.
@Suite("The tellers' desk: two tellers, the scrutineer, teller keys")
struct CountTests {
    let base = "/api/v1/evaluations"

    /// lz-2026 open with `forms` paper forms; its two teller keys.
    func desk(_ server: TestServer, forms: Int, _ body: @escaping @Sendable (any TestClientProtocol, [String], String, String) async throws -> Void)
        async throws {
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).status == 201)
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": forms, "kind": "paper"])
                .json["tokens"] as? [String])
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            let first = try await server.service.createTellerKey(evaluation: "lz-2026")
            let second = try await server.service.createTellerKey(evaluation: "lz-2026")
            try await body(client, tokens, first, second)
        }
    }

    @Test("two equal entries cast the form as a ballot; the first waits under its 表号 only on the desk; the same teller twice is refused; a cast form is refused")
    func twoTellers() async throws {
        let server = try await TestServer()
        try await desk(server, forms: 2) { client, tokens, first, second in
            let form = PaperForm.number(of: try PublicToken(base64URL: tokens[0]))
            // m-2 ticked twice: left out, blank.
            let marks = ["m-1": "satisfied", "lz-1": "basically_satisfied"]
            var reply = try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[0], "ratings": marks])
            #expect(reply.status == 202 && reply.json["state"] as? String == "awaiting_second" && reply.json["form"] as? String == form, "\(reply.body)")
            #expect(try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[0], "ratings": marks]).code == "same_teller")
            // The desk, for tellers and admins only: the form waits; nothing in the log or any public answer.
            let deskView = try await client.call(.get, "\(base)/lz-2026/count", key: second)
            #expect((deskView.json["awaiting_second"] as? [[String: Any]])?.map { $0["form"] as? String } == [form], "\(deskView.body)")
            #expect(try await client.call(.get, "\(base)/lz-2026/count").status == 401)
            #expect(try await client.call(.get, "\(base)/lz-2026/count", key: server.reviewer).status == 403)
            #expect(try await client.call(.get, "\(base)/lz-2026/forms/\(form)").status == 404)
            #expect(try await client.call(.get, "\(base)/lz-2026").json["ballots"] as? Int == 0)
            let bundle = try await server.service.bundle("lz-2026")
            #expect(!bundle.files.contains { String(decoding: $0.contents, as: UTF8.self).contains("basically_satisfied\",\"m-1") })
            #expect(bundle.files.first { $0.path == "entries.jsonl" }.map { String(decoding: $0.contents, as: UTF8.self).contains("\"type\":\"ballot\"") } == false)

            reply = try await client.call(.post, "\(base)/lz-2026/count", key: second, json: ["token": tokens[0], "ratings": marks])
            #expect(reply.status == 202 && reply.json["state"] as? String == "cast" && reply.json["tracker"] is String, "\(reply.body)")
            let recorded = try await client.call(.get, "\(base)/lz-2026/forms/\(form)")
            #expect(recorded.json["ratings"] as? [String: String] == marks && recorded.json["tracker"] as? String == reply.json["tracker"] as? String)
            #expect((try await client.call(.get, "\(base)/lz-2026/count", key: first).json["awaiting_second"] as? [[String: Any]])?.isEmpty == true)
            // Scanned again, or voted on a phone with its QR code: one form, one vote.
            #expect(try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[0], "ratings": marks]).code == "token_spent")
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": marks]).code == "token_spent")
            // The other way round: a form voted on a phone first is refused at the desk.
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[1], "ratings": marks]).status == 202)
            #expect(try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[1], "ratings": marks]).code == "token_spent")
        }
        try await server.verifyBoth("lz-2026")
    }

    @Test("differing entries: 409 entries_differ subject by subject, both kept for the scrutineer (an admin), whose decision is cast")
    func dispute() async throws {
        let server = try await TestServer()
        try await desk(server, forms: 1) { client, tokens, first, second in
            let form = PaperForm.number(of: try PublicToken(base64URL: tokens[0]))
            _ = try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[0], "ratings": ["m-1": "satisfied", "m-2": "unknown"]])
            let differ = try await client.call(.post, "\(base)/lz-2026/count", key: second,
                                               json: ["token": tokens[0], "ratings": ["m-1": "dissatisfied", "m-2": "unknown", "lz-1": "satisfied"]])
            #expect(differ.status == 409 && differ.code == "entries_differ", "\(differ.body)")
            #expect(differ.body.contains(#""differences":[{"subject":"m-1","first":"satisfied","second":"dissatisfied"},{"subject":"lz-1","first":null,"second":"satisfied"}]"#),
                    "\(differ.body)")
            let deskView = try await client.call(.get, "\(base)/lz-2026/count", key: server.admin)
            let dispute = try #require((deskView.json["disputes"] as? [[String: Any]])?.first)
            #expect(dispute["form"] as? String == form && (dispute["first"] as? [String: String])?["m-1"] == "satisfied"
                    && (dispute["second"] as? [String: String])?["m-1"] == "dissatisfied")
            #expect(try await client.call(.post, "\(base)/lz-2026/count/\(form)/settle", key: first, json: ["ratings": ["m-1": "satisfied"]]).status == 403,
                    "a teller does not settle")
            let settled = try await client.call(.post, "\(base)/lz-2026/count/\(form)/settle", key: server.admin,
                                                json: ["ratings": ["m-1": "satisfied", "m-2": "unknown"]])
            #expect(settled.status == 202 && settled.json["state"] as? String == "cast", "\(settled.body)")
            #expect(try await client.call(.get, "\(base)/lz-2026/forms/\(form)").json["ratings"] as? [String: String] == ["m-1": "satisfied", "m-2": "unknown"])
            #expect(try await client.call(.post, "\(base)/lz-2026/count/\(form)/settle", key: server.admin, json: ["ratings": [:] as [String: String]]).status == 404)
        }
    }

    @Test("forms still waiting when voting ends can never be cast: closing deletes their entries")
    func closingPurges() async throws {
        let server = try await TestServer()
        try await desk(server, forms: 1) { client, tokens, first, _ in
            _ = try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[0], "ratings": ["m-1": "satisfied"]])
            #expect((try await client.call(.get, "\(base)/lz-2026/count", key: first).json["awaiting_second"] as? [[String: Any]])?.count == 1)
            #expect(try await client.call(.post, "\(base)/lz-2026/close", key: server.admin).status == 200)
            #expect((try await client.call(.get, "\(base)/lz-2026/count", key: server.admin).json["awaiting_second"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await server.service.countEntries("lz-2026").isEmpty)
        }
    }

    @Test("a teller counts one evaluation and does nothing else; a bad rating is refused before anything is kept")
    func tellerScope() async throws {
        let server = try await TestServer()
        try await desk(server, forms: 1) { client, tokens, first, _ in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition.replacingOccurrences(of: "id: lz-2026", with: "id: lz-2026b"))
            let other = try await server.service.createTellerKey(evaluation: "lz-2026b")
            #expect(try await client.call(.post, "\(base)/lz-2026/count", key: other, json: ["token": tokens[0], "ratings": ["m-1": "satisfied"]]).status == 403)
            #expect(try await client.call(.post, "\(base)/lz-2026/close", key: first).status == 403)
            #expect(try await client.call(.post, "\(base)/lz-2026/slips", key: first, json: ["count": 1]).status == 403)
            #expect(try await client.call(.post, "\(base)/lz-2026/count", key: server.otherAdmin, json: ["token": tokens[0], "ratings": [:] as [String: String]]).status == 403)
            #expect(try await client.call(.post, "\(base)/lz-2026/count", key: first, json: ["token": tokens[0], "ratings": ["m-9": "satisfied"]]).code == "ballot_invalid")
            #expect((try await client.call(.get, "\(base)/lz-2026/count", key: first).json["awaiting_second"] as? [[String: Any]])?.isEmpty == true)
            let whoami = try await client.call(.get, "/api/v1/whoami", key: first)
            #expect(whoami.json["role"] as? String == "teller" && whoami.json["evaluation"] as? String == "lz-2026")
            // A teller account counts one evaluation too: made by the operator, signed in with a password.
            #expect(try await client.call(.post, "/api/v1/accounts", key: server.operatorKey,
                                          json: ["user": "jishu", "role": "teller", "street": "chengqu"]).status == 400, "a teller account names its evaluation")
            #expect(try await client.call(.post, "/api/v1/accounts", key: server.operatorKey,
                                          json: ["user": "jishu", "role": "teller", "evaluation": "nope"]).status == 400)
            #expect(try await client.call(.post, "/api/v1/accounts", key: server.operatorKey,
                                          json: ["user": "jishu", "role": "admin", "street": "chengqu", "evaluation": "lz-2026"]).status == 400)
            let made = try await client.call(.post, "/api/v1/accounts", key: server.operatorKey, json: ["user": "jishu", "role": "teller", "evaluation": "lz-2026"])
            #expect(made.status == 201 && made.json["street"] as? String == "chengqu", "\(made.body)")
            let password = try #require(made.json["temporary_password"] as? String)
            let account = try #require(try await server.service.accountList().first { $0.user == "jishu" })
            #expect(account.role == .teller && account.evaluation == "lz-2026" && account.street == "chengqu")
            _ = password
        }
    }
}
