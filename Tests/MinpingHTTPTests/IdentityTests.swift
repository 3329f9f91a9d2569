import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
@testable import MinpingHTTP
import MinpingService
@testable import MinpingTables
import MinpingTestSupport
import NIOCore
import Testing

/// Identity across rounds (SPEC §1, §2, §7): an id names one person for good.
/// The clerk's case: last year's roster had 赵磊 in the middle; this year's has no 编号 column,
/// 赵磊 left and two people joined. Numbered by row position, everyone below 赵磊 took the id
/// (and the stars) of the person above, and the newcomers showed "星数不变".
@Suite("Identity across rounds")
struct IdentityTests {
    static let lastYear = """
        id: fy-2026
        title: 府苑社区2026年度党员群众满意度测评
        street: chengqu
        community: 府苑社区
        electorate: 10
        publicity_days: 0
        organizations:
          - {id: o-1, name: 第一党支部}
          - {id: o-2, name: 第二党支部}
        members:
          - {id: m-001, name: 王芳, organization: o-1}
          - {id: m-002, name: 赵磊, organization: o-1}
          - {id: m-003, name: 黄敏, organization: o-1}
          - {id: m-004, name: 李强, organization: o-2}
          - {id: m-005, name: 陈静, organization: o-2}
        """

    /// This year's CSV, as a street office keeps it: no 编号, 赵磊 gone, two newcomers, 陈静
    /// moved to the first branch.
    static let thisYear = "姓名,党支部\n王芳,第一党支部\n黄敏,第一党支部\n新人甲,第一党支部\n李强,第二党支部\n陈静,第一党支部\n新人乙,第二党支部\n"

    /// lz-style round: 10 ballots; each member satisfied on the first `satisfied[name]` ballots.
    func vote(_ service: EvaluationService, _ id: String, satisfied: [String: Int]) async throws {
        let definition = try await service.definition(id)
        let tokens = try await service.issueSlips(id, count: 10)
        _ = try await service.open(id)
        for (index, token) in tokens.enumerated() {
            var ratings: [String: String] = [:]
            for subject in definition.subjects {
                ratings[subject.id] = index < (satisfied[subject.name] ?? 10) ? "satisfied" : "dissatisfied"
            }
            _ = try await service.castBallot(id, token: token.base64URL, ratings: ratings)
        }
        _ = try await service.close(id)
        _ = try await service.publish(id, stage: .preliminary)
    }

