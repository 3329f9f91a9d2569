import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingTestSupport
import Testing

@Suite("Pages")
struct PagesTests {
    @Test("QR codes come from libqrencode: a slip URL encodes to a square SVG with a quiet zone")
    func qrCode() throws {
        let url = "http://127.0.0.1:8080/vote/lz-2026#t=" + String(repeating: "A", count: 394)
        let svg = try QRCode.svg(url, title: "柳庄")
        #expect(svg.hasPrefix("<svg") && svg.contains("aria-label=\"柳庄\""))
        // Version 19 or so: (17 + 4v) modules plus 8 of quiet zone, square.
        let viewBox = try #require(svg.range(of: #"viewBox="0 0 (\d+) (\d+)""#, options: .regularExpression))
        let numbers = svg[viewBox].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.suffix(2)
        #expect(numbers.first == numbers.last && (numbers.first ?? 0) > 60)
        #expect(throws: QRCode.Unencodable.self) { try QRCode.svg(String(repeating: "x", count: 8_000)) }
    }

    @Test("the pages render in Chinese with an English switch; unknown evaluations get a friendly 404 page")
    func pages() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, "/api/v1/evaluations", key: server.admin, text: testDefinition)
            var reply = try await client.call(.get, "/vote/lz-2026")
            #expect(reply.status == 200 && reply.contentType == "text/html; charset=utf-8")
            #expect(reply.body.contains("<html lang=\"zh-CN\">") && reply.body.contains("/static/vote.js"))
            reply = try await client.call(.get, "/board/lz-2026")
            #expect(reply.body.contains("已投票") && reply.body.contains("准备中") && !reply.body.contains("<table"))
            reply = try await client.call(.get, "/board/lz-2026?lang=en")
            #expect(reply.body.contains("<html lang=\"en\">") && reply.body.contains("Public board"))
            reply = try await client.call(.get, "/board/nope")
            #expect(reply.status == 404 && reply.body.contains("没有找到这次测评"))
            #expect(try await client.call(.get, "/static/minping.css").contentType == "text/css; charset=utf-8")
            #expect(try await client.call(.get, "/static/nope.js").status == 404)
            #expect(try await client.call(.get, "/receipt/lz-2026").body.contains("选票凭证号"))
        }
    }

    @Test("/verify is one self-contained page: scripts and stylesheet inline, each allowed by its hash in the CSP and the worker by blob:, nothing else; /verify/<id> offers fetching; an unknown id is the friendly 404")
    func verifyPage() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, "/api/v1/evaluations", key: server.admin, text: testDefinition)
            func get(_ path: String) async throws -> (status: Int, csp: String, body: String) {
                try await client.execute(uri: path, method: .get) { response in
                    (Int(response.status.code), response.headers[.contentSecurityPolicy] ?? "", String(buffer: response.body))
                }
            }
            let (status, csp, body) = try await get("/verify")
            #expect(status == 200 && body.contains("<html lang=\"zh-CN\">") && body.contains("审计核验"))
            // Every inline script and the stylesheet, hashed as a browser hashes them, is in the policy;
            // nothing is loaded from a URL (a saved copy of the page works offline).
            func inline(_ open: String, _ close: String) -> [String] {
                body.components(separatedBy: open).dropFirst().compactMap { $0.components(separatedBy: close).first }
            }
            let scripts = ["<script id=\"tlog-src\">", "<script id=\"verify-src\">", "<script id=\"page-src\">"].flatMap { inline($0, "</script>") }
            let styles = inline("<style>", "</style>")
            #expect(scripts.count == 3 && styles.count == 1 && scripts.allSatisfy { $0.count > 1000 })
            for text in scripts + styles {
                let hash = "'sha256-\(Data(SHA256.hash(data: Array(text.utf8))).base64EncodedString())'"
                #expect(csp.contains(hash), "the CSP allows \(text.prefix(40))…")
            }
            #expect(csp.contains("worker-src blob:") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
            #expect(!body.contains("<script src=") && !body.contains("<link rel=\"stylesheet\""))
            #expect(!body.contains("id=\"fetch-bundle\""), "without an evaluation there is nothing to fetch")
            let page = try await get("/verify/lz-2026?lang=en")
            #expect(page.status == 200 && page.body.contains("id=\"fetch-bundle\"") && page.body.contains("data-evaluation=\"lz-2026\"")
                    && page.body.contains("<html lang=\"en\">"))
            let missing = try await get("/verify/nope")
            #expect(missing.status == 404 && missing.body.contains("没有找到这次测评"))
        }
    }

    @Test("printing slips needs the street's admin key; the page has one QR code per slip")
    func printSlips() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, "/api/v1/evaluations", key: server.admin, text: testDefinition)
            func post(_ form: String) async throws -> Reply {
                try await client.execute(uri: "/admin/slips/lz-2026", method: .post,
                                         headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: form)) { response in
                    Reply(status: Int(response.status.code), body: String(buffer: response.body), contentType: response.headers[.contentType])
                }
            }
            #expect(try await post("key=wrong&count=3").status == 401)
            #expect(try await post("key=\(server.otherAdmin)&count=3").status == 403)
            #expect(try await post("key=\(server.admin)&count=3&kind=bogus").status == 400)
            var reply = try await post("key=\(server.admin)&count=3&kind=token")
            #expect(reply.status == 200)
            #expect(reply.body.components(separatedBy: "<svg").count - 1 == 3)
            #expect(reply.body.components(separatedBy: "/vote/lz-2026#t=").count - 1 == 3)
            #expect(try await client.call(.get, "/api/v1/evaluations/lz-2026").json["issued"] as? Int == 3)
            // Code slips are the default: a QR code of /vote/<id>#c=<code> and the code as text.
            reply = try await post("key=\(server.admin)&count=2")
            #expect(reply.status == 200)
            #expect(reply.body.components(separatedBy: "<svg").count - 1 == 2)
            let codes = reply.body.components(separatedBy: "/vote/lz-2026#c=").dropFirst().map { String($0.prefix(19)) }
            #expect(codes.count == 2 && codes.allSatisfy { reply.body.contains("<strong>\($0)</strong>") }, "\(codes)")
            #expect(reply.body.contains("匿名码") && reply.body.contains("code-slip"))
            let info = try await client.call(.get, "/api/v1/evaluations/lz-2026").json
            #expect(info["codes"] as? Int == 2 && info["issued"] as? Int == 3)
        }
    }

    @Test("after publication the board shows every star of the published results")
    func boardStars() async throws {
        let server = try await TestServer()
        let service = server.service
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let tokens = try await service.issueSlips("lz-2026", count: 10)
        _ = try await service.open("lz-2026")
        for (index, token) in tokens.enumerated() {
            _ = try await service.castBallot("lz-2026", token: token.base64URL,
                                             ratings: ["m-1": "satisfied", "m-2": index < 7 ? "satisfied" : "dissatisfied", "lz-1": "satisfied"])
        }
        _ = try await service.close("lz-2026")
        let results = try await service.publish("lz-2026", stage: .preliminary)
        try await server.app.test(.router) { client in
            let body = try await client.call(.get, "/board/lz-2026").body
            let stars = results.subjects.reduce(0) { $0 + $1.stars.count }
            #expect(stars == 4)  // m-1: two stars (100 %), m-2: one (70 %), lz-1: one
            #expect(body.components(separatedBy: "class=\"star\"").count - 1 == stars)
            #expect(body.contains("初步结果·公示中") && body.contains("公示期至"))
            #expect(body.contains("70.0%") && body.contains("★ 群众满意星"))
        }
    }
}
