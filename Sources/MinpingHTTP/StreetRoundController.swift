import Foundation
import Hummingbird
import MinpingCore
import MinpingLog
import MinpingService
import MinpingTables

/// A street's rounds (SPEC §7): the star board's numbers and the ledger of every vote star with
/// its proof reference. Public: only published results are counted.
struct StreetRoundController {
    let service: EvaluationService

    func addRoutes(to group: RouterGroup<MinpingContext>) {
        group.get("streets/:street/rounds", use: rounds)
        group.get("streets/:street/rounds/:round", use: board)
        group.get("streets/:street/rounds/:round/stars.json", use: starsJSON)
        group.get("streets/:street/rounds/:round/stars.csv", use: starsCSV)
        group.get("streets/:street/rounds/:round/street-results.xlsx", use: streetResultsXLSX)
        group.get("streets/:street/rounds/:round/street-results.csv", use: streetResultsCSV)
        group.get("rounds/:round", use: district)
        group.get("rounds/:round/district.xlsx", use: districtXLSX)
    }

    /// The district's roll-up for one round (SPEC §7, operator): every street with its
    /// evaluations' progress, turnout and star shares over the published ones.
    struct District: JSONResponse {
        struct Street: Encodable {
            let street: String, streetName: String?
            /// How many evaluations are in each state (the progress in the voting weeks).
            let progress: [String: Int]
            let totals: Board.Totals
        }

        let round: String, streets: [Street]
    }

    @Sendable func district(_ request: Request, context: MinpingContext) async throws -> District {
        try context.require(.operator)
        let round = try context.parameters.require("round")
        let streets = try await service.districtRound(round)
        guard !streets.isEmpty else { throw Problem(.notFound, "no street has an evaluation naming round '\(round)'") }
        return District(round: round, streets: streets.map { street in
            District.Street(street: street.street, streetName: street.streetName,
                            progress: Dictionary(grouping: street.communities, by: { $0.record.state.rawValue }).mapValues(\.count),
                            totals: Self.board(street).totals)
        })
    }

    /// The roll-up as a workbook: every street on the first sheet, then each street's summary.
    @Sendable func districtXLSX(_ request: Request, context: MinpingContext) async throws -> Response {
        try context.require(.operator)
        let round = try context.parameters.require("round")
        let streets = try await service.districtRound(round)
        guard !streets.isEmpty else { throw Problem(.notFound, "no street has an evaluation naming round '\(round)'") }
        let boards = streets.map { Self.board($0) }
        var sheets = [ResultsFile.Sheet(name: "全区汇总", table: Self.districtTable(boards),
                                        heading: ["\(round)群众评星全区汇总", "只计已公布结果的测评"])]
        sheets += zip(streets, boards).map { street, board in
            ResultsFile.Sheet(name: street.streetName ?? street.street, table: Self.summaryTable(board),
                              heading: ["\(street.streetName ?? street.street)\(round)群众评星汇总"])
        }
        return Body.download(try ResultsFile.xlsx(sheets: sheets), type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             filename: "\(Self.asciiRound(round))-district.xlsx", displayName: "\(round)群众评星全区汇总.xlsx")
    }

    /// One row per street: progress, turnout, and each star's count and share.
    static func districtTable(_ boards: [Board]) -> [[ResultsFile.Cell]] {
        var memberRules: [StarCount] = [], organizationRules: [StarCount] = []
        for board in boards {
            for star in board.totals.memberStars where !memberRules.contains(where: { $0.star == star.star }) { memberRules.append(star) }
            for star in board.totals.organizationStars where !organizationRules.contains(where: { $0.star == star.star }) {
                organizationRules.append(star)
            }
        }
        var header = ["街道", "测评", "已公布", "实收票数", "应参评", "参评率", "党员", "党组织"]
        for star in memberRules { header += ["党员\(star.label)", "党员\(star.label)占比"] }
        for star in organizationRules { header += ["党组织\(star.label)", "党组织\(star.label)占比"] }
        var rows: [[ResultsFile.Cell]] = [header.map { .text($0) }]
        for board in boards {
            let totals = board.totals
            var row: [ResultsFile.Cell] = [.text(board.streetName ?? board.street), .number("\(totals.evaluations)"), .number("\(totals.published)"),
                                           .number("\(totals.ballots)"), .number("\(totals.electorate)"), totals.turnout.map { .rate($0) } ?? .text(""),
                                           .number("\(totals.members)"), .number("\(totals.organizations)")]
            for (rules, counts) in [(memberRules, totals.memberStars), (organizationRules, totals.organizationStars)] {
                for rule in rules {
                    let count = counts.first { $0.star == rule.star }
                    row += [count.map { .number("\($0.count)") } ?? .text("—"), count?.share.map { .rate($0) } ?? .text("")]
                }
            }
            rows.append(row)
        }
        return rows
    }

