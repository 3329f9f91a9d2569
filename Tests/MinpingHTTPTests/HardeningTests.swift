import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import MinpingCore
@testable import MinpingHTTP
import MinpingService
import MinpingSQLite
import MinpingStore
import MinpingTestSupport
import NIOCore
import Testing

/// Defects found by probing as an attacker and a clerk would, one regression test each: free
/// text that cannot be read back, an annulled evaluation that still looked valid, a full disk
/// answered 500, boards recomputed per request, invisible and bidi names, revoked keys, and
/// wording.
@Suite("Hardening: free text, annulment, full disk, cached boards, names, keys")
struct HardeningTests {
    let base = "/api/v1/evaluations"

    /// A created, voted, closed and preliminarily published lz-2026 with one ballot.
    func published(_ server: TestServer) async throws {
        _ = try await server.service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let token = try #require(try await server.service.issueSlips("lz-2026", count: 1).first)
        _ = try await server.service.open("lz-2026")
        _ = try await server.service.castBallot("lz-2026", token: token.base64URL, ratings: ["m-1": "satisfied", "m-2": "satisfied"])
        _ = try await server.service.close("lz-2026")
        _ = try await server.service.publish("lz-2026", stage: .preliminary)
    }

    @Test("NUL and other control characters in an appeal text, a note or an annulment reason are 422; line breaks are kept")
    func freeText() async throws {
        let server = try await TestServer()
        try await published(server)
        try await server.app.test(.router) { client in
            for text in ["abc\u{0}def", "abc\u{1b}[31m", "a\u{202E}b", "a\u{85}b"] {
                let appeal = try await client.call(.post, "\(base)/lz-2026/appeals", key: server.admin, json: ["text": text])
                #expect(appeal.status == 422 && appeal.code == "appeal_invalid", "\(appeal.body)")
            }
            let filed = try await client.call(.post, "\(base)/lz-2026/appeals", key: server.admin, json: ["text": "第一行\n第二行\r\n\t第三行"])
            #expect(filed.status == 201, "\(filed.body)")
            let appeals = try await server.service.appeals("lz-2026")
            #expect(appeals.map(\.text) == ["第一行\n第二行\r\n\t第三行"], "read back exactly as filed")

            let resolution = "\(base)/lz-2026/appeals/a-1/resolution"
            let nul = try await client.call(.post, resolution, key: server.reviewer, json: ["outcome": "dismissed", "note": "abc\u{0}def"])
            #expect(nul.status == 422 && nul.code == "appeal_invalid", "\(nul.body)")
            let long = try await client.call(.post, resolution, key: server.reviewer,
                                             json: ["outcome": "dismissed", "note": String(repeating: "长", count: 7_000)])
            #expect(long.status == 422 && long.code == "appeal_invalid" && long.body.contains("20000"), "\(long.body)")
            // A note may be left empty, as before; with text it keeps its line breaks.
            #expect(try await client.call(.post, resolution, key: server.reviewer, json: ["outcome": "dismissed", "note": ""]).status == 200)

            let annul = try await client.call(.post, "\(base)/lz-2026/annul", key: server.admin, json: ["reason": "x\u{0}y"])
            #expect(annul.status == 422 && annul.code == "text_invalid", "\(annul.body)")
            #expect(try await server.service.record("lz-2026").state == .preliminary)
        }
    }

