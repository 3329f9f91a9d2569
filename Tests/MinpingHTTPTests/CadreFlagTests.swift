import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingLog
import MinpingService
import MinpingTestSupport
import Testing

/// An evaluation with cadres and flag rules, end to end: the API, the ballot's subjects, the
/// board, the result tables and both verifiers (SPEC §2, §3, §7).
@Suite("Cadres and flags through the service")
struct CadreFlagTests {
    let base = "/api/v1/evaluations"
    static let definition = """
        id: jl-2026
        title: 九龙社区2026年度党员和干部群众满意度测评
        street: chengqu
        community: 九龙社区
        electorate: 10
        publicity_days: 0
        rules:
          cadre_stars: [{star: recognition, label: 党员认可星, percent: 80}]
          flags:
            - {flag: black, label: 黑旗, kinds: [member, cadre], below: 50}
            - {flag: rectify, label: 需整改, kinds: [organization], dissatisfied_above: 30}
        organizations:
          - {id: o-1, name: 九龙社区第一党支部}
        members:
          - {id: m-1, name: 王某, organization: o-1}
          - {id: m-2, name: 李某, organization: o-1}
        cadres:
          - {id: c-1, name: 赵书记, title: 社区党委书记}
        """

    @Test("cadres are on the ballot, in the results, on the board and in the tables; flags are raised, shown and recounted by both verifiers")
    func endToEnd() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: Self.definition).status == 201)
            let info = try await client.call(.get, "\(base)/jl-2026")
            let subjects = try #require(info.json["subjects"] as? [[String: Any]])
            #expect(subjects.map { $0["kind"] as? String } == ["member", "member", "organization", "cadre"])
            #expect(subjects.last?["title"] as? String == "社区党委书记")
            let announced = try await client.call(.get, "/board/jl-2026").body
            #expect(announced.contains("党员、干部满意率低于 50% 的，标记黑旗") && announced.contains("赵书记"),
                    "the 测评公告's rules in words name the flags; the cadres are listed")
            let tokens = try #require(try await client.call(.post, "\(base)/jl-2026/slips", key: server.admin, json: ["count": 10])
                .json["tokens"] as? [String])
            _ = try await client.call(.post, "\(base)/jl-2026/open", key: server.admin)
            // 王某 4 of 10 (黑旗), 李某 9 of 10 (★★), the branch 4 dissatisfied (需整改), 赵书记 9 of 10 (党员认可星).
            for (index, token) in tokens.enumerated() {
                let ratings = ["m-1": index < 4 ? "satisfied" : "dissatisfied", "m-2": index < 9 ? "satisfied" : "unknown",
                               "o-1": index < 4 ? "dissatisfied" : "satisfied", "c-1": index < 9 ? "satisfied" : "dissatisfied"]
                #expect(try await client.call(.post, "\(base)/jl-2026/ballots", json: ["token": token, "ratings": ratings]).status == 202)
            }
            _ = try await client.call(.post, "\(base)/jl-2026/close", key: server.admin)
            let results = try await client.call(.post, "\(base)/jl-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            #expect(results.status == 200)
            let byID = Dictionary(uniqueKeysWithValues: (results.json["subjects"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
            #expect(byID["m-1"]?["flags"] as? [String] == ["black"] && byID["m-2"]?["flags"] as? [String] == [])
            #expect(byID["o-1"]?["flags"] as? [String] == ["rectify"])
            #expect(byID["c-1"]?["kind"] as? String == "cadre" && byID["c-1"]?["stars"] as? [String] == ["recognition"])

            let board = try await client.call(.get, "/board/jl-2026").body
            #expect(board.contains("<h2>干部</h2>") && board.contains("社区党委书记") && board.contains("★ 党员认可星"))
            #expect(board.contains("<th scope=\"col\">标记</th>") && board.contains("⚑</span> 黑旗") && board.contains("⚑</span> 需整改"))
            #expect(board.contains("bar flagged") && board.contains("干部满意率"), "the charts mark the flagged bars and draw the cadres")

            let csv = try await client.call(.get, "\(base)/jl-2026/results.csv").body
            let lines = csv.components(separatedBy: "\r\n")
            #expect(lines[0].hasSuffix("计为满意,分母,满意率,获星,标记"), "\(lines[0])")
            #expect(lines[1].hasPrefix("党员,m-1,王某,") && lines[1].hasSuffix(",黑旗"), "\(lines[1])")
            #expect(lines[4].hasPrefix("干部,c-1,赵书记,,") && lines[4].hasSuffix(",党员认可星,"), "\(lines[4])")
            #expect(try await client.call(.get, "/board/jl-2026/charts/cadres.svg").status == 200)

            // The history carries each round's flags, and its page shows them.
            let history = try await client.call(.get, "\(base)/jl-2026/history")
            let historyByID = Dictionary(uniqueKeysWithValues: (history.json["subjects"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
            #expect(historyByID["m-1"]?["flags"] as? [[String]] == [["black"]] && historyByID["m-2"]?["flags"] as? [[String]] == [[]])
            #expect(historyByID["c-1"]?["flags"] as? [[String]] == [[]])
            let page = try await client.call(.get, "/history/jl-2026").body
            #expect(page.contains("⚑</span> 黑旗") && page.contains("⚑</span> 需整改") && page.contains("社区党委书记"))
        }
        try await server.verifyBoth("jl-2026")
    }
}
