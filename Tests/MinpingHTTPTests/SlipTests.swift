import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingLog
import MinpingTestSupport
import MinpingTokens
import Testing

/// Slips that say only what applies to them, a used slip told before the ballot.
@Suite("Slips: what each kind says, a used token slip told at once")
struct SlipTests {
    let base = "/api/v1/evaluations"

    @Test("a token slip's page says nothing of codes (it said 匿名码 nil); absent values never render as nil")
    func tokenSlipWords() async throws {
        let server = try await TestServer()
        var definition = testDefinition
        definition = definition.replacingOccurrences(of: "community: 柳庄社区\n", with: "")
        _ = try await server.service.create(try DefinitionParser.parse(definition, file: "test"))
        let tokens = try await server.service.issueSlips("lz-2026", count: 2)
        let pages = try PageRenderer()
        let html = try pages.slipsHTML(definition: try await server.service.definition("lz-2026"),
                                   slips: tokens.map { PrintedSlip(url: server.service.slipURL("lz-2026", token: $0)) }, firstNumber: 1)
        #expect(!html.contains("nil") && !html.contains("匿名码") && html.contains("扫描"), "\(html.prefix(2000))")
        try await server.app.test(.router) { client in
            let board = try await client.call(.get, "/board/lz-2026").body
            #expect(!board.contains("nil"), "a board without a community or street name")
        }
    }

    @Test("POST /token-status: false before, true after the ballot; an invalid token is 403 and tells nothing")
    func tokenStatus() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let token = try #require(try await server.service.issueSlips("lz-2026", count: 1).first).base64URL
        _ = try await server.service.open("lz-2026")
        try await server.app.test(.router) { client in
            let path = "\(base)/lz-2026/token-status"
            #expect(try await client.call(.post, path, json: ["token": token]).json["spent"] as? Bool == false)
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-1": "satisfied"]]).status == 202)
            #expect(try await client.call(.post, path, json: ["token": token]).json["spent"] as? Bool == true)
            var forged = token
            forged.removeLast(2)
            forged += token.hasSuffix("AA") ? "AB" : "AA"
            let refused = try await client.call(.post, path, json: ["token": forged])
            #expect(refused.status == 403 && refused.code == "token_invalid" && refused.json["spent"] == nil)
            #expect(try await client.call(.post, path, json: ["token": 7]).status == 400)
        }
    }

    @Test("slip batches: each issuance is one; an unused code batch is voided (codes dead, electorate freed, slips_voided logged); a used or token batch is not")
    func batches() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            var reply = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3, "kind": "code"])
            #expect(reply.status == 201 && reply.json["kind"] as? String == "code", "\(reply.body)")
            let lost = try #require(reply.json["batch"] as? String)
            let lostCodes = try #require(reply.json["codes"] as? [String])
            #expect((reply.json["urls"] as? [String])?.first?.contains("#c=") == true && reply.json["tokens"] == nil)
            reply = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 2])
            let tokenBatch = try #require(reply.json["batch"] as? String)
            #expect((reply.json["tokens"] as? [String])?.count == 2)
            reply = try await client.call(.post, "\(base)/lz-2026/enrollment-codes", key: server.admin, json: ["count": 2])
            let usedBatch = try #require(reply.json["batch"] as? String)
            let usedCodes = try #require(reply.json["codes"] as? [String])
            // One code of the last batch is redeemed.
            let tokenClient = TokenClient(publicKey: try await server.service.tokenPublicKey("lz-2026"),
                                          challenge: TokenChallenge(street: "chengqu", evaluation: "lz-2026"))
            let pending = try tokenClient.request()
            reply = try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": usedCodes[0], "token_request": pending.request.bytes.base64URLEncodedString])
            #expect(reply.status == 201)

            #expect(try await client.call(.get, "\(base)/lz-2026/slip-batches", key: server.reviewer).code == "forbidden")
            reply = try await client.call(.get, "\(base)/lz-2026/slip-batches", key: server.admin)
            let listed = try #require(reply.json["batches"] as? [[String: Any]])
            #expect(listed.map { $0["batch"] as? String } == [lost, tokenBatch, usedBatch], "\(reply.body)")
            #expect(listed.map { $0["used"] as? Int } == [0, nil, 1])
            #expect(listed.map { $0["voidable"] as? Bool } == [true, false, false])
            #expect(reply.json["left"] as? Int == 60 - 2 - 5)

            #expect(try await client.call(.post, "\(base)/lz-2026/slip-batches/\(usedBatch)/void", key: server.admin).code == "batch_used")
            let token = try await client.call(.post, "\(base)/lz-2026/slip-batches/\(tokenBatch)/void", key: server.admin)
            #expect(token.status == 409 && (token.json["detail"] as? String ?? "").contains("not stored"), "\(token.body)")
            #expect(try await client.call(.post, "\(base)/lz-2026/slip-batches/b-00000000/void", key: server.admin).code == "not_found")
            reply = try await client.call(.post, "\(base)/lz-2026/slip-batches/\(lost)/void", key: server.admin)
            #expect(reply.status == 200 && reply.json["voided"] as? Bool == true, "\(reply.body)")
            #expect(try await client.call(.post, "\(base)/lz-2026/slip-batches/\(lost)/void", key: server.admin).code == "not_found")
            // Its codes stop working; the electorate has room for them again.
            let again = try tokenClient.request()
            reply = try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": lostCodes[0], "token_request": again.request.bytes.base64URLEncodedString])
            #expect(reply.code == "code_invalid")
            reply = try await client.call(.get, "\(base)/lz-2026/slip-batches", key: server.admin)
            #expect(reply.json["left"] as? Int == 60 - 2 - 2)
            #expect(try await client.call(.get, "\(base)/lz-2026").json["codes"] as? Int == 2)
            // The log says so, and both verifiers accept it.
            let entries = try await client.call(.get, "\(base)/lz-2026/log/entries?start=0&end=20").json["entries"] as? [[String: Any]] ?? []
            let voided = entries.compactMap { $0["entry"] as? [String: Any] }.first { $0["type"] as? String == "slips_voided" }
            #expect(voided?["batch"] as? String == lost && voided?["count"] as? Int == 3 && voided?["issued"] as? Int == 3)
            let bundle = try await server.service.bundle("lz-2026")
            _ = try BundleVerifier().verify(bundle)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-batch-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try bundle.write(to: directory)
            let python = try IndependentVerifier.run(directory.path)
            #expect(python.status == 0, "\(python.output)")
            // Once voting is closed, nothing is issued and nothing is voided: an unused batch
            // printed before stays counted, as the log closed it.
            reply = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 2, "kind": "code"])
            let spare = try #require(reply.json["batch"] as? String)
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            reply = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 1, "kind": "code"])
            #expect(reply.code == "invalid_transition")
            reply = try await client.call(.post, "\(base)/lz-2026/slip-batches/\(spare)/void", key: server.admin)
            #expect(reply.code == "invalid_transition", "\(reply.body)")
            reply = try await client.call(.get, "\(base)/lz-2026/slip-batches", key: server.admin)
            #expect((reply.json["batches"] as? [[String: Any]])?.last?["voidable"] as? Bool == false, "\(reply.body)")
        }
    }
}
