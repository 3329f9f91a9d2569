import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingTestSupport
import Testing

/// Issue 29 §4: slips that say only what applies to them, a used slip told before the ballot.
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
        let pages = PageRenderer()
        let html = pages.slipsHTML(definition: try await server.service.definition("lz-2026"),
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
}