    struct Rounds: JSONResponse {
        struct Line: Encodable { let round: String, evaluations: Int, published: Int }

        let street: String, streetName: String?, rounds: [Line]
    }

    /// How many earned a star, and what share of those rated.
    struct StarCount: Encodable {
        let star: String, label: String, count: Int
        /// Of the subjects of that kind, one decimal ("62.5"); null with none rated.
        let share: String?
    }

    /// How many subjects a flag was raised for (黑旗 …).
    struct FlagCount: Encodable {
        let flag: String, label: String, count: Int
    }

    /// The street's star board for one round (SPEC §7).
    struct Board: JSONResponse {
        struct Community: Encodable {
            let evaluation: String, title: String, community: String?, state: EvaluationState
            /// The published stage, null before results are published.
            let stage: ResultsStage?
            let electorate: Int, ballots: Int
            /// Ballots per electorate, one decimal.
            let turnout: String?
            let members: Int, organizations: Int, cadres: Int
            let memberStars: [StarCount], organizationStars: [StarCount], cadreStars: [StarCount]
            /// Each flag rule of the evaluation with how many it was raised for (published only).
            let flags: [FlagCount]
            /// Stars withheld by a remedy or the street's veto.
            let withheld: Int
            /// Subjects with more, or fewer, stars than in the previous published round; null
            /// without one.
            let gained: Int?, lost: Int?
        }

        struct Totals: Encodable {
            let evaluations: Int, published: Int, electorate: Int, ballots: Int, turnout: String?
            let members: Int, organizations: Int, cadres: Int
            let memberStars: [StarCount], organizationStars: [StarCount], cadreStars: [StarCount]
            let flags: [FlagCount]
        }

        let street: String, streetName: String?, round: String
        let communities: [Community]
        /// Over the published evaluations only.
        let totals: Totals
    }

    /// One vote star's row in the street's ledger (全程纪实), with where it can be checked.
    struct LedgerRow: Encodable {
        let community: String?, evaluation: String, stage: ResultsStage, kind: SubjectKind, id: String, name: String
        let organization: String?
        let stars: [String], starLabels: [String]
        let withheld: [Withheld]
        /// Flags raised (ids) and their labels; empty where none applies.
        let flags: [String], flagLabels: [String]
        let rate: String?
        /// The log's latest signed checkpoint: `minping audit verify --checkpoint` checks it.
        let origin: String, size: Int, rootHash: String

        struct Withheld: Encodable { let star: String, reason: String }
    }

    struct Ledger: JSONResponse {
        let street: String, round: String, rows: [LedgerRow]
    }

    // MARK: Routes

    @Sendable func rounds(_ request: Request, context: MinpingContext) async throws -> Rounds {
        let street = try context.parameters.require("street")
        let rounds = try await service.streetRounds(street)
        guard !rounds.isEmpty else { throw Problem(.notFound, "street '\(street)' has no evaluation naming a round") }
        return Rounds(street: street, streetName: try await service.streetNames()[street],
                      rounds: rounds.map { Rounds.Line(round: $0.round, evaluations: $0.evaluations, published: $0.published) })
    }

    @Sendable func board(_ request: Request, context: MinpingContext) async throws -> Board {
        Self.board(try await streetRound(context))
    }

    @Sendable func starsJSON(_ request: Request, context: MinpingContext) async throws -> Ledger {
        let round = try await streetRound(context)
        return Ledger(street: round.street, round: round.round, rows: Self.ledger(round))
    }