    @Test("an annulled evaluation's board and history say 本次测评已作废; no page, chart or table shows its stars; later rounds skip it")
    func annulled() async throws {
        let server = try await TestServer()
        let rounds = HistoryTests()
        try await rounds.round(server, "lz-2024", year: 2024, members: ["a": 9, "b": 5])
        try await rounds.round(server, "lz-2025", year: 2025, previous: "lz-2024", members: ["a": 5, "b": 9])
        _ = try await server.service.annul("lz-2025", reason: "计票程序违规")
        try await rounds.round(server, "lz-2026", year: 2026, previous: "lz-2025", members: ["a": 9, "b": 9])

        try await server.app.test(.router) { client in
            let board = try await client.call(.get, "/board/lz-2025")
            #expect(board.body.contains("本次测评已作废") && board.body.contains("作废日期："), "\(board.body.prefix(600))")
            #expect(!board.body.contains("初步结果") && !board.body.contains("群众满意星") && !board.body.contains("群众认可星"))
            // 2026 compares with 2024, the last round that holds: a stays (★★ both), b gains.
            let history = try await server.service.history("lz-2026")
            #expect(history.rounds.map(\.evaluation) == ["lz-2026", "lz-2024"])
            let changes = Dictionary(uniqueKeysWithValues: history.subjects.map { ($0.id, $0.change) })
            #expect(changes["a"] == .same && changes["b"] == .gained)
            let api = try await client.call(.get, "\(base)/lz-2026/history")
            #expect(!api.body.contains("lz-2025"), "\(api.body)")
            // Its own history says so too, and names no star of it.
            let page = try await client.call(.get, "/history/lz-2025")
            #expect(page.status == 200 && page.body.contains("本次测评已作废"), "\(page.body.prefix(600))")
            #expect(!page.body.contains("群众满意星") && !page.body.contains("群众认可星") && !page.body.contains("★"))
            let own = try await client.call(.get, "\(base)/lz-2025/history")
            #expect(own.status == 409 && own.code == "results_not_published", "\(own.body)")
            // Nor do its charts and printable tables show the stars that no longer hold.
            #expect(try await client.call(.get, "/board/lz-2025/charts/members.svg").status == 404)
            #expect(try await client.call(.get, "/board/lz-2025/charts/turnout.svg").status == 200)
            for table in ["results.csv", "results.xlsx"] {
                #expect(try await client.call(.get, "\(base)/lz-2025/\(table)").code == "results_not_published", "\(table)")
            }
        }
    }

    @Test("while a remedy waits to be published, its stars are shown nowhere but on the board that says so; published, they are")
    func pendingRemedy() async throws {
        let server = try await TestServer()
        let rounds = HistoryTests()
        try await rounds.round(server, "lz-2024", year: 2024, members: ["a": 9, "b": 9])
        try await rounds.round(server, "lz-2025", year: 2025, previous: "lz-2024", members: ["a": 9, "b": 9])
        try await server.app.test(.router) { client in
            let veto = try await client.call(.post, "\(base)/lz-2025/withholdings", key: server.admin,
                                             json: ["subject": "a", "star": "satisfaction", "reason": "拉票属实"])
            #expect(veto.status == 201, "\(veto.body)")
            // 2025's own history says the remedy is pending and names no star; its board says
            // so above the results as published.
            var page = try await client.call(.get, "/history/lz-2025").body
            #expect(page.contains("经复查作出的处理尚未重新公示") && !page.contains("★"), "\(page.prefix(800))")
            #expect(try await client.call(.get, "/board/lz-2025").body.contains("更正后的结果将重新公示"))
            // A later round does not compare with it meanwhile: 2026 compares with 2024.
            try await rounds.round(server, "lz-2026", year: 2026, previous: "lz-2025", members: ["a": 9, "b": 9])
            #expect(try await server.service.history("lz-2026").rounds.map(\.evaluation) == ["lz-2026", "lz-2024"])
            // Published again: the withheld star is gone everywhere, and 2026 compares with 2025.
            #expect(try await client.call(.post, "\(base)/lz-2025/publish", key: server.admin, json: ["stage": "preliminary"]).status == 200)
            page = try await client.call(.get, "/history/lz-2025").body
            #expect(!page.contains("尚未重新公示") && page.contains("★"))
            let history = try await server.service.history("lz-2026")
            #expect(history.rounds.map(\.evaluation) == ["lz-2026", "lz-2025", "lz-2024"])
            #expect(history.subjects.first { $0.id == "a" }?.change == .gained, "王某 regains the star withheld in 2025")
        }
    }