    func upload(_ client: some TestClientProtocol, _ csv: String, key: String, previous: String) async throws -> Reply {
        let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "text/csv"]
        return try await client.execute(uri: "/api/v1/rosters?previous=\(previous)", method: .post, headers: headers,
                                        body: ByteBuffer(string: csv)) { response in
            Reply(status: Int(response.status.code), body: String(buffer: response.body), contentType: response.headers[.contentType])
        }
    }

    @Test("the clerk's case: matched people keep their ids, newcomers get fresh ones, 赵磊 is listed as left; stars compare by person")
    func clerksCase() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse(Self.lastYear, file: "test"))
        // 2026: 黄敏 ★★ (9/10), 赵磊 none (3/10), the rest ★ (7/10).
        try await vote(server.service, "fy-2026", satisfied: ["王芳": 7, "赵磊": 3, "黄敏": 9, "李强": 7, "陈静": 7])
        try await server.app.test(.router) { client in
            let reply = try await upload(client, Self.thisYear, key: server.admin, previous: "fy-2026")
            #expect(reply.status == 200, "\(reply.body)")
            let members = try #require(reply.json["members"] as? [[String: Any]])
            let byName = Dictionary(uniqueKeysWithValues: members.map { ($0["name"] as? String ?? "", $0) })
            #expect(byName["王芳"]?["id"] as? String == "m-001" && byName["王芳"]?["match"] as? String == "matched")
            #expect(byName["黄敏"]?["id"] as? String == "m-003" && byName["黄敏"]?["match"] as? String == "matched")
            #expect(byName["李强"]?["id"] as? String == "m-004")
            #expect(byName["陈静"]?["id"] as? String == "m-005" && byName["陈静"]?["match"] as? String == "matched",
                    "a name unique in both rounds matches across a change of branch")
            #expect((byName["黄敏"]?["previous"] as? [String: Any])?["organization"] as? String == "第一党支部")
            #expect(byName["黄敏"]?["row"] as? Int == 3)
            for newcomer in ["新人甲", "新人乙"] {
                #expect(byName[newcomer]?["match"] as? String == "new")
                let id = try #require(byName[newcomer]?["id"] as? String)
                #expect(!["m-001", "m-002", "m-003", "m-004", "m-005"].contains(id), "a fresh id no round used: \(id)")
            }
            let left = try #require(reply.json["left"] as? [[String: Any]])
            #expect(left.map { $0["name"] as? String } == ["赵磊"] && left.first?["id"] as? String == "m-002")
            let organizations = try #require(reply.json["organizations"] as? [[String: Any]])
            #expect(organizations.map { $0["id"] as? String } == ["o-1", "o-2"], "branches keep their ids by name")

            // The 2027 round made from that answer, voted and published: every marker is right.
            let yaml = """
                id: fy-2027
                title: 府苑社区2027年度党员群众满意度测评
                street: chengqu
                electorate: 10
                publicity_days: 0
                previous: fy-2026
                organizations:
                \(organizations.map { "  - {id: \($0["id"] as? String ?? ""), name: \($0["name"] as? String ?? "")}" }.joined(separator: "\n"))
                members:
                \(members.map { "  - {id: \($0["id"] as? String ?? ""), name: \($0["name"] as? String ?? ""), organization: \($0["organization"] as? String ?? "")}" }.joined(separator: "\n"))
                """
            _ = try await server.service.create(try DefinitionParser.parse(yaml, file: "test"))
            try await vote(server.service, "fy-2027", satisfied: ["王芳": 7, "黄敏": 7, "李强": 9, "陈静": 7, "新人甲": 9, "新人乙": 9])
            let history = try await server.service.history("fy-2027")
            let changes = Dictionary(uniqueKeysWithValues: history.subjects.map { ($0.name, $0.change) })
            #expect(changes["黄敏"] == .lost, "★★ in 2026, ★ in 2027")
            #expect(changes["王芳"] == .same && changes["李强"] == .gained && changes["陈静"] == .same)
            #expect(changes["新人甲"] == .new && changes["新人乙"] == .new)
            // The board's rows, person by person: the stars and the marker against 2026.
            let board = try await client.call(.get, "/board/fy-2027")
            let boardRows = Self.rows(board.body)
            let expected: [String: (stars: Int, change: String)] = [
                "王芳": (1, "＝ 群众评星不变"), "黄敏": (1, "▼ 群众评星减少"), "李强": (2, "▲ 群众评星增加"), "陈静": (1, "＝ 群众评星不变"),
                "新人甲": (2, "✚ 新参评"), "新人乙": (2, "✚ 新参评"),
            ]
            for (name, want) in expected {
                let cells = try #require(boardRows[name], "\(name) on the board")
                #expect(cells.dropLast().last?.filter { $0 == "★" }.count == want.stars, "\(name)'s stars: \(cells)")
                #expect(cells.last == want.change, "\(name)'s marker: \(cells)")
            }
            #expect(boardRows["赵磊"] == nil, "who left is not on this year's board")
            // The history page: this year's stars, then last year's, for the same person.
            let page = try await client.call(.get, "/history/fy-2027")
            let historyRows = Self.rows(page.body)
            let years: [String: [String]] = [
                "王芳": ["★", "★"], "黄敏": ["★", "★★"], "李强": ["★★", "★"], "陈静": ["★", "★"],
                "新人甲": ["★★", "未参评"], "新人乙": ["★★", "未参评"],
            ]
            for (name, want) in years {
                let cells = try #require(historyRows[name], "\(name) in the history")
                let shown = cells.prefix(2).map { $0.contains("★") ? String($0.filter { $0 == "★" }) : $0 }
                #expect(Array(shown) == want, "\(name)'s history: \(cells)")
            }
            // The result workbook: members grouped by branch (陈静 moved to the first), the branches
            // after them, and 较上轮 person by person, as the board says it.
            let workbook = try await client.execute(uri: "/api/v1/evaluations/fy-2027/results.xlsx", method: .get) { response in
                Data(response.body.readableBytesView)
            }
            let table = try XLSXSheet.firstSheetRows(workbook).map(\.cells).drop { $0.first != "类型" }
            let header = try #require(table.first)
            let nameColumn = try #require(header.firstIndex(of: "名称")), changeColumn = try #require(header.firstIndex(of: "较上轮"))
            #expect(table.dropFirst().map { $0[nameColumn] } == ["王芳", "黄敏", "新人甲", "陈静", "李强", "新人乙", "第一党支部", "第二党支部"])
            for row in table.dropFirst() where row[0] == "党员" {
                let marker = try #require(expected[row[nameColumn]]?.change.split(separator: " ").last)
                #expect(row[changeColumn] == String(marker), "\(row[nameColumn]) in the workbook: \(row)")
            }
        }
    }

    /// A page's table rows by the name in their row header: each data cell's text, tags removed.
    static func rows(_ html: String) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for row in html.components(separatedBy: "<tr><th scope=\"row\">").dropFirst() {
            let body = row.components(separatedBy: "</tr>")[0]
            let parts = body.components(separatedBy: "<td")
            let name = text(parts[0].components(separatedBy: "<span")[0])
            rows[name] = parts.dropFirst().map { cell in text(String(cell[(cell.firstIndex(of: ">").map { cell.index(after: $0) } ?? cell.startIndex)...])) }
        }
        return rows
    }

    static func text(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a published correction is the person's name from then on: the next roster matches it and the next round keeps the id")
    func correctedName() async throws {
        let server = try await TestServer()
        let service = server.service
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        try await vote(service, "lz-2026", satisfied: ["王某": 9, "李某": 7])
        let appeal = try await service.fileAppeal("lz-2026", subject: "m-2", text: "姓名录错")
        try await service.resolveAppeal("lz-2026", appeal: appeal, outcome: .upheld, note: "属实",
                                         remedy: .correct(subject: "m-2", name: "李某某", organization: nil))
        _ = try await service.publish("lz-2026", stage: .preliminary)
        try await server.app.test(.router) { client in
            let reply = try await upload(client, "姓名,党支部\n王某,柳庄社区第一党支部\n李某某,柳庄社区第一党支部\n", key: server.admin, previous: "lz-2026")
            let members = try #require(reply.json["members"] as? [[String: Any]], "\(reply.body)")
            #expect(members.map { "\($0["name"] ?? "") \($0["id"] ?? "") \($0["match"] ?? "")" } == ["王某 m-1 matched", "李某某 m-2 matched"])
            #expect((reply.json["left"] as? [[String: Any]])?.isEmpty == true, "nobody left: \(reply.body)")
            let next = testDefinition.replacingOccurrences(of: "id: lz-2026", with: "id: lz-2027\nprevious: lz-2026")
                .replacingOccurrences(of: "name: 李某,", with: "name: 李某某,")
            let created = try await client.call(.post, "/api/v1/evaluations", key: server.admin, text: next)
            #expect(created.status == 201, "the corrected name is no conflict: \(created.body)")
        }
        try await vote(service, "lz-2027", satisfied: ["王某": 9, "李某某": 9])
        let history = try await service.history("lz-2027")
        #expect(history.subjects.first { $0.id == "m-2" }?.change == .gained, "李某某 compared with himself: 7 → 9 of 10")
    }

    @Test("creating a round that gives an earlier id to someone else is 422 identity_conflict, unless renamed_from says so")
    func conflict() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse(Self.lastYear, file: "test"))
        @Sendable func next(_ members: String) -> String {
            """
            id: fy-2027
            title: 2027
            street: chengqu
            electorate: 10
            previous: fy-2026
            organizations:
              - {id: o-1, name: 第一党支部}
            members:
            \(members)
            """
        }
        try await server.app.test(.router) { client in
            let taken = try await client.call(.post, "/api/v1/evaluations", key: server.admin,
                                              text: next("  - {id: m-002, name: 新人甲, organization: o-1}\n  - {id: m-001, name: 王芳, organization: o-1}"))
            #expect(taken.status == 422 && taken.code == "identity_conflict" && taken.body.contains("赵磊"), "\(taken.body)")
            let branch = try await client.call(.post, "/api/v1/evaluations", key: server.admin,
                                               text: next("  - {id: o-2, name: 新人甲, organization: o-1}"))
            #expect(branch.status == 422 && branch.code == "identity_conflict", "an organization's id is not a member's: \(branch.body)")
            let renamed = try await client.call(.post, "/api/v1/evaluations", key: server.admin,
                                                text: next("  - {id: m-002, name: 赵磊磊, organization: o-1, renamed_from: 赵磊}"))
            #expect(renamed.status == 201, "\(renamed.body)")
            let stored = try await server.service.definition("fy-2027")
            #expect(stored.members.first?.renamedFrom == "赵磊")
        }
    }

    @Test("a renamed branch: the roster says it is new and lists the old one as left; with renamed_from it keeps the old id, without it the old id is a conflict")
    func renamedBranch() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse(Self.lastYear, file: "test"))
        try await server.app.test(.router) { client in
            let reply = try await upload(client, "姓名,党支部\n王芳,第一网格党支部\n李强,第二党支部\n", key: server.admin, previous: "fy-2026")
            #expect(reply.status == 200, "\(reply.body)")
            let organizations = try #require(reply.json["organizations"] as? [[String: Any]])
            #expect(organizations.map { $0["match"] as? String } == ["new", "matched"], "\(organizations)")
            #expect(organizations.last?["id"] as? String == "o-2")
            let fresh = try #require(organizations.first?["id"] as? String)
            #expect(!["o-1", "o-2"].contains(fresh), "a new branch gets an id no round used: \(fresh)")
            let left = try #require(reply.json["left"] as? [[String: Any]])
            #expect(left.contains { $0["kind"] as? String == "organization" && $0["name"] as? String == "第一党支部" && $0["id"] as? String == "o-1" })
            @Sendable func next(_ branch: String) -> String {
                """
                id: fy-2027
                title: 2027
                street: chengqu
                electorate: 10
                previous: fy-2026
                organizations:
                  - \(branch)
                members:
                  - {id: m-001, name: 王芳, organization: o-1}
                """
            }
            let unsaid = try await client.call(.post, "/api/v1/evaluations", key: server.admin, text: next("{id: o-1, name: 第一网格党支部}"))
            #expect(unsaid.status == 422 && unsaid.code == "identity_conflict" && unsaid.body.contains("第一党支部"), "\(unsaid.body)")
            let said = try await client.call(.post, "/api/v1/evaluations", key: server.admin,
                                             text: next("{id: o-1, name: 第一网格党支部, renamed_from: 第一党支部}"))
            #expect(said.status == 201, "\(said.body)")
            #expect(try await server.service.definition("fy-2027").organizations.first?.renamedFrom == "第一党支部")
        }
    }

    @Test("a cadre roster with previous: the same name keeps last round's id, a new cadre gets a fresh one, who left is listed")
    func cadreRoster() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse("""
            id: fy-2026-2
            title: 2026 干部
            street: chengqu
            electorate: 10
            cadres:
              - {id: c-01, name: 李书记, title: 社区党委书记}
              - {id: c-02, name: 赵网格, title: 网格员}
            """, file: "test"))
        try await server.app.test(.router) { client in
            let reply = try await upload(client, "姓名,职务\n新网格,网格员\n李书记,社区党委书记\n", key: server.admin, previous: "fy-2026-2")
            #expect(reply.status == 200, "\(reply.body)")
            let cadres = try #require(reply.json["cadres"] as? [[String: Any]])
            #expect(cadres.map { $0["name"] as? String } == ["新网格", "李书记"])
            #expect(cadres.last?["id"] as? String == "c-01" && cadres.last?["match"] as? String == "matched")
            let fresh = try #require(cadres.first?["id"] as? String)
            #expect(cadres.first?["match"] as? String == "new" && !["c-01", "c-02"].contains(fresh), "\(fresh)")
            #expect((reply.json["left"] as? [[String: Any]])?.map { $0["name"] as? String } == ["赵网格"])
        }
    }

    @Test("two people of one name: a row that could be either is ambiguous, with both listed")
    func ambiguous() throws {
        let previous = try DefinitionParser.parse("""
            id: a
            title: a
            street: s
            electorate: 5
            organizations:
              - {id: o-1, name: 一支部}
              - {id: o-2, name: 二支部}
            members:
              - {id: m-001, name: 王芳, organization: o-1}
              - {id: m-002, name: 王芳, organization: o-2}
            """, file: "test")
        let rows: [(number: Int, cells: [String])] = [(1, ["姓名", "党支部"]), (2, ["王芳", "三支部"]), (3, ["王芳", "一支部"])]
        let roster = try Roster(rows: rows)
        let (matched, matches, left) = IdentityChain(rounds: [previous]).match(roster)
        #expect(matches == [.ambiguous(["m-001", "m-002"]), .matched("m-001")])
        #expect(matched.members.map(\.id) == ["m-003", "m-001"])
        #expect(matched.organizations.map(\.id) == ["o-3", "o-1"], "a new branch gets an id no round used")
        #expect(left.map(\.id) == ["m-002", "o-2"])
    }

    @Test("POST /rosters?previous= for an unknown round is 404; another street's is 403")
    func previousChecks() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse(Self.lastYear, file: "test"))
        try await server.app.test(.router) { client in
            let missing = try await upload(client, Self.thisYear, key: server.admin, previous: "nope")
            #expect(missing.status == 404 && missing.code == "not_found")
            let otherStreet = try await upload(client, Self.thisYear, key: server.otherAdmin, previous: "fy-2026")
            #expect(otherStreet.status == 403 && otherStreet.code == "forbidden")
        }
    }
}

