import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
@testable import MinpingHTTP
import MinpingService
import Testing

/// Stars over the years (SPEC §7 `GET /history`): rounds along `previous`, 增星 /
/// 减星 / 新参评 on the board, and the server-drawn charts.
@Suite("Stars over the years")
struct HistoryTests {
    let base = "/api/v1/evaluations"

    /// A round of 10 ballots: member `id` is rated satisfied on the first `satisfied[id]`
    /// ballots, dissatisfied on the rest; the branch always satisfied.
    func round(_ server: TestServer, _ id: String, year: Int, previous: String? = nil, members: [String: Int],
               publish: Bool = true) async throws {
        let names = ["a": "王某", "b": "李某", "c": "张某", "d": "赵某"]
        let yaml = """
            id: \(id)
            title: 柳庄社区\(year)年度党员群众满意度测评
            street: chengqu
            community: 柳庄社区
            electorate: 10
            publicity_days: 0
            \(previous.map { "previous: \($0)" } ?? "")
            organizations:
              - {id: lz-1, name: 柳庄社区第一党支部}
            members:
            \(members.keys.sorted().map { "  - {id: \($0), name: \(names[$0] ?? $0), organization: lz-1}" }.joined(separator: "\n"))
            """
        let service = server.service
        _ = try await service.create(DefinitionParser.parse(yaml, file: "test"))
        guard publish else { return }
        let tokens = try await service.issueSlips(id, count: 10)
        _ = try await service.open(id)
        for (index, token) in tokens.enumerated() {
            var ratings = ["lz-1": "satisfied"]
            for (member, satisfied) in members { ratings[member] = index < satisfied ? "satisfied" : "dissatisfied" }
            _ = try await service.castBallot(id, token: token.base64URL, ratings: ratings)
        }
        _ = try await service.close(id)
        _ = try await service.publish(id, stage: .preliminary)
    }

