import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingTestSupport
import NIOCore
import Testing

/// What the street console reads and sends besides the lifecycle: the list of
/// evaluations, `previous`, stored definitions, appeals, rosters and result tables.
@Suite("HTTP API for the street console")
struct ConsoleAPITests {
    let base = "/api/v1/evaluations"

    func definition(_ id: String, street: String = "chengqu", previous: String? = nil, title: String = "柳庄社区测评") -> String {
        testDefinition.replacingOccurrences(of: "id: lz-2026", with: "id: \(id)" + (previous.map { "\nprevious: \($0)" } ?? ""))
            .replacingOccurrences(of: "street: chengqu", with: "street: \(street)")
            .replacingOccurrences(of: "title: 柳庄社区2026年度党员群众满意度测评", with: "title: \(title)")
    }

    @Test("previous must name an evaluation of the same street; it is kept and shown")
    func previous() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: definition("lz-2025")).status == 201)
            #expect(try await client.call(.post, base, key: server.otherAdmin, text: definition("xc-2025", street: "xincheng")).status == 201)
            var reply = try await client.call(.post, base, key: server.admin, text: definition("lz-2026", previous: "lz-2024"))
            #expect(reply.status == 422 && reply.code == "definition_invalid" && reply.body.contains("previous"), "\(reply.body)")
            reply = try await client.call(.post, base, key: server.admin, text: definition("lz-2026", previous: "xc-2025"))
            #expect(reply.status == 422 && reply.code == "definition_invalid", "another street's evaluation is not a previous round")
            reply = try await client.call(.post, base, key: server.admin, text: definition("lz-2026", previous: "Not A Slug"))
            #expect(reply.status == 422)
            reply = try await client.call(.post, base, key: server.admin, text: definition("lz-2026", previous: "lz-2025"))
            #expect(reply.status == 201, "\(reply.body)")
            #expect(try await client.call(.get, "\(base)/lz-2026").json["previous"] as? String == "lz-2025")
            #expect(try await client.call(.get, "\(base)/lz-2025").json["previous"] is NSNull)
            #expect(try await client.call(.get, "\(base)/lz-2026/definition").json["previous"] as? String == "lz-2025")
        }
    }

    @Test("GET /evaluations lists every evaluation, by street then newest first; ?street= filters")
    func list() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.get, base).json["evaluations"] as? [Any] != nil)
            #expect((try await client.call(.get, base).json["evaluations"] as? [Any])?.isEmpty == true)
            _ = try await client.call(.post, base, key: server.admin, text: definition("lz-2025"))
            server.clock.advance(days: 1)
            _ = try await client.call(.post, base, key: server.admin, text: definition("lz-2026", previous: "lz-2025"))
            _ = try await client.call(.post, base, key: server.otherAdmin, text: definition("xc-2026", street: "xincheng"))
            _ = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3])
            let all = try #require(try await client.call(.get, base).json["evaluations"] as? [[String: Any]])
            #expect(all.map { $0["id"] as? String } == ["lz-2026", "lz-2025", "xc-2026"])
            #expect(all[0]["issued"] as? Int == 3 && all[0]["ballots"] as? Int == 0 && all[0]["electorate"] as? Int == 60)
            #expect(all[0]["state"] as? String == "draft" && all[0]["community"] as? String == "柳庄社区")
            #expect(all[0]["previous"] as? String == "lz-2025" && all[0]["title"] as? String == "柳庄社区测评")
            _ = try await client.call(.post, "\(base)/lz-2026/enrollment-codes", key: server.admin, json: ["count": 2])
            let shown = try await client.call(.get, "\(base)/lz-2026").json
            #expect(shown["slips"] as? Int == 3 && shown["codes"] as? Int == 2 && shown["issued"] as? Int == 3)
            let one = try #require(try await client.call(.get, "\(base)?street=xincheng").json["evaluations"] as? [[String: Any]])
            #expect(one.map { $0["id"] as? String } == ["xc-2026"])
            #expect((try await client.call(.get, "\(base)?street=nowhere").json["evaluations"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("the stored definition as JSON and as YAML both read back to the same definition")
    func storedDefinition() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let tricky = definition("lz-2026", title: "\"123\"")
            #expect(try await client.call(.post, base, key: server.admin, text: tricky).status == 201)
            let created = try DefinitionParser.parse(tricky, file: "test")
            let json = try await client.call(.get, "\(base)/lz-2026/definition")
            #expect(json.status == 200 && json.contentType?.hasPrefix("application/json") == true)
            #expect(try DefinitionParser.parse(json.body, file: "definition") == created)
            let yaml = try await client.execute(uri: "\(base)/lz-2026/definition.yaml", method: .get) { response in
                (response.headers[.contentDisposition], String(buffer: response.body))
            }
            #expect(yaml.0 == "attachment; filename=\"lz-2026.yaml\"")
            #expect(yaml.1.contains("title: '123'") || yaml.1.contains("title: \"123\""), "\(yaml.1)")
            #expect(try DefinitionParser.parse(yaml.1, file: "definition.yaml") == created)
            #expect(try await client.call(.get, "\(base)/none/definition.yaml").status == 404)
        }
    }

    @Test("whoami names the key's role and street; a wrong key is 401")
    func whoami() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            var reply = try await client.call(.get, "/api/v1/whoami", key: server.reviewer)
            #expect(reply.json["role"] as? String == "reviewer" && reply.json["street"] as? String == "chengqu")
            reply = try await client.call(.get, "/api/v1/whoami", key: server.operatorKey)
            #expect(reply.json["role"] as? String == "operator" && reply.json["street"] is NSNull)
            #expect(try await client.call(.get, "/api/v1/whoami", key: "mp_wrong").code == "unauthenticated")
            #expect(try await client.call(.get, "/api/v1/whoami").code == "unauthenticated")
        }
    }

    func upload(_ client: some TestClientProtocol, _ body: [UInt8], type: String?, key: String?) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let type { headers[.contentType] = type }
        return try await client.execute(uri: "/api/v1/rosters", method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            Reply(status: Int(response.status.code), body: String(buffer: response.body), contentType: response.headers[.contentType])
        }
    }

    @Test("POST /rosters: admins only; rows and errors; 422 for what is not a roster; 413 over 5 MiB")
    func rosters() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let roster = Array("姓名,党支部,编号\n张三,第一支部,1\n李四,第二支部,1\n".utf8)
            var reply = try await upload(client, roster, type: "text/csv", key: server.admin)
            #expect(reply.status == 200, "\(reply.body)")
            #expect((reply.json["members"] as? [[String: Any]])?.map { $0["id"] as? String } == ["1"])
            #expect((reply.json["organizations"] as? [[String: Any]])?.map { $0["id"] as? String } == ["o-1"])
            let errors = try #require(reply.json["errors"] as? [[String: Any]])
            #expect(errors.count == 1 && errors[0]["row"] as? Int == 3 && errors[0]["column"] as? String == "编号")
            #expect(try await upload(client, roster, type: "text/csv", key: nil).status == 401)
            #expect(try await upload(client, roster, type: "text/csv", key: server.reviewer).status == 403)
            reply = try await upload(client, Array("a,b\n1,2\n".utf8), type: "text/csv", key: server.admin)
            #expect(reply.status == 422 && reply.code == "roster_invalid" && reply.body.contains("表头"))
            reply = try await upload(client, Array("PK\u{3}\u{4}not a zip".utf8), type: nil, key: server.admin)
            #expect(reply.status == 422 && reply.code == "roster_invalid")
            reply = try await upload(client, Array("{}".utf8), type: "application/json", key: server.admin)
            #expect(reply.status == 422 && reply.code == "roster_invalid")
            let huge = Array("姓名,党支部\n".utf8) + [UInt8](repeating: 0x41, count: 5 << 20)
            reply = try await upload(client, huge, type: "text/csv", key: server.admin)
            #expect(reply.status == 413 && reply.code == "payload_too_large")
        }
    }

    @Test("results.csv and results.xlsx: 409 before results are public, then the numbers of GET /results")
    func resultTables() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3]).json["tokens"] as? [String])
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            for (index, token) in tokens.enumerated() {
                let ratings = ["m-1": index == 0 ? "dissatisfied" : "satisfied", "m-2": "satisfied", "lz-1": "basically_satisfied"]
                #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ratings]).status == 202)
            }
            #expect(try await client.call(.get, "\(base)/lz-2026/results.csv").code == "results_not_published")
            #expect(try await client.call(.get, "\(base)/lz-2026/results.xlsx").code == "results_not_published")
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"]).status == 200)

            let csv = try await client.execute(uri: "\(base)/lz-2026/results.csv", method: .get) { response in
                (response.headers[.contentType], response.headers[.contentDisposition], Array(response.body.readableBytesView))
            }
            // An ASCII name for old clients, the Chinese one as RFC 6266 filename*.
            #expect(csv.0 == "text/csv; charset=utf-8" && csv.1?.hasPrefix("attachment; filename=\"lz-2026-results.csv\"; filename*=UTF-8''") == true)
            #expect(csv.1?.removingPercentEncoding?.hasSuffix("柳庄社区2026年度党员群众满意度测评结果.csv") == true, "\(csv.1 ?? "")")
            #expect(csv.2.starts(with: [0xEF, 0xBB, 0xBF]))
            let lines = String(decoding: csv.2.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
            #expect(lines[0] == "类型,编号,名称,所属党支部,满意,基本满意,不满意,不了解,计为满意,分母,满意率,获星")
            #expect(lines[1] == "党员,m-1,王某,柳庄社区第一党支部,2,0,1,0,2,3,66.7,群众认可星")
            #expect(lines[2] == "党员,m-2,李某,柳庄社区第一党支部,3,0,0,0,3,3,100.0,群众认可星、群众满意星")
            #expect(lines[3] == "党组织,lz-1,柳庄社区第一党支部,,0,3,0,0,3,3,100.0,群众满意星")

            let xlsx = try await client.execute(uri: "\(base)/lz-2026/results.xlsx", method: .get) { response in
                (response.headers[.contentType], Array(response.body.readableBytesView))
            }
            #expect(xlsx.0 == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(xlsx.1.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        }
    }

    @Test("appeals are listed for the street's admin and reviewer, with subject names and outcomes")
    func appeals() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            _ = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            let first = try #require(try await client.call(.post, "\(base)/lz-2026/appeals", key: server.admin,
                                                           json: ["subject": "m-1", "text": "计票有误"]).json["appeal"] as? String)
            _ = try await client.call(.post, "\(base)/lz-2026/appeals", key: server.reviewer, json: ["text": "整体复查"])
            _ = try await client.call(.post, "\(base)/lz-2026/appeals/\(first)/resolution", key: server.reviewer,
                                      json: ["outcome": "dismissed", "note": "经复核无误"])
            let reply = try await client.call(.get, "\(base)/lz-2026/appeals", key: server.reviewer)
            let appeals = try #require(reply.json["appeals"] as? [[String: Any]], "\(reply.body)")
            #expect(appeals.count == 2)
            #expect(appeals[0]["subject_name"] as? String == "王某" && appeals[0]["outcome"] as? String == "dismissed")
            #expect(appeals[0]["note"] as? String == "经复核无误" && appeals[0]["text"] as? String == "计票有误")
            #expect(appeals[1]["subject"] is NSNull && appeals[1]["outcome"] is NSNull)
            #expect(try await client.call(.get, "\(base)/lz-2026").json["appeals_pending"] as? Int == 1)
            #expect(try await client.call(.get, "\(base)/lz-2026").json["publicity_until"] as? String != nil)
            #expect(try await client.call(.get, "\(base)/lz-2026/appeals").status == 401)
            #expect(try await client.call(.get, "\(base)/lz-2026/appeals", key: server.otherAdmin).status == 403)
        }
    }

    @Test("the front page lists evaluations by street with links to their boards; /admin is the console")
    func pages() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            var reply = try await client.call(.get, "/")
            #expect(reply.status == 200 && reply.body.contains("还没有测评"))
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            reply = try await client.call(.get, "/")
            #expect(reply.contentType == "text/html; charset=utf-8")
            #expect(reply.body.contains("href=\"/board/lz-2026\"") && reply.body.contains("柳庄社区2026年度党员群众满意度测评"))
            #expect(reply.body.contains("href=\"/admin\"") && reply.body.contains("chengqu"))
            #expect(try await client.call(.get, "/?lang=en").body.contains("href=\"/board/lz-2026?lang=en\""))
            // Rendered once per change: the same page is 304 to a reader who has it, and a log
            // step (opening the evaluation) makes a new one.
            let etag = try await client.execute(uri: "/", method: .get) { $0.headers[.eTag] }
            let again = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag ?? "none"]) { $0.status }
            #expect(etag != nil && again == .notModified)
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.admin).status == 200)
            let opened = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: etag ?? "none"]) {
                ($0.status, $0.headers[.eTag], String(buffer: $0.body))
            }
            #expect(opened.0 == .ok && opened.1 != etag && opened.2.contains("投票中"), "\(opened.2)")
            let console = try await client.execute(uri: "/admin", method: .get) { response in
                (response.status, response.headers[.contentSecurityPolicy], response.headers[.cacheControl], String(buffer: response.body))
            }
            #expect(console.0 == .ok && console.1?.hasPrefix("default-src 'self'") == true && console.2 == "no-store")
            #expect(console.3.contains("<script type=\"module\" src=\"/static/admin.js\"></script>") && !console.3.contains("<script>"))
        }
    }
}