    @Sendable func starsCSV(_ request: Request, context: MinpingContext) async throws -> Response {
        let round = try await streetRound(context)
        let header = ["社区", "测评", "阶段", "类型", "编号", "姓名", "所属党支部", "获星", "暂缓或撤销的星及原因", "标记", "满意率",
                      "日志来源", "检查点条数", "根哈希"]
        let stages: [ResultsStage: String] = [.preliminary: "初步结果", .final: "最终结果"]
        let rows: [[ResultsFile.Cell]] = Self.ledger(round).map { row in
            [.text(row.community ?? ""), .text(row.evaluation), .text(stages[row.stage] ?? row.stage.rawValue),
             .text(ResultsTable.kindLabel(row.kind)), .text(row.id), .text(row.name), .text(row.organization ?? ""),
             .text(row.starLabels.joined(separator: "、")), .text(row.withheld.map { "\($0.star)（\($0.reason)）" }.joined(separator: "；")),
             .text(row.flagLabels.joined(separator: "、")),
             row.rate.map { .rate($0) } ?? .text("—"), .text(row.origin), .number("\(row.size)"), .text(row.rootHash)]
        }
        return Body.download(try ResultsFile.csv([header.map { .text($0) }] + rows), type: "text/csv; charset=utf-8",
                             filename: "\(round.street)-\(round.round.unicodeScalars.allSatisfy(\.isASCII) ? round.round : "round")-stars.csv",
                             displayName: "\(round.streetName ?? round.street)\(round.round)群众评星台账.csv")
    }

    /// The street's results workbook (SPEC §7 `street-results.xlsx`): the star board's summary
    /// on the first sheet, then one sheet per published community in the report layout of its
    /// `results.xlsx`.
    @Sendable func streetResultsXLSX(_ request: Request, context: MinpingContext) async throws -> Response {
        let round = try await streetRound(context)
        let name = round.streetName ?? round.street
        var sheets = [ResultsFile.Sheet(name: "汇总", table: Self.summaryTable(Self.board(round)),
                                        heading: ["\(name)\(round.round)群众评星汇总", "只计已公布结果的测评；其余只写阶段"])]
        for community in round.communities {
            guard let results = community.results else { continue }
            let published = try await service.publishedAt(community.record.id).map { service.localDay($0) }
            sheets.append(EvaluationController.reportSheet(results, community.definition, changes: EvaluationController.changeWords(community.history),
                                                           published: published, name: community.definition.community ?? community.record.id))
        }
        return Body.download(try ResultsFile.xlsx(sheets: sheets), type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             filename: "\(round.street)-\(Self.asciiRound(round.round))-street-results.xlsx",
                             displayName: "\(name)\(round.round)群众评星结果.xlsx")
    }

    /// The same summary as CSV (UTF-8 with a BOM, CRLF).
    @Sendable func streetResultsCSV(_ request: Request, context: MinpingContext) async throws -> Response {
        let round = try await streetRound(context)
        return Body.download(try ResultsFile.csv(Self.summaryTable(Self.board(round))), type: "text/csv; charset=utf-8",
                             filename: "\(round.street)-\(Self.asciiRound(round.round))-street-results.csv",
                             displayName: "\(round.streetName ?? round.street)\(round.round)群众评星汇总.csv")
    }

    static func asciiRound(_ round: String) -> String {
        round.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") } ? round : "round"
    }