/// What the board may say: an upheld appeal changes nothing yet (remedies are
/// still to come), so the board must not say 结果已更正; appeals are 申诉 1, not `a-1`.
@Suite("Honest words on the board")
struct HonestWordsTests {
    @Test("an upheld appeal is 申诉成立, never 结果已更正 until the corrected results are published; appeals are named 申诉 N")
    func upheld() async throws {
        let server = try await TestServer()
        _ = try await server.service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let token = try #require(try await server.service.issueSlips("lz-2026", count: 1).first)
        _ = try await server.service.open("lz-2026")
        _ = try await server.service.castBallot("lz-2026", token: token.base64URL, ratings: ["m-1": "satisfied"])
        _ = try await server.service.close("lz-2026")
        _ = try await server.service.publish("lz-2026", stage: .preliminary)
        let appeal = try await server.service.fileAppeal("lz-2026", subject: "m-1", text: "有异议")
        await #expect(throws: ServiceError.remedyInvalid("upholding an appeal names its remedy: withhold, correct, revote or annul")) {
            try await server.service.resolveAppeal("lz-2026", appeal: appeal, outcome: .upheld, note: "属实")
        }
        try await server.service.resolveAppeal("lz-2026", appeal: appeal, outcome: .upheld, note: "属实",
                                               remedy: .correct(subject: "m-1", name: "王某某", organization: nil))
        try await server.app.test(.router) { client in
            var board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("申诉 1") && !board.contains(">a-1<"), "\(board)")
            #expect(board.contains("申诉成立") && !board.contains("结果已更正"))
            let english = try await client.call(.get, "/board/lz-2026?lang=en").body
            #expect(english.contains("Appeal 1") && !english.contains("results corrected"))
            _ = try await server.service.publish("lz-2026", stage: .preliminary)
            board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("申诉成立，结果已更正") && board.contains("更正：姓名 王某 → 王某某"))
        }
    }
}