    @Test("a full disk (SQLITE_FULL) is 503 database_unavailable with Retry-After, logged with SQLite's error; the same ballot goes through after")
    func fullDisk() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-full-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path, keys: TestServer.keys)
        let log = CapturedLog()
        let server = try await TestServer(store: store, logger: log.logger)
        _ = try await server.service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let tokens = try await server.service.issueSlips("lz-2026", count: 60).map(\.base64URL)
        _ = try await server.service.open("lz-2026")
        try store.limitPages(to: 1)  // SQLite keeps it at the current size: the next new page is refused
        try await server.app.test(.router) { client in
            var refused: (token: String, reply: Reply)?
            for token in tokens where refused == nil {
                let reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-1": "satisfied"]])
                if reply.status != 202 { refused = (token, reply) }
            }
            let (token, reply) = try #require(refused, "60 ballots fit without a new page")
            #expect(reply.status == 503 && reply.code == "database_unavailable" && reply.retryAfter == "5", "\(reply.body)")
            #expect(log.all.contains { $0.contains("database or disk is full") }, "the log line names SQLite's error")
            try store.limitPages(to: 1_000_000)
            let again = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-1": "satisfied"]])
            #expect(again.status == 202, "nothing was kept of the refused ballot: \(again.body)")
        }
    }

    @Test("a board is rendered once per change: ETag, Last-Modified and Cache-Control; 304 on a match; gzip when accepted")
    func cachedBoard() async throws {
        let server = try await TestServer()
        try await published(server)
        try await server.app.test(.router) { client in
            func get(_ headers: HTTPFields = [:]) async throws -> (status: Int, headers: HTTPFields, body: ByteBuffer) {
                try await client.execute(uri: "/board/lz-2026", method: .get, headers: headers) { ($0.status.code, $0.headers, $0.body) }
            }
            let first = try await get()
            let etag = try #require(first.headers[.eTag])
            #expect(first.status == 200 && first.headers[.lastModified] != nil && first.headers[.cacheControl]?.contains("must-revalidate") == true)
            #expect(try await get().headers[.eTag] == etag, "nothing changed: the same rendering")
            let notModified = try await get([.ifNoneMatch: etag])
            #expect(notModified.status == 304 && notModified.body.readableBytes == 0)
            let zipped = try await get([.acceptEncoding: "gzip, deflate"])
            #expect(zipped.headers[.contentEncoding] == "gzip" && zipped.body.readableBytes < first.body.readableBytes)
            #expect(zipped.body.getBytes(at: 0, length: 2) == [0x1F, 0x8B])
            // A change (an appeal filed) is a new rendering.
            _ = try await server.service.fileAppeal("lz-2026", subject: "m-1", text: "有异议")
            let changed = try await get([.ifNoneMatch: etag])
            #expect(changed.status == 200 && changed.headers[.eTag] != etag && String(buffer: changed.body).contains("申诉"))
        }
    }

    @Test("names with nothing visible, or with bidi controls, are refused in definitions and rosters",
          arguments: [#"\u200b"#, #"\ufeff\u200b "#, #"王\u202e某"#, #"\u2066王某"#])
    func invisibleNames(_ name: String) async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let reply = try await client.call(.post, base, key: server.admin, text: ProbeDefectTests.json(name: name))
            #expect(reply.status == 422 && reply.code == "definition_invalid", "\(reply.body)")
        }
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data("[\"\(name)\"]".utf8)) as? [String])[0]
        let roster = try Roster(rows: [(1, ["姓名", "党支部"]), (2, [decoded, "一支部"]), (3, ["李某", decoded])])
        #expect(roster.members.isEmpty && roster.errors.count == 2, "\(roster.errors)")
    }

    @Test("a revoked key is refused at once; wording says 'an admin key'")
    func revokedKey() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let key = try await server.service.createAPIKey(role: .admin, street: "chengqu")
            #expect(try await client.call(.get, "/api/v1/whoami", key: key).status == 200)
            // By the key itself…
            #expect(try await server.service.revokeAPIKey(idOrSecret: key).role == .admin)
            #expect(try await client.call(.get, "/api/v1/whoami", key: key).status == 401)
            // …or by its id, as keys list shows it.
            let before = Set(try await server.service.apiKeys().map(\.hash))
            let second = try await server.service.createAPIKey(role: .admin, street: "chengqu")
            let id = try #require(try await server.service.apiKeys().first { !before.contains($0.hash) }?.id)
            let revoked = try await server.service.revokeAPIKey(idOrSecret: id)
            #expect(revoked.role == .admin && revoked.id == id)
            #expect(try await client.call(.get, "/api/v1/whoami", key: second).status == 401)
            let refused = try await client.call(.get, "/api/v1/whoami", key: second)
            #expect(refused.status == 401 && refused.code == "unauthenticated")
            await #expect(throws: ServiceError.notFound("API key '\(id)'")) { try await server.service.revokeAPIKey(idOrSecret: id) }

            _ = try await server.service.create(try DefinitionParser.parse(testDefinition, file: "test"))
            let wrongRole = try await client.call(.post, "\(base)/lz-2026/appeals/a-1/resolution", key: server.admin,
                                                  json: ["outcome": "dismissed", "note": "x"])
            #expect(wrongRole.status == 403 && wrongRole.body.contains("an admin key may not do this"), "\(wrongRole.body)")
        }
    }
}