    /// The star board as a table: one row per evaluation, then the totals of the published.
    /// Each star is two columns, how many and what share; each flag how many.
    static func summaryTable(_ board: Board) -> [[ResultsFile.Cell]] {
        let stages: [ResultsStage: String] = [.preliminary: "初步结果", .final: "最终结果"]
        let states: [EvaluationState: String] = [.draft: "准备中", .open: "投票中", .closed: "投票已结束", .preliminary: "初步结果",
                                                 .final: "最终结果", .annulled: "已作废"]
        let starColumns: [(prefix: String, all: [StarCount], pick: (Board.Community) -> [StarCount])] = [
            ("党员", board.totals.memberStars, { $0.memberStars }),
            ("党组织", board.totals.organizationStars, { $0.organizationStars }),
            ("干部", board.totals.cadreStars, { $0.cadreStars }),
        ]
        var header = ["社区", "测评", "阶段", "实收票数", "应参评", "参评率", "党员", "党组织", "干部"]
        for group in starColumns {
            for star in group.all { header += ["\(group.prefix)\(star.label)", "\(group.prefix)\(star.label)占比"] }
        }
        header += board.totals.flags.map(\.label) + ["群众评星增加", "群众评星减少"]
        func starCells(_ counts: [StarCount], _ all: [StarCount], published: Bool) -> [ResultsFile.Cell] {
            all.flatMap { column -> [ResultsFile.Cell] in
                guard published, let count = counts.first(where: { $0.star == column.star }) else { return [.text("—"), .text("")] }
                return [.number("\(count.count)"), count.share.map { .rate($0) } ?? .text("")]
            }
        }
        var rows: [[ResultsFile.Cell]] = [header.map { .text($0) }]
        for community in board.communities {
            let published = community.stage != nil
            var row: [ResultsFile.Cell] = [
                .text(community.community ?? community.title), .text(community.evaluation),
                .text(community.stage.map { stages[$0] ?? $0.rawValue } ?? states[community.state] ?? community.state.rawValue),
                .number("\(community.ballots)"), .number("\(community.electorate)"), community.turnout.map { .rate($0) } ?? .text(""),
                .number("\(community.members)"), .number("\(community.organizations)"), .number("\(community.cadres)"),
            ]
            for group in starColumns { row += starCells(group.pick(community), group.all, published: published) }
            row += board.totals.flags.map { flag in
                published ? .number("\(community.flags.first { $0.flag == flag.flag }?.count ?? 0)") : .text("—")
            }
            row += [community.gained.map { .number("\($0)") } ?? .text("—"), community.lost.map { .number("\($0)") } ?? .text("—")]
            rows.append(row)
        }
        let totals = board.totals
        var total: [ResultsFile.Cell] = [.text("合计（已公布 \(totals.published) / \(totals.evaluations)）"), .text(""), .text(""),
                                         .number("\(totals.ballots)"), .number("\(totals.electorate)"), totals.turnout.map { .rate($0) } ?? .text(""),
                                         .number("\(totals.members)"), .number("\(totals.organizations)"), .number("\(totals.cadres)")]
        for group in starColumns { total += starCells(group.all, group.all, published: true) }
        total += totals.flags.map { .number("\($0.count)") } + [.text(""), .text("")]
        rows.append(total)
        return rows
    }

    // MARK: Building

    func streetRound(_ context: MinpingContext) async throws -> StreetRound {
        try await service.streetRound(try context.parameters.require("street"), round: try context.parameters.require("round"))
    }

    static func share(_ count: Int, of total: Int) -> String? {
        CountingRule.displayRate(satisfied: count, denominator: total)
    }

    static func starCounts(_ rules: [StarRule], _ subjects: [SubjectResult]) -> [StarCount] {
        rules.map { rule in
            let count = subjects.count { $0.stars.contains(rule.star) }
            return StarCount(star: rule.star, label: rule.label, count: count, share: share(count, of: subjects.count))
        }
    }

    /// Each flag rule with how many of `subjects` it was raised for.
    static func flagCounts(_ rules: [FlagRule], _ subjects: [SubjectResult]) -> [FlagCount] {
        rules.map { rule in FlagCount(flag: rule.flag, label: rule.label, count: subjects.count { $0.flags?.contains(rule.flag) == true }) }
    }

    /// Rules of every published evaluation, each star (or flag) once, in first-seen order.
    static func union<Rule>(_ into: inout [Rule], _ rules: [Rule], id: (Rule) -> String) {
        for rule in rules where !into.contains(where: { id($0) == id(rule) }) { into.append(rule) }
    }