    @Test("three rounds, subjects added and removed, an unpublished middle round skipped")
    func threeRounds() async throws {
        let server = try await TestServer()
        try await round(server, "lz-2024", year: 2024, members: ["a": 5, "b": 9, "c": 9])
        try await round(server, "lz-2025", year: 2025, previous: "lz-2024", members: ["a": 9, "b": 9, "c": 9], publish: false)
        try await round(server, "lz-2026", year: 2026, previous: "lz-2025", members: ["a": 9, "b": 7, "d": 9])

        let history = try await server.service.history("lz-2026")
        #expect(history.rounds.map(\.evaluation) == ["lz-2026", "lz-2024"])
        let byID = Dictionary(uniqueKeysWithValues: history.subjects.map { ($0.id, $0) })
        #expect(history.subjects.map(\.id) == ["a", "b", "d", "lz-1"], "this round's subjects, members then organizations")
        #expect(byID["a"]?.stars == [["recognition", "satisfaction"], []] && byID["a"]?.change == .gained)
        #expect(byID["b"]?.stars == [["recognition"], ["recognition", "satisfaction"]] && byID["b"]?.change == .lost)
        #expect(byID["d"]?.stars == [["recognition", "satisfaction"], nil] && byID["d"]?.change == .new)
        #expect(byID["lz-1"]?.change == .same)

        try await server.app.test(.router) { client in
            var reply = try await client.call(.get, "\(base)/lz-2026/history")
            #expect(reply.status == 200, "\(reply.body)")
            let rounds = try #require(reply.json["rounds"] as? [[String: Any]])
            #expect(rounds.map { $0["evaluation"] as? String } == ["lz-2026", "lz-2024"])
            #expect(rounds.first?["stage"] as? String == "preliminary" && rounds.first?["title"] as? String == "柳庄社区2026年度党员群众满意度测评")
            let subjects = try #require(reply.json["subjects"] as? [[String: Any]])
            let d = try #require(subjects.first { $0["id"] as? String == "d" })
            #expect(d["change"] as? String == "new" && (d["stars"] as? [Any])?.last is NSNull)
            // The unpublished round has no history of its own; an unknown one is 404.
            reply = try await client.call(.get, "\(base)/lz-2025/history")
            #expect(reply.status == 409 && reply.code == "results_not_published")
            #expect(try await client.call(.get, "\(base)/nope/history").status == 404)
            // The first round alone: everyone is new.
            reply = try await client.call(.get, "\(base)/lz-2024/history")
            let first = try #require(reply.json["subjects"] as? [[String: Any]])
            #expect(first.allSatisfy { $0["change"] as? String == "new" })

            // The board marks the changes in words, links the history, and draws the charts.
            let board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("较上轮"))
            #expect(Self.row(board, "王某").contains(#"<span class="change gained"><span aria-hidden="true">▲</span> 群众评星增加</span>"#))
            #expect(Self.row(board, "李某").contains(#"<span class="change lost"><span aria-hidden="true">▼</span> 群众评星减少</span>"#))
            #expect(Self.row(board, "赵某").contains("新参评"))
            #expect(board.contains(#"href="/history/lz-2026""#))
            let first2024 = try await client.call(.get, "/board/lz-2024").body
            #expect(!first2024.contains("较上轮"), "a first round has nothing to compare with")

            let page = try await client.call(.get, "/history/lz-2026").body
            #expect(page.contains("2026") && page.contains("2024") && !page.contains("lz-2025"))
            #expect(Self.row(page, "赵某").contains("未参评") && Self.row(page, "赵某").contains("新参评"))
            #expect(Self.row(page, "王某").contains("无星") && Self.row(page, "王某").contains("<span class=\"star-label\"> 群众满意星</span>"))
            #expect(try await client.call(.get, "/history/lz-2025").body.contains("尚未公布"))
        }
    }

    @Test("the satisfaction charts: a bar per subject, threshold lines where the rules put them, starred bars marked, role and title")
    func charts() async throws {
        let server = try await TestServer()
        try await round(server, "lz-2026", year: 2026, members: ["a": 9, "b": 5, "c": 7])
        try await server.app.test(.router) { client in
            let board = try await client.call(.get, "/board/lz-2026").body
            let members = try #require(Self.svg(board, "chart-members"))
            #expect(members.contains(#"role="img""#) && members.contains(#"aria-labelledby="chart-members-title chart-members-desc""#))
            #expect(members.contains(#"<title id="chart-members-title">党员满意率</title>"#))
            #expect(members.components(separatedBy: #"<g class="bar"#).count - 1 == 3, "one bar per member")
            #expect(members.components(separatedBy: #"<g class="bar starred""#).count - 1 == 2, "90 % and 70 % earned stars, 50 % did not")
            // Thresholds at 60 % and 80 % of a 400-unit bar starting at 200.
            #expect(members.contains(#"class="threshold" data-percent="60" x1="440""#))
            #expect(members.contains(#"class="threshold" data-percent="80" x1="520""#))
            #expect(members.contains("柳庄社区第一党支部"), "members are grouped under their branch")
            #expect(members.contains("群众认可星（超过 60%）") == false && members.contains("超过 60% 得群众认可星：2"))
            let organizations = try #require(Self.svg(board, "chart-organizations"))
            #expect(organizations.contains(#"class="threshold" data-percent="70" x1="480""#))
            #expect(!organizations.contains(#"data-percent="60""#))
            let turnout = try #require(Self.svg(board, "chart-turnout"))
            #expect(turnout.contains("已投票 10 / 应参评 10（100.0%）"))
            // A bar's length is the exact fraction: 9 of 10 is 360 units.
            #expect(members.contains(#"width="360""#) && members.contains(#"width="200""#))
        }
    }

    @Test("the charts follow the definition's own rules (at_least, other percents)")
    func chartsFollowTheRules() throws {
        let definition = try DefinitionParser.parse("""
            id: x
            title: t
            street: s
            electorate: 4
            rules:
              comparison: at_least
              member_stars: [{star: one, label: 一星, percent: 50}]
            members:
              - {id: a, name: "<A&B>"}
            """, file: "test")
        var tally = Tally(definition: definition)
        try tally.add(ratings: ["a": "satisfied"])
        try tally.add(ratings: ["a": "dissatisfied"])
        let svg = try #require(ResultsChart.satisfaction(tally.results(), definition: definition, kind: .member,
                                                         labels: Labels.all(.zh), id: "c"))
        #expect(svg.contains(#"data-percent="50" x1="400""#))
        #expect(svg.contains("&lt;A&amp;B&gt;") && !svg.contains("<A&B>"))
        #expect(svg.contains("达到 50% 得一星：1"))
    }

    @Test("221 members (longhua-2021) stay readable: grouped under their five branches, one row each")
    func largeCommunity() throws {
        let definition = try DefinitionParser.parse(String(contentsOfFile: "Ballots/longhua-2021.yaml", encoding: .utf8), file: "longhua-2021.yaml")
        var tally = Tally(definition: definition)
        for line in try String(contentsOfFile: "Ballots/votes/longhua-2021.jsonl", encoding: .utf8).split(separator: "\n") {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            try tally.add(ratings: try #require(json["ratings"] as? [String: String]))
        }
        let svg = try #require(ResultsChart.satisfaction(tally.results(), definition: definition, kind: .member,
                                                         labels: Labels.all(.zh), id: "c"))
        #expect(svg.components(separatedBy: #"<g class="bar"#).count - 1 == 221)
        #expect(svg.components(separatedBy: #"<text class="group""#).count - 1 == definition.organizations.count)
        // Every row keeps the same height at any size: the chart grows, its text does not shrink.
        #expect(svg.contains(#"viewBox="0 0 720 \#(ResultsChart.top + (221 + definition.organizations.count) * ResultsChart.rowHeight + 8)""#))
    }

    @Test("printed, a long chart comes in parts that fit a page: none over 36 rows, none ending with a branch, every bar once, one description")
    func chartParts() throws {
        let definition = try DefinitionParser.parse(String(contentsOfFile: "Ballots/longhua-2021.yaml", encoding: .utf8), file: "longhua-2021.yaml")
        var tally = Tally(definition: definition)
        for line in try String(contentsOfFile: "Ballots/votes/longhua-2021.jsonl", encoding: .utf8).split(separator: "\n") {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            try tally.add(ratings: try #require(json["ratings"] as? [String: String]))
        }
        let parts = try #require(ResultsChart.satisfactionParts(tally.results(), definition: definition, kind: .member,
                                                                labels: Labels.all(.zh), id: "c", rowsPerPart: 36))
        #expect(parts.count == 7, "226 rows (221 members, 5 branches) in parts of at most 36")
        var bars = 0
        for (index, part) in parts.enumerated() {
            let rows = part.components(separatedBy: #"<g class="bar"#).count - 1
            let headers = part.components(separatedBy: #"<text class="group""#).count - 1
            bars += rows
            #expect(rows + headers <= 36 && rows > 0, "part \(index): \(rows) bars, \(headers) branches")
            // A branch header is followed by a bar in its own part.
            let lastHeader = part.range(of: #"<text class="group""#, options: .backwards)
            let lastBar = part.range(of: #"<g class="bar"#, options: .backwards)
            #expect(lastHeader == nil || lastBar.map { $0.lowerBound > lastHeader!.lowerBound } == true, "part \(index) ends with a branch")
            #expect(part.contains(#"class="threshold""#), "each part has its threshold lines")
            #expect(part.contains(#"role="img""#) == (index == 0) && part.contains(#"aria-hidden="true""#) == (index > 0))
        }
        #expect(bars == 221)
        #expect(parts.count == 1 || ResultsChart.satisfaction(tally.results(), definition: definition, kind: .member,
                                                             labels: Labels.all(.zh), id: "c")?.contains("chart-continued") == false)
    }

    /// The table row (or SVG group) that names `name`.
    static func row(_ html: String, _ name: String) -> String {
        guard let start = html.range(of: "<th scope=\"row\">\(name)") else { return "" }
        return String(html[start.lowerBound...].prefix { $0 != "\n" })
    }

    static func svg(_ html: String, _ id: String) -> String? {
        guard let title = html.range(of: "aria-labelledby=\"\(id)-title"),
              let start = html[..<title.lowerBound].range(of: "<svg", options: .backwards),
              let end = html[title.upperBound...].range(of: "</svg>") else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }
}
