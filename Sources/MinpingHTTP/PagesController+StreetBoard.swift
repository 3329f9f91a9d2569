import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore

/// The street's star board (SPEC §7): the page over ``StreetRoundController``'s numbers.
extension PagesController {
    /// A street's star board for one round (SPEC §7): every community side by side; only
    /// published results counted.
    @Sendable func streetBoard(_ request: Request, context: MinpingContext) async throws -> Response {
        let language = Language(query: request.uri.queryParameters.get("lang"))
        let display = request.uri.queryParameters.get("display") == "1"
        let t = Labels.all(language)
        let round: StreetRound
        do {
            round = try await service.streetRound(try context.parameters.require("street"), round: try context.parameters.require("round"))
        } catch ServiceError.notFound {
            throw PageError(response: try pages.page(.notFound, language: language, title: "404", status: .notFound, PageModel.Message(
                heading: language == .zh ? "没有找到这一轮测评" : "No such round",
                message: language == .zh ? "请检查网址中的街道和轮次。" : "Check the street and the round in the address.")))
        }
        let board = StreetRoundController.board(round)
        // The columns: every member star, organization star and cadre star of the published
        // rules, then every flag: "count（share%）" per community, — before its results.
        typealias Counts = (stars: (StreetRoundController.Board.Community) -> [StreetRoundController.StarCount], all: [StreetRoundController.StarCount])
        let starGroups: [(prefix: String, counts: Counts)] = [
            ("", ({ $0.memberStars }, board.totals.memberStars)),
            (t["organizations"] ?? "", ({ $0.organizationStars }, board.totals.organizationStars)),
            (t["cadres"] ?? "", ({ $0.cadreStars }, board.totals.cadreStars)),
        ]
        let heads = starGroups.flatMap { group in group.counts.all.map { group.prefix + $0.label } } + board.totals.flags.map { "⚑" + $0.label }
        func cells(_ counts: [StreetRoundController.StarCount], _ all: [StreetRoundController.StarCount]) -> [String] {
            all.map { column in
                guard let count = counts.first(where: { $0.star == column.star }) else { return "—" }
                return "\(count.count)" + (count.share.map { "（\($0)%）" } ?? "")
            }
        }
        func flagCells(_ counts: [StreetRoundController.FlagCount]) -> [String] {
            board.totals.flags.map { column in counts.first { $0.flag == column.flag }.map { "\($0.count)" } ?? "—" }
        }
        // 两级测评: a community with two evaluations in the round names each one's level.
        let perCommunity = Dictionary(grouping: round.communities, by: { $0.definition.community ?? $0.record.id })
        func level(_ community: StreetRound.Community) -> String? {
            guard (perCommunity[community.definition.community ?? community.record.id]?.count ?? 0) > 1 else { return nil }
            return t[community.definition.cadres.isEmpty ? "street_level_short_1" : "street_level_short_2"]
        }
        let levels = Dictionary(uniqueKeysWithValues: round.communities.map { ($0.record.id, level($0)) })
        // Published, but a remedy waits to be published again: no stars until it is, and says why.
        let pending = Set(round.communities.filter { $0.record.state != .annulled && $0.record.lifecycle.republicationDue }.map(\.record.id))
        let rows = board.communities.map { community in
            let stage = community.stage.map { t["stage_\($0.rawValue)"] ?? $0.rawValue }
                ?? (pending.contains(community.evaluation) ? t["street_republication_due"] : nil)
                ?? (t["state_\(community.state.rawValue)"] ?? community.state.rawValue)
            let change = community.gained.map { gained in
                (t["street_board_change"] ?? "").replacingOccurrences(of: "{gained}", with: "\(gained)")
                    .replacingOccurrences(of: "{lost}", with: "\(community.lost ?? 0)")
            } ?? "—"
            return PageModel.StreetBoard.Row(
                evaluation: community.evaluation,
                name: (community.community ?? community.title) + ((levels[community.evaluation] ?? nil).map { " · \($0)" } ?? ""), stage: stage,
                stageClass: community.stage?.rawValue ?? community.state.rawValue, ballots: community.ballots,
                electorate: community.electorate, turnout: community.turnout, members: community.members,
                cells: community.stage == nil ? heads.map { _ in "—" }
                    : starGroups.flatMap { cells($0.counts.stars(community), $0.counts.all) } + flagCells(community.flags),
                change: change)
        }
        let separator = language == .zh ? "、" : ", "
        func levelModel(_ community: StreetRound.Community) -> PageModel.StreetBoard.Level {
            let rules = community.definition.rules
            let subjects = community.results?.subjects ?? []
            let stars = SubjectKind.allCases.flatMap { kind in
                rules.stars(for: kind).map { rule in
                    let holders = subjects.filter { $0.kind == kind && $0.stars.contains(rule.star) }.map(\.name)
                    let label = (kind == .member ? "" : t[Self.kindLabel[kind] ?? ""] ?? "") + rule.label
                    return PageModel.StreetBoard.Star(label: label, count: holders.count,
                                                      names: holders.isEmpty ? "—" : holders.joined(separator: separator))
                }
            }
            let flags = rules.flags.map { rule in
                let holders = subjects.filter { $0.flags?.contains(rule.flag) == true }.map(\.name)
                return PageModel.StreetBoard.Star(label: "⚑" + rule.label, count: holders.count,
                                                  names: holders.isEmpty ? "—" : holders.joined(separator: separator))
            }
            // Who has fewer stars than in the previous published round (群众评星减少).
            let lost = (community.history?.rounds.count ?? 0) > 1
                ? (community.history?.subjects ?? []).filter { $0.change == .lost }.map(\.name) : []
            return PageModel.StreetBoard.Level(
                evaluation: community.record.id, level: levels[community.record.id] ?? nil, published: community.results != nil,
                stage: t["state_\(community.record.state.rawValue)"] ?? community.record.state.rawValue,
                stars: stars + flags + (lost.isEmpty ? [] : [PageModel.StreetBoard.Star(label: t["change_lost"] ?? "", count: lost.count,
                                                                                            names: lost.joined(separator: separator))]))
        }
        var order: [String] = []
        for community in round.communities where !order.contains(community.definition.community ?? community.record.id) {
            order.append(community.definition.community ?? community.record.id)
        }
        let communities = order.map { name in
            let evaluations = (perCommunity[name] ?? []).sorted { ($0.definition.cadres.isEmpty ? 0 : 1, $0.record.id) < ($1.definition.cadres.isEmpty ? 0 : 1, $1.record.id) }
            return PageModel.StreetBoard.Community(anchor: evaluations.first?.record.id ?? name, name: name,
                                                   levels: evaluations.map(levelModel), twoLevels: evaluations.count > 1)
        }
        // The progress in the voting weeks: the evaluations in each state, by name.
        let progress: [PageModel.StreetBoard.Progress] = EvaluationState.allCases.compactMap { state in
            let those = round.communities.filter { $0.record.state == state }
            guard !those.isEmpty else { return nil }
            return PageModel.StreetBoard.Progress(
                state: state.rawValue, label: t["state_\(state.rawValue)"] ?? state.rawValue, count: those.count,
                names: those.map { ($0.definition.community ?? $0.record.id) + ((levels[$0.record.id] ?? nil).map { " · \($0)" } ?? "") }
                    .joined(separator: separator))
        }
        // The chart: each published evaluation's member (or cadre) stars as shares.
        let chartGroups = board.communities.filter { $0.stage != nil }.map { community in
            (label: (community.community ?? community.title) + ((levels[community.evaluation] ?? nil).map { " · \($0)" } ?? ""),
             bars: (community.memberStars + community.cadreStars).map { (label: $0.label, share: $0.share) })
        }
        let chart = ResultsChart.starShares(chartGroups, title: t["street_chart"] ?? "",
                                            description: (t["street_chart_desc"] ?? "").replacingOccurrences(of: "{count}", with: "\(chartGroups.count)"),
                                            id: "street-chart")
        let name = round.streetName ?? "\(t["street"] ?? "") \(round.street)"
        let page = PageModel.StreetBoard(
            heading: "\(name) · \(round.round) \(t["street_board_title"] ?? "")", street: round.street,
            round: round.round.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? round.round,
            langQuery: language == .en ? "?lang=en" : "", printedAt: localDate(Date(), language, withTime: true),
            evaluations: board.totals.evaluations, published: board.totals.published, ballots: board.totals.ballots,
            electorate: board.totals.electorate, turnout: board.totals.turnout, members: board.totals.members,
            starHeads: heads, totalCells: starGroups.flatMap { cells($0.counts.all, $0.counts.all) } + flagCells(board.totals.flags),
            rows: rows, communities: communities, progress: progress, chart: chart, display: display)
        var response = try pages.page(.street, language: language, title: page.heading, bodyClass: display ? "board street display" : "board street",
                                      refresh: display ? 300 : nil, extraQuery: display ? "&display=1" : "", page)
        response.headers[.cacheControl] = "no-cache"
        return response
    }
}