    static func board(_ round: StreetRound) -> Board {
        var totals = (published: 0, electorate: 0, ballots: 0, members: [SubjectResult](), organizations: [SubjectResult](),
                      cadres: [SubjectResult]())
        var memberRules: [StarRule] = [], organizationRules: [StarRule] = [], cadreRules: [StarRule] = [], flagRules: [FlagRule] = []
        let communities = round.communities.map { community -> Board.Community in
            let definition = community.definition, record = community.record
            let results = community.results
            let members = results?.subjects.filter { $0.kind == .member } ?? []
            let organizations = results?.subjects.filter { $0.kind == .organization } ?? []
            let cadres = results?.subjects.filter { $0.kind == .cadre } ?? []
            let ballots = results?.ballots ?? record.ballots
            var gained: Int?, lost: Int?
            if let history = community.history, history.rounds.count > 1 {
                gained = history.subjects.count { $0.change == .gained }
                lost = history.subjects.count { $0.change == .lost }
            }
            if results != nil {
                totals.published += 1
                totals.electorate += record.electorate
                totals.ballots += ballots
                totals.members += members
                totals.organizations += organizations
                totals.cadres += cadres
                // Only the kinds an evaluation rates: a level-2 evaluation (cadres) adds no member star.
                if !definition.members.isEmpty { union(&memberRules, definition.rules.memberStars, id: \.star) }
                if !definition.organizations.isEmpty { union(&organizationRules, definition.rules.organizationStars, id: \.star) }
                if !definition.cadres.isEmpty { union(&cadreRules, definition.rules.cadreStars, id: \.star) }
                union(&flagRules, definition.rules.flags, id: \.flag)
            }
            return Board.Community(
                evaluation: record.id, title: definition.title, community: definition.community, state: record.state,
                stage: results?.stage, electorate: record.electorate, ballots: ballots,
                turnout: share(ballots, of: record.electorate), members: definition.members.count,
                organizations: definition.organizations.count, cadres: definition.cadres.count,
                memberStars: results == nil || definition.members.isEmpty ? [] : starCounts(definition.rules.memberStars, members),
                organizationStars: results == nil || definition.organizations.isEmpty ? []
                    : starCounts(definition.rules.organizationStars, organizations),
                cadreStars: results == nil || definition.cadres.isEmpty ? [] : starCounts(definition.rules.cadreStars, cadres),
                flags: results == nil ? [] : flagCounts(definition.rules.flags, results?.subjects ?? []),
                withheld: results?.subjects.reduce(0) { $0 + $1.withheld.count } ?? 0, gained: gained, lost: lost)
        }
        return Board(street: round.street, streetName: round.streetName, round: round.round, communities: communities,
                     totals: Board.Totals(evaluations: communities.count, published: totals.published, electorate: totals.electorate,
                                          ballots: totals.ballots, turnout: share(totals.ballots, of: totals.electorate),
                                          members: totals.members.count, organizations: totals.organizations.count,
                                          cadres: totals.cadres.count,
                                          memberStars: starCounts(memberRules, totals.members),
                                          organizationStars: starCounts(organizationRules, totals.organizations),
                                          cadreStars: starCounts(cadreRules, totals.cadres),
                                          flags: flagCounts(flagRules, totals.members + totals.organizations + totals.cadres)))
    }

    static func ledger(_ round: StreetRound) -> [LedgerRow] {
        round.communities.flatMap { community -> [LedgerRow] in
            guard let results = community.results, let stage = results.stage else { return [] }
            let definition = community.definition
            let branches = results.organizationNames(definition)
            let labels = ResultsTable.starLabels(definition.rules)
            let flagLabels = Dictionary(definition.rules.flags.map { ($0.flag, $0.label) }, uniquingKeysWith: { first, _ in first })
            return results.subjects.map { subject in
                let label = { (star: String) in labels["\(subject.kind.rawValue)/\(star)"] ?? star }
                return LedgerRow(community: definition.community, evaluation: community.record.id, stage: stage, kind: subject.kind,
                          id: subject.id, name: subject.name, organization: subject.organization.flatMap { branches[$0] },
                          stars: subject.stars, starLabels: subject.stars.map(label),
                          withheld: subject.withheld.map { LedgerRow.Withheld(star: label($0.star), reason: $0.reason) },
                          flags: subject.flags ?? [], flagLabels: (subject.flags ?? []).map { flagLabels[$0] ?? $0 },
                          rate: subject.rate, origin: community.checkpoint.origin, size: community.checkpoint.size,
                          rootHash: community.checkpoint.root.base64EncodedString())
            }
        }
    }
}