@Suite("The street's display name, never its slug")
struct StreetNameTests {
    @Test("a named street is shown by its name on the front page, the board, the API and whoami")
    func named() async throws {
        let server = try await TestServer()
        try await server.service.setStreetName(street: "chengqu", name: "城区街道")
        await #expect(throws: ServiceError.self) { try await server.service.setStreetName(street: "chengqu", name: "x", adding: true) }
        await #expect(throws: ServiceError.self) { try await server.service.setStreetName(street: "chengqu", name: " \u{200B}") }
        _ = try await server.service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        try await server.app.test(.router) { client in
            let home = try await client.call(.get, "/").body
            #expect(home.contains(">城区街道</h2>") && !home.contains("chengqu</h2>"), "\(home)")
            #expect(try await client.call(.get, "/board/lz-2026").body.contains("城区街道 柳庄社区 · 公示栏"))
            #expect(try await client.call(.get, "/api/v1/evaluations/lz-2026").json["street_name"] as? String == "城区街道")
            let listed = try await client.call(.get, "/api/v1/evaluations").json["evaluations"] as? [[String: Any]]
            #expect(listed?.first?["street_name"] as? String == "城区街道")
            #expect(try await client.call(.get, "/api/v1/whoami", key: server.admin).json["street_name"] as? String == "城区街道")
            // A street without a name is shown as 街道 <slug>, and says so in JSON with null;
            // its board names no street (never "nil").
            #expect(try await client.call(.get, "/api/v1/whoami", key: server.otherAdmin).json["street_name"] is NSNull)
            var other = testDefinition.replacingOccurrences(of: "street: chengqu", with: "street: xincheng")
            other = other.replacingOccurrences(of: "id: lz-2026", with: "id: xc-2026")
            _ = try await server.service.create(try DefinitionParser.parse(other, file: "test"))
            let unnamed = try await client.call(.get, "/board/xc-2026").body
            #expect(unnamed.contains("<p class=\"sub\">柳庄社区 · 公示栏</p>") && !unnamed.contains("nil"), "\(unnamed)")
            #expect(try await client.call(.get, "/").body.contains("街道 xincheng</h2>"))
            // The operator names it from the console: GET/POST /streets (operator only).
            #expect(try await client.call(.get, "/api/v1/streets", key: server.admin).code == "forbidden")
            #expect(try await client.call(.post, "/api/v1/streets", key: server.admin, json: ["street": "xincheng", "name": "新城街道"]).code == "forbidden")
            #expect(try await client.call(.post, "/api/v1/streets", key: server.operatorKey, json: ["street": "xincheng", "name": "新\u{202E}城"]).code == "text_invalid")
            #expect(try await client.call(.post, "/api/v1/streets", key: server.operatorKey, json: ["street": "Xin Cheng", "name": "新城街道"]).code == "malformed_request")
            let named = try await client.call(.post, "/api/v1/streets", key: server.operatorKey, json: ["street": "xincheng", "name": "新城街道"])
            #expect(named.status == 201 && (named.json["streets"] as? [[String: Any]])?.count == 2, "\(named.body)")
            let streets = try await client.call(.get, "/api/v1/streets", key: server.operatorKey).json["streets"] as? [[String: Any]]
            #expect(streets?.map { $0["name"] as? String } == ["城区街道", "新城街道"])
            #expect(try await client.call(.get, "/").body.contains(">新城街道</h2>"))
            // A board rendered before the name was given (and cached) is rendered again with it.
            #expect(try await client.call(.get, "/board/xc-2026").body.contains("新城街道 柳庄社区 · 公示栏"))
            try await server.service.setStreetName(street: "chengqu", name: "城西街道")
            let renamed = try await client.call(.get, "/board/lz-2026").body
            #expect(renamed.contains("城西街道 柳庄社区 · 公示栏") && !renamed.contains("城区街道"))
        }
    }
}

@Suite("Times people read are the street's local time")
struct LocalTimeTests {
    @Test("pages format times in the configured zone (serve --timezone), not UTC")
    func zone() throws {
        func pages(_ zone: String) throws -> PagesController {
            let service = EvaluationService(store: MemoryStore(), keys: TestServer.keys,
                                            configuration: .init(timeZone: try #require(TimeZone(identifier: zone))))
            return PagesController(service: service, pages: try PageRenderer())
        }
        let evening = Date(timeIntervalSince1970: 1_796_587_200)  // 2026-12-06T20:00:00Z
        #expect(try pages("Asia/Shanghai").localDate(evening, .zh, withTime: true) == "2026年12月7日 04:00")
        #expect(try pages("Asia/Urumqi").localDate(evening, .zh) == "2026年12月7日")
        #expect(try pages("UTC").localDate(evening, .en, withTime: true) == "2026-12-06 20:00")
    }
}
