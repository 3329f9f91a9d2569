import Foundation
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingLog
import MinpingService
@testable import MinpingTables
import MinpingTestSupport
import Testing

@Suite("A street's round: the star board and the ledger (SPEC §2 round, §7)")
struct StreetRoundTests {
    /// A community's evaluation in round 2026: members m-1..m-n, everyone rating every member
    /// by the pattern given (a member's index → satisfied or not).
    func community(_ server: TestServer, id: String, community: String, members: Int, satisfied: (Int) -> Bool,
                   publish: Bool, round: String = "2026") async throws {
        let names = ["王芳", "李强", "张伟", "刘洋", "陈静"]
        let yaml = """
            id: \(id)
            title: \(community)2026年度测评
            street: chengqu
            community: \(community)
            round: "\(round)"
            electorate: 10
            organizations:
              - {id: o-1, name: \(community)第一党支部}
            members:
            \((1...members).map { "  - {id: m-\($0), name: \(names[$0 - 1]), organization: o-1}" }.joined(separator: "\n"))
            """
        _ = try await server.service.create(try DefinitionParser.parse(yaml, file: id))
        let tokens = try await server.service.issueSlips(id, count: 10)
        _ = try await server.service.open(id)
        for token in tokens {
            var ratings = ["o-1": "satisfied"]
            for m in 1...members { ratings["m-\(m)"] = satisfied(m) ? "satisfied" : "dissatisfied" }
            _ = try await server.service.castBallot(id, token: token.base64URL, ratings: ratings)
        }
        _ = try await server.service.close(id)
        if publish { _ = try await server.service.publish(id, stage: .preliminary) }
    }

    @Test("a community whose remedy waits to be published shows no stars on the street board, the ledger or the totals until it is")
    func pendingRemedy() async throws {
        let server = try await TestServer()
        try await community(server, id: "fy-2026", community: "府苑社区", members: 2, satisfied: { _ in true }, publish: true)
        try await community(server, id: "lz-2026b", community: "柳庄社区", members: 2, satisfied: { _ in true }, publish: true)
        try await server.app.test(.router) { client in
            let veto = try await client.call(.post, "/api/v1/evaluations/lz-2026b/withholdings", key: server.admin,
                                             json: ["subject": "m-1", "star": "satisfaction", "reason": "拉票属实"])
            #expect(veto.status == 201, "\(veto.body)")
            func board() async throws -> (stages: [String], published: Int?, ledger: [String]) {
                let reply = try await client.call(.get, "/api/v1/streets/chengqu/rounds/2026")
                let communities = reply.json["communities"] as? [[String: Any]] ?? []
                let ledger = try await client.call(.get, "/api/v1/streets/chengqu/rounds/2026/stars.json").json["rows"] as? [[String: Any]] ?? []
                return (communities.map { "\($0["community"] ?? "") \($0["stage"] as? String ?? "-")" },
                        (reply.json["totals"] as? [String: Any])?["published"] as? Int,
                        ledger.map { "\($0["evaluation"] ?? "") \($0["subject"] ?? $0["id"] ?? "")" })
            }
            var now = try await board()
            #expect(now.stages == ["府苑社区 preliminary", "柳庄社区 -"] && now.published == 1, "\(now)")
            #expect(!now.ledger.contains { $0.hasPrefix("lz-2026b") }, "\(now.ledger)")
            let page = try await client.call(.get, "/street/chengqu/2026").body
            #expect(page.contains("府苑社区") && page.contains("柳庄社区") && page.contains("复查后待重新公示"))
            _ = try await client.call(.post, "/api/v1/evaluations/lz-2026b/publish", key: server.admin, json: ["stage": "preliminary"])
            now = try await board()
            #expect(now.stages == ["府苑社区 preliminary", "柳庄社区 preliminary"] && now.published == 2, "\(now)")
            #expect(now.ledger.contains { $0.hasPrefix("lz-2026b") })
        }
    }

