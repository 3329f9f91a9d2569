import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingTestSupport
@testable import MinpingTokens
import Testing

/// Paper forms (测评表, SPEC §4): a token each, the 表号 derived from it, the printed form, and
/// how a form was recorded, by its 表号.
@Suite("Paper forms: 表号, the printed form, the form as recorded")
struct PaperFormTests {
    let base = "/api/v1/evaluations"

    @Test("base32 as RFC 4648 §10 says; the 表号 is the first 8 characters of base32(SHA-256(token bytes))")
    func number() throws {
        let vectors = ["": "", "f": "MY", "fo": "MZXQ", "foo": "MZXW6", "foob": "MZXW6YQ", "fooba": "MZXW6YTB", "foobar": "MZXW6YTBOI"]
        for (input, output) in vectors { #expect(PaperForm.base32(Data(input.utf8)) == output, "\(input)") }
        // SHA-256("abc") = ba7816bf…: its base32 begins XJ4BNP4P.
        #expect(PaperForm.number(ofTokenBytes: Data("abc".utf8)) == "XJ4BNP4P")
        #expect(PaperForm.isNumber("XJ4BNP4P") && !PaperForm.isNumber("XJ4BNP4") && !PaperForm.isNumber("XJ4BNP41") && !PaperForm.isNumber("xj4bnp4p"))
    }

    @Test("kind paper: tokens with their 表号; a form's ballot is found by its 表号 (ratings in definition order, tracker); 404 before; a form's token spends once whoever casts it")
    func recorded() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).status == 201)
            let issued = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3, "kind": "paper"])
            #expect(issued.status == 201 && issued.json["kind"] as? String == "paper", "\(issued.body)")
            let tokens = try #require(issued.json["tokens"] as? [String])
            let forms = try #require(issued.json["forms"] as? [String])
            #expect(forms == (try tokens.map { PaperForm.number(of: try PublicToken(base64URL: $0)) }))
            #expect(Set(forms).count == 3 && forms.allSatisfy(PaperForm.isNumber))
            let batches = try await client.call(.get, "\(base)/lz-2026/slip-batches", key: server.admin)
            #expect((batches.json["batches"] as? [[String: Any]])?.first?["kind"] as? String == "paper")
            #expect(try await client.call(.get, "\(base)/lz-2026").json["slips"] as? Int == 3, "forms count as slips")

            #expect(try await client.call(.get, "\(base)/lz-2026/forms/\(forms[0])").status == 404, "not cast yet")
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            let ratings = ["lz-1": "satisfied", "m-2": "dissatisfied", "m-1": "basically_satisfied"]
            let cast = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": ratings])
            #expect(cast.status == 202)
            let again = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": ["m-1": "satisfied"]])
            #expect(again.code == "token_spent", "one form, one vote")
            for number in [forms[0], forms[0].lowercased()] {
                let form = try await client.call(.get, "\(base)/lz-2026/forms/\(number)")
                #expect(form.status == 200 && form.json["form"] as? String == forms[0], "\(form.body)")
                #expect(form.json["tracker"] as? String == cast.json["tracker"] as? String)
                #expect(form.body.contains(#""ratings":{"m-1":"basically_satisfied","m-2":"dissatisfied","lz-1":"satisfied"}"#), "\(form.body)")
            }
            _ = try await server.service.integratePending("lz-2026")
            let logged = try await client.call(.get, "\(base)/lz-2026/forms/\(forms[0])")
            #expect(logged.json["seq"] is Int, "its place in the log once integrated: \(logged.body)")
            #expect(try await client.call(.get, "\(base)/lz-2026/forms/\(forms[1])").status == 404)
            #expect(try await client.call(.get, "\(base)/lz-2026/forms/NOTAFORM").status == 404)
        }
        try await server.verifyBoth("lz-2026")
    }

    @Test("the printed forms: each page carries the 表号, the first the QR code, the last the stub; boxes per option; nothing that names a person")
    func printed() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).status == 201)
            let page = try await client.execute(uri: "/admin/slips/lz-2026", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "key=\(server.admin)&count=2&kind=paper")) { response in
                (Int(response.status.code), String(buffer: response.body))
            }
            #expect(page.0 == 200)
            let html = page.1
            #expect(html.components(separatedBy: "class=\"paper-form\"").count - 1 == 2, "one sheet per form (3 subjects fit one page)")
            #expect(html.components(separatedBy: "<svg").count - 1 == 2 && html.contains("回执联") && html.contains("/receipt/lz-2026"))
            #expect(html.contains("同一人打了两个勾或没有打勾的，按未评计"))
            #expect(html.components(separatedBy: "class=\"box\"").count - 1 == 2 * 3 * 4, "a box per option for each subject")
            let numbers = html.components(separatedBy: "data-form=\"").dropFirst().map { String($0.prefix(8)) }
            #expect(numbers.count == 2 && numbers.allSatisfy(PaperForm.isNumber) && Set(numbers).count == 2)
            #expect(!html.contains("No. 1"), "no running number that could be matched to a person")
        }
    }
}