    @Test("the board counts published results only, community by community, and its totals are their sums; the ledger cites each star's checkpoint")
    func board() async throws {
        let server = try await TestServer()
        // 府苑: all 3 satisfied (3 满意星); 柳庄: m-1 and m-2 satisfied, m-3 not; 海晏: not published.
        try await community(server, id: "fy-2026", community: "府苑社区", members: 3, satisfied: { _ in true }, publish: true)
        try await community(server, id: "lz-2026b", community: "柳庄社区", members: 3, satisfied: { $0 <= 2 }, publish: true)
        try await community(server, id: "hy-2026", community: "海晏社区", members: 2, satisfied: { _ in true }, publish: false)
        try await community(server, id: "fy-2025", community: "府苑社区", members: 1, satisfied: { _ in true }, publish: true, round: "2025")
        // Published, then annulled: it counts as an evaluation of the round, not as published.
        try await community(server, id: "lz-2025", community: "柳庄社区", members: 1, satisfied: { _ in true }, publish: true, round: "2025")
        _ = try await server.service.annul("lz-2025", reason: "计票程序违规")
        try await server.app.test(.router) { client in
            let rounds = try await client.call(.get, "/api/v1/streets/chengqu/rounds")
            let list = (rounds.json["rounds"] as? [[String: Any]] ?? []).map { "\($0["round"] ?? "") \($0["evaluations"] ?? "") \($0["published"] ?? "")" }
            #expect(list == ["2026 3 2", "2025 2 1"], "\(rounds.body)")

            let board = try await client.call(.get, "/api/v1/streets/chengqu/rounds/2026")
            #expect(board.status == 200, "\(board.body)")
            let communities = board.json["communities"] as? [[String: Any]] ?? []
            #expect(communities.compactMap { $0["community"] as? String } == ["府苑社区", "柳庄社区", "海晏社区"])
            func stars(_ c: [String: Any]) -> [String: Int] {
                Dictionary(uniqueKeysWithValues: (c["member_stars"] as? [[String: Any]] ?? []).map { ($0["star"] as? String ?? "", $0["count"] as? Int ?? -1) })
            }
            #expect(stars(communities[0]) == ["recognition": 3, "satisfaction": 3])
            #expect(stars(communities[1]) == ["recognition": 2, "satisfaction": 2])
            #expect(stars(communities[2]).isEmpty && communities[2]["stage"] is NSNull, "an unpublished community shows only its stage")
            let totals = board.json["totals"] as? [String: Any] ?? [:]
            #expect(totals["published"] as? Int == 2 && totals["members"] as? Int == 6 && totals["ballots"] as? Int == 20)
            let totalStars = Dictionary(uniqueKeysWithValues: (totals["member_stars"] as? [[String: Any]] ?? []).map {
                ($0["star"] as? String ?? "", "\($0["count"] ?? "") \($0["share"] ?? "")")
            })
            #expect(totalStars == ["recognition": "5 83.3", "satisfaction": "5 83.3"], "the sums of the published communities: \(totalStars)")
            #expect(try await client.call(.get, "/api/v1/streets/chengqu/rounds/1999").status == 404)

            // The ledger: one row per subject of a published evaluation, with its proof reference.
            let ledger = try await client.call(.get, "/api/v1/streets/chengqu/rounds/2026/stars.json")
            let rows = ledger.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 8, "3 + 1 branch and 3 + 1 branch, none of 海晏: \(rows.count)")
            let checkpoint = try await server.service.checkpoint("lz-2026b")
            let parsed = try #require(Checkpoint.unverified(checkpoint))
            let row = try #require(rows.first { $0["evaluation"] as? String == "lz-2026b" && $0["id"] as? String == "m-3" })
            #expect(row["origin"] as? String == parsed.origin && row["size"] as? Int == parsed.size
                    && row["root_hash"] as? String == parsed.root.base64EncodedString(), "the row names the log's signed checkpoint")
            #expect((row["stars"] as? [String])?.isEmpty == true && row["name"] as? String == "张伟")
            let csv = try await client.call(.get, "/api/v1/streets/chengqu/rounds/2026/stars.csv")
            #expect(csv.status == 200 && csv.body.contains("柳庄社区,lz-2026b,初步结果,党员,m-1,王芳,柳庄社区第一党支部,群众认可星、群众满意星"), "\(csv.body.prefix(400))")

            // The page: both published communities' names under their stars, 海晏 only its stage.
            let page = try await client.call(.get, "/street/chengqu/2026")
            #expect(page.status == 200 && page.body.contains("府苑社区") && page.body.contains("王芳、李强") && page.body.contains("海晏社区"))
            #expect(!page.body.contains("nil"))
            #expect(try await client.call(.get, "/street/chengqu/1999").status == 404)
            let home = try await client.call(.get, "/")
            #expect(home.body.contains(#"href="/street/chengqu/2026""#) && home.body.contains(#"href="/street/chengqu/2025""#),
                    "the front page links the street's rounds")
        }
        // The round is part of the definition the verifiers read: both accept it.
        let definition = try #require(try await server.service.bundle("fy-2026").files.first { $0.path == "definition.json" }).contents
        #expect(String(decoding: definition, as: UTF8.self).contains(#""round":"2026""#))
        try await server.verifyBoth("fy-2026")
    }

    @Test("street-results.xlsx: the summary sheet (the board's numbers, totals of the published) and one report sheet per published community; the same summary as CSV")
    func streetResults() async throws {
        let server = try await TestServer()
        try await community(server, id: "fy-2026", community: "府苑社区", members: 3, satisfied: { _ in true }, publish: true)
        try await community(server, id: "lz-2026b", community: "柳庄社区", members: 3, satisfied: { $0 <= 2 }, publish: true)
        try await community(server, id: "hy-2026", community: "海晏社区", members: 2, satisfied: { _ in true }, publish: false)
        try await server.app.test(.router) { client in
            let workbook = try await client.execute(uri: "/api/v1/streets/chengqu/rounds/2026/street-results.xlsx", method: .get) { response in
                (Int(response.status.code), Data(response.body.readableBytesView))
            }
            #expect(workbook.0 == 200)
            let names = try XLSXSheet(workbook.1).sheets.map(\.name)
            #expect(names == ["汇总", "府苑社区", "柳庄社区"], "an unpublished community has no sheet: \(names)")
            let summary = try XLSXSheet.firstSheetRows(workbook.1).map(\.cells).drop { $0.first != "社区" }
            let header = try #require(summary.first)
            let column = try #require(header.firstIndex(of: "党员群众满意星"))
            #expect(summary.dropFirst().map { $0[0] } == ["府苑社区", "柳庄社区", "海晏社区", "合计（已公布 2 / 3）"])
            #expect(summary.dropFirst().map { $0[column] } == ["3", "2", "—", "5"], "the totals are the sums of the published")
            let csv = try await client.call(.get, "/api/v1/streets/chengqu/rounds/2026/street-results.csv")
            #expect(csv.status == 200 && csv.body.contains("柳庄社区,lz-2026b,初步结果,10,10,100.0,3,1,0,2,66.7,2,66.7"), "\(csv.body.prefix(600))")
        }
    }

    @Test("GET /rounds/{round}: the operator's roll-up of every street (progress, totals of the published); admins are refused; 404 for a round nobody names")
    func district() async throws {
        let server = try await TestServer()
        try await community(server, id: "fy-2026", community: "府苑社区", members: 3, satisfied: { _ in true }, publish: true)
        try await community(server, id: "hy-2026", community: "海晏社区", members: 2, satisfied: { _ in true }, publish: false)
        try await server.app.test(.router) { client in
            let roll = try await client.call(.get, "/api/v1/rounds/2026", key: server.operatorKey)
            #expect(roll.status == 200, "\(roll.body)")
            let streets = try #require(roll.json["streets"] as? [[String: Any]])
            #expect(streets.map { $0["street"] as? String } == ["chengqu"])
            #expect(streets.first?["progress"] as? [String: Int] == ["preliminary": 1, "closed": 1])
            let totals = try #require(streets.first?["totals"] as? [String: Any])
            #expect(totals["published"] as? Int == 1 && totals["members"] as? Int == 3 && totals["ballots"] as? Int == 10)
            #expect(try await client.call(.get, "/api/v1/rounds/2026", key: server.admin).status == 403)
            #expect(try await client.call(.get, "/api/v1/rounds/1999", key: server.operatorKey).status == 404)
            let workbook = try await client.execute(uri: "/api/v1/rounds/2026/district.xlsx", method: .get,
                                                    headers: [.authorization: "Bearer \(server.operatorKey)"]) { response in
                (Int(response.status.code), Data(response.body.readableBytesView))
            }
            let sheets = try XLSXSheet(workbook.1).sheets.map(\.name)
            #expect(workbook.0 == 200 && sheets == ["全区汇总", "chengqu"])
        }
    }

    @Test("a round is a name of at most 32 characters")
    func roundField() throws {
        let base = "id: x\ntitle: t\nstreet: s\nelectorate: 5\nmembers: [{id: m-1, name: 王某}]\n"
        #expect(try DefinitionParser.parse(base + "round: \"2026年第三季度\"\n", file: "d").round == "2026年第三季度")
        #expect(throws: DefinitionError.self) { try DefinitionParser.parse(base + "round: \"\(String(repeating: "年", count: 33))\"\n", file: "d") }
        #expect(try DefinitionParser.parse(base, file: "d").round == nil)
    }
}
