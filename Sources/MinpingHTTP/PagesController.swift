import Foundation
import Hummingbird
import MinpingCore
import MinpingLog
import MinpingService
import MinpingTokens
import MinpingStore
import MinpingTables
import Mustache
import NIOCore

/// The pages people use: the voter's ballot, the public board (公示栏), the receipt
/// check and printable slips. Server-rendered with swift-mustache; plain CSS and a little
/// JavaScript from `/static`, nothing fetched from elsewhere.
struct PagesController {
    let service: EvaluationService
    let pages: PageRenderer
    /// The public boards and history pages, rendered once per change.
    let cache = PageCache()

    func addRoutes(to router: Router<MinpingContext>) {
        router.get("/", use: home)
        router.get("admin", use: console)
        // The first run's link (`/setup#<code>`) opens the console, which shows the setup form.
        router.get("setup", use: console)
        router.get("vote/:id", use: vote)
        router.get("board/:id", use: board)
        router.get("receipt/:id", use: receipt)
        router.get("history/:id", use: history)
        router.get("street/:street/:round", use: streetBoard)
        router.get("board/:id/charts/:chart", use: chart)
        router.get("admin/slips/:id", use: slipsForm)
        router.get("admin/count/:id", use: countDesk)
        router.post("admin/slips/:id", use: printSlips)
        router.get("static/:file", use: staticFile)
        router.get("verify", use: verify)
        router.get("verify/:id", use: verify)
    }

    /// The evaluation, or a friendly 404 page.
    func evaluation(_ request: Request, _ context: MinpingContext) async throws -> (EvaluationRecord, EvaluationDefinition) {
        let id = try context.parameters.require("id")
        do {
            let record = try await service.record(id)
            return (record, try await service.definition(id))
        } catch ServiceError.notFound {
            let language = Language(query: request.uri.queryParameters.get("lang"))
            throw PageError(response: try pages.page(.notFound, language: language, title: "404", status: .notFound, PageModel.Message(
                heading: language == .zh ? "没有找到这次测评" : "No such evaluation",
                message: language == .zh ? "请检查网址是否完整。" : "Check that the address is complete.")))
        }
    }

    /// The street office's console: a page of our own script over /api/v1 (the key stays in
    /// the tab's sessionStorage and goes out as a Bearer header; no cookies).
    @Sendable func console(_ request: Request, context: MinpingContext) async throws -> Response {
        let language = Language(query: request.uri.queryParameters.get("lang"))
        var response = try pages.page(.admin, language: language, title: Labels.all(language)["console_title"] ?? "", bodyClass: "console",
                                      PageModel.Console(langCode: language.rawValue, baseURL: service.configuration.publicBaseURL,
                                                        timeZone: service.configuration.timeZone.identifier))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func vote(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let language = Language(query: request.uri.queryParameters.get("lang"))
        var response = try pages.page(.vote, language: language, title: definition.title,
                                      PageModel.ScriptPage(id: record.id, title: definition.title, community: definition.community,
                                                           labelsJSON: PageRenderer.scriptJSON(Labels.script(language))))
        // The token is in the fragment and never reaches us; keep the page out of caches anyway.
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func receipt(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let language = Language(query: request.uri.queryParameters.get("lang"))
        return try pages.page(.receipt, language: language, title: Labels.all(language)["receipt_title"] ?? "",
                              PageModel.ScriptPage(id: record.id, title: definition.title, community: nil,
                                                   labelsJSON: PageRenderer.scriptJSON(Labels.script(language))))
    }

    /// 历年星级: one row per subject of this round, one column per published round.
    @Sendable func history(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let language = Language(query: request.uri.queryParameters.get("lang"))
        let page = try await cache.page(key: "history/\(record.id)/\(language.rawValue)", version: try await pageVersion(record),
                                        contentType: "text/html; charset=utf-8") {
            (try await renderHistory(record, definition, language), PageRenderer.htmlHeaders)
        }
        return page.response(to: request)
    }

    func renderHistory(_ record: EvaluationRecord, _ definition: EvaluationDefinition, _ language: Language) async throws -> String {
        let t = Labels.all(language)
        var page = PageModel.History(id: record.id, title: definition.title, community: definition.community,
                                     langQuery: language == .en ? "?lang=en" : "", published: false)
        // Whatever an annulled evaluation published no longer holds (as on its board); while a
        // remedy waits to be published, the stars published are not all true: none are shown.
        page.annulled = record.state == .annulled ? true : nil
        page.republicationDue = record.state != .annulled && record.lifecycle.republicationDue ? true : nil
        if EvaluationService.resultsHold(record), let published = try await publishedResults(record.id) {
            let history = try await service.history(record.id, results: published)
            var labels: [String: String] = [:], flagLabels: [String: String] = [:]
            for round in history.rounds {
                let rules = try await service.definition(round.evaluation).rules
                for (star, label) in ResultsTable.starLabels(rules) where labels[star] == nil { labels[star] = label }
                for rule in rules.flags where flagLabels[rule.flag] == nil { flagLabels[rule.flag] = rule.label }
            }
            page = PageModel.History(id: page.id, title: page.title, community: page.community, langQuery: page.langQuery, published: true)
            page.rounds = history.rounds.map {
                PageModel.History.Round(name: Self.roundName($0.title, id: $0.evaluation), stage: t["stage_\($0.stage.rawValue)"] ?? "")
            }
            let branches = published.organizationNames(definition)
            let titles = Dictionary(definition.cadres.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
            page.subjects = history.subjects.map { subject in
                PageModel.History.Subject(
                    name: subject.name, kind: t[Self.kindLabel[subject.kind] ?? ""] ?? "",
                    branch: subject.kind == .cadre ? titles[subject.id] ?? nil : subject.organization.flatMap { branches[$0] },
                    cells: subject.stars.enumerated().map { index, stars in
                        guard let stars else { return PageModel.History.Cell(text: t["history_absent"] ?? "", absent: true) }
                        let flags = (subject.flags?[index] ?? []).map { flagLabels[$0] ?? $0 }
                        return PageModel.History.Cell(text: t["history_no_star"] ?? "", stars: stars.map { labels["\(subject.kind.rawValue)/\($0)"] ?? $0 },
                                                      none: stars.isEmpty, flags: flags.isEmpty ? nil : flags)
                    },
                    change: Self.change(subject.change, t))
            }
        }
        return try pages.render(.history, language: language, title: "\(t["history_title"] ?? "") · \(definition.title)",
                                bodyClass: "board history", [page])
    }

    /// The catalogue's plural heading of each kind of subject.
    static let kindLabel: [SubjectKind: String] = [.member: "members", .organization: "organizations", .cadre: "cadres"]

    /// One of the board's charts alone, for the console: `turnout.svg` always, `members.svg`,
    /// `organizations.svg` and `cadres.svg` once results are published (404 before, or for
    /// another name).
    @Sendable func chart(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let t = Labels.all(Language(query: request.uri.queryParameters.get("lang")))
        let name = try context.parameters.require("chart")
        let svg: String?
        switch name {
        case "turnout.svg":
            svg = ResultsChart.turnout(ballots: record.ballots, electorate: record.electorate, labels: t, id: "chart-turnout")
        case "members.svg", "organizations.svg", "cadres.svg":
            let kind = Self.kindLabel.first { $0.value == name.dropLast(4) }?.key ?? .member
            // An annulled evaluation's stars no longer hold: no chart of them (as on its board).
            svg = record.state == .annulled ? nil : try await publishedResults(record.id).flatMap { results in
                ResultsChart.satisfaction(results, definition: definition, kind: kind, labels: t, id: "chart-\(name.dropLast(4))")
            }
        default:
            svg = nil
        }
        guard let svg else { throw Problem(.notFound, "no chart '\(name)' for this evaluation (yet)") }
        return Response(status: .ok, headers: [.contentType: "image/svg+xml; charset=utf-8", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: svg)))
    }

    /// A round's name in a column head: the year its title names (2019年度 → 2019), else its id.
    static func roundName(_ title: String, id: String) -> String {
        guard let range = title.range(of: #"(19|20)[0-9]{2}"#, options: .regularExpression) else { return id }
        return String(title[range])
    }

    @Sendable func board(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let language = Language(query: request.uri.queryParameters.get("lang"))
        let display = request.uri.queryParameters.get("display") == "1"
        let page = try await cache.page(key: "board/\(record.id)/\(language.rawValue)/\(display)",
                                        version: try await pageVersion(record), contentType: "text/html; charset=utf-8") {
            (try await renderBoard(record, definition, language, display: display), PageRenderer.htmlHeaders)
        }
        return page.response(to: request)
    }

    /// What a board or history page shows changes only with these: the turnout, the state,
    /// the log (its cosigned checkpoint: results, appeals, remedies), each witness's size, and
    /// the state and log of every earlier round it compares with.
    func pageVersion(_ record: EvaluationRecord) async throws -> String {
        // The street's display name heads the board and signs its notices (落款): renamed, it is a new page.
        var parts = ["\(record.ballots)", record.state.rawValue, try await service.checkpoint(record.id),
                     try await service.streetNames()[record.street] ?? ""]
        parts += try await service.witnessStatus(record.id).map { "\($0.name)=\($0.size)" }
        for earlier in try await service.roundsAlongPrevious(from: record.id).dropFirst() {
            parts += [earlier.id, try await service.record(earlier.id).state.rawValue, try await service.checkpoint(earlier.id)]
        }
        return parts.joined(separator: "\n")
    }

    func renderBoard(_ record: EvaluationRecord, _ definition: EvaluationDefinition, _ language: Language,
                     display: Bool) async throws -> String {
        let t = Labels.all(language)
        var stageLabel = t["state_\(record.state.rawValue)"] ?? record.state.rawValue
        var stageClass = record.state.rawValue
        var annulledOn: String?
        var publicityUntil: String?
        var roundTurnouts: [String]?
        var results: PageModel.Results?
        var remedies: PageModel.Remedies?
        // Round 1's turnout heads the board; a supplementary round's is its own line.
        var turnout = record.lifecycle.round > 1 ? 0 : record.ballots
        if record.state == .annulled {
            // Whatever was published before no longer holds: no stars, no comparisons.
            annulledOn = try await service.annulledAt(record.id).map { localDate($0, language) } ?? ""
        } else if let published = try await publishedResults(record.id) {
            let history = try await service.history(record.id, results: published)
            results = Self.resultsModel(published, definition: definition, history: history, language: language)
            let final = published.stage == .final
            stageLabel = (final ? t["stage_final"] : t["stage_preliminary"]) ?? ""
            stageClass = final ? "final" : "preliminary"
            if !final, record.state == .preliminary, !record.lifecycle.republicationDue, let deadline = record.lifecycle.publicityDeadline {
                publicityUntil = localDate(deadline, language)
            }
            remedies = try await remediesModel(record, definition, published, language)
            turnout = published.ballots
            var rounds = published.rounds.map { ($0.round, $0.ballots) }
            if record.lifecycle.round > 1, !rounds.contains(where: { $0.0 == record.lifecycle.round }) {
                rounds.append((record.lifecycle.round, record.ballots))
            }
            roundTurnouts = rounds.map { round, ballots in
                (t["round_turnout"] ?? "").replacingOccurrences(of: "{round}", with: "\(round)")
                    .replacingOccurrences(of: "{ballots}", with: "\(ballots)").replacingOccurrences(of: "{electorate}", with: "\(record.electorate)")
            }
        }
        let checkpoint = try await service.parsedCheckpoint(record.id)
        let witnesses = try await service.witnessStatus(record.id)
        var board = PageModel.Board(
            id: record.id, title: definition.title, community: definition.community,
            streetName: try await service.streetNames()[record.street],
            ballots: turnout, electorate: record.electorate, published: results != nil,
            langQuery: language == .en ? "?lang=en" : "", langAmp: language == .en ? "&lang=en" : "",
            printedAt: localDate(Date(), language, withTime: true), stageLabel: stageLabel, stageClass: stageClass,
            annulled: record.state == .annulled ? true : nil, annulledOn: annulledOn, publicityUntil: publicityUntil,
            roundTurnouts: roundTurnouts,
            turnoutChart: ResultsChart.turnout(ballots: turnout, electorate: record.electorate, labels: t, id: "chart-turnout"),
            treeSize: checkpoint.size, rootHash: checkpoint.root.hex, rootCode: String(checkpoint.root.hex.prefix(8)),
            origin: checkpoint.origin, hasWitnesses: !witnesses.isEmpty,
            witnesses: witnesses.map { PageModel.Board.Witness(name: $0.name, size: $0.size, lagging: $0.size < checkpoint.size) })
        board.levels = try await levelLinks(record, definition, language)
        let notice = try await noticeModel(record, definition, language)
        return try pages.render(.board, language: language, title: "\(t["board_title"] ?? "") · \(definition.title)",
                                bodyClass: display ? "board display" : "board", refresh: display ? 30 : nil,
                                extraQuery: display ? "&display=1" : "", [board] + ([results, remedies] as [(any Encodable)?]).compactMap { $0 } + [notice])
    }

    /// 两级测评: when the community has another evaluation in the same round (the other level),
    /// links to both, level 1 (members rated) first; nil otherwise.
    func levelLinks(_ record: EvaluationRecord, _ definition: EvaluationDefinition, _ language: Language) async throws -> [PageModel.Board.Level]? {
        guard let round = definition.round, let community = definition.community else { return nil }
        let t = Labels.all(language)
        let same = try await service.evaluations(street: record.street)
            .filter { $0.definition.round == round && $0.definition.community == community && $0.record.state != .annulled }
            .sorted { ($0.definition.cadres.isEmpty ? 0 : 1, $0.record.id) < ($1.definition.cadres.isEmpty ? 0 : 1, $1.record.id) }
        guard same.count > 1 else { return nil }
        return same.map { other in
            PageModel.Board.Level(label: t[other.definition.cadres.isEmpty ? "street_level_1" : "street_level_2"] ?? "",
                                  href: "/board/\(other.record.id)\(language == .en ? "?lang=en" : "")", current: other.record.id == record.id)
        }
    }

    /// The published results, or nil before any are; an integrity failure is not hidden.
    func publishedResults(_ id: String) async throws -> EvaluationResults? {
        do {
            return try await service.results(id)
        } catch ServiceError.resultsNotPublished {
            return nil
        }
    }

    /// The published results as rows for the board's tables.
    static func resultsModel(_ results: EvaluationResults, definition: EvaluationDefinition, history: StarHistory? = nil,
                             language: Language) -> PageModel.Results {
        let t = Labels.all(language)
        // 增星 / 减星 / 新参评 against the previous published round, when there is one.
        let compared = (history?.rounds.count ?? 0) > 1
        let changes = Dictionary((history?.subjects ?? []).map { ($0.id, $0.change) }, uniquingKeysWith: { first, _ in first })
        let organizations = results.organizationNames(definition)
        let starLabels = ResultsTable.starLabels(definition.rules)
        let flagLabels = Dictionary(definition.rules.flags.map { ($0.flag, $0.label) }, uniquingKeysWith: { first, _ in first })
        let titles = Dictionary(definition.cadres.map { ($0.id, $0.title ?? "") }, uniquingKeysWith: { first, _ in first })
        let words = RemedyText(definition: definition, language: language, published: results)
        var rows: [SubjectKind: [PageModel.Results.Row]] = [:]
        for subject in results.subjects {
            let row = PageModel.Results.Row(
                name: subject.name,
                organization: subject.kind == .cadre ? titles[subject.id] ?? "" : subject.organization.flatMap { organizations[$0] } ?? "",
                counts: subject.counts.map(\.count), rate: subject.rate.map { "\($0)%" } ?? "—",
                stars: subject.stars.map { starLabels["\(subject.kind.rawValue)/\($0)"] ?? $0 }, notes: words.notes(for: subject),
                flags: (subject.flags ?? []).map { flagLabels[$0] ?? $0 },
                change: compared ? changes[subject.id].map { change(_: $0, t) } : nil)
            rows[subject.kind, default: []].append(row)
        }
        return PageModel.Results(
            members: rows[.member] ?? [], organizations: rows[.organization] ?? [], cadres: rows[.cadre] ?? [],
            options: definition.options.map(\.label),
            hasMembers: rows[.member] != nil, hasOrganizations: rows[.organization] != nil, hasCadres: rows[.cadre] != nil,
            flagged: !definition.rules.flags.isEmpty,
            // quorum_met is round 1's: a supplementary round's subjects are starred by their own
            // round's turnout (SPEC §3), so the notice says which results it is about.
            quorumNotice: results.quorumMet ? nil : t[results.rounds.isEmpty ? "quorum_missed" : "quorum_missed_first_round"],
            compared: compared, hasHistory: definition.previous != nil,
            memberChart: printableChart(results, definition, .member, t, id: "chart-members"),
            organizationChart: printableChart(results, definition, .organization, t, id: "chart-organizations"),
            cadreChart: printableChart(results, definition, .cadre, t, id: "chart-cadres"))
    }

    /// A results chart in parts that each fit on a printed page (36 rows are about 21 cm on A4),
    /// so that printing breaks between parts and never through a bar.
    static func printableChart(_ results: EvaluationResults, _ definition: EvaluationDefinition, _ kind: SubjectKind,
                               _ t: [String: String], id: String) -> String? {
        ResultsChart.satisfactionParts(results, definition: definition, kind: kind, labels: t, id: id, rowsPerPart: 36)?
            .map { "<div class=\"chart-part\">\($0)</div>" }.joined(separator: "\n")
    }

    /// 较上轮 in words, with its symbol.
    static func change(_ change: StarHistory.Change, _ t: [String: String]) -> PageModel.Change {
        PageModel.Change(kind: change.rawValue, symbol: changeSymbols[change] ?? "", text: t["change_\(change.rawValue)"] ?? "")
    }

    /// 申诉 1, not a-1: the id is for the API.
    static func appealName(_ id: String, _ language: Language) -> String {
        let number = id.hasPrefix("a-") ? String(id.dropFirst(2)) : id
        return language == .zh ? "申诉 \(number)" : "Appeal \(number)"
    }

    /// Beside the words, never instead of them.
    static let changeSymbols: [StarHistory.Change: String] = [.gained: "▲", .lost: "▼", .same: "＝", .new: "✚"]

    /// A date as people read it, in the street's time zone (`serve --timezone`).
    func localDate(_ date: Date, _ language: Language, withTime: Bool = false) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = service.configuration.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let (y, m, d) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let day = language == .zh ? "\(y)年\(m)月\(d)日" : String(format: "%04d-%02d-%02d", y, m, d)
        return withTime ? day + String(format: " %02d:%02d", parts.hour ?? 0, parts.minute ?? 0) : day
    }

    /// The tellers' desk's address (SPEC §4): the console's view of it.
    @Sendable func countDesk(_ request: Request, context: MinpingContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard DefinitionParser.isSlug(id) else { throw Problem(.notFound, "no such evaluation") }
        return Response(status: .found, headers: [.location: "/admin#/count/\(id)"])
    }

    @Sendable func slipsForm(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let language = Language(query: request.uri.queryParameters.get("lang"))
        var response = try pages.page(.adminSlips, language: language, title: Labels.all(language)["slips_title"] ?? "",
                                      PageModel.SlipsForm(id: record.id, title: definition.title, langQuery: language == .en ? "?lang=en" : "",
                                                          csrfToken: context.session?.csrfToken))
        // It may carry the session's CSRF token: never kept by a cache.
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Issues slips for a form post carrying the admin key, and answers with the printable
    /// page. The tokens live only in this response.
    @Sendable func printSlips(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, definition) = try await evaluation(request, context)
        let language = Language(query: request.uri.queryParameters.get("lang"))
        let form = Self.formFields(String(decoding: try await Body.bytes(request, limit: 8 * 1024), as: UTF8.self))
        var context = context
        if let key = form["key"], let apiKey = try await service.authenticate(key: key) {
            context.key = apiKey
        } else if let session = context.session, form["csrf_token"] != session.csrfToken {
            // A form cannot send the X-CSRF-Token header: a signed-in form carries the token as a field.
            throw Problem(.csrfFailed, "the slips form of a signed-in session needs its csrf_token field")
        }
        _ = try context.require(.admin, street: record.street)
        guard let count = form["count"].flatMap(Int.init), (1...500).contains(count) else {
            throw Problem(.malformedRequest, "count must be between 1 and 500")
        }
        let slips: [PrintedSlip]
        let first: Int
        switch SlipKind(rawValue: form["kind"] ?? "code") {
        case .code:
            slips = try await service.createEnrollmentCodes(record.id, count: count).map { PrintedSlip(url: service.codeSlipURL(record.id, code: $0), code: $0) }
            first = record.lifecycle.codes + 1
        case .token:
            slips = try await service.issueSlips(record.id, count: count).map { PrintedSlip(url: service.slipURL(record.id, token: $0)) }
            first = record.lifecycle.slips + 1
        case .paper:
            // Paper forms (测评表): a token each, printed in the (random) order signed.
            let tokens = try await service.issueSlipBatch(record.id, count: count, kind: .paper).tokens
            var response = pages.htmlResponse(try pages.formsHTML(
                definition: definition, forms: tokens.map { (PaperForm.number(of: $0), service.slipURL(record.id, token: $0)) },
                receiptURL: service.pageURL("/receipt/\(record.id)"), language: language.rawValue))
            response.headers[.cacheControl] = "no-store"
            return response
        case nil:
            throw Problem(.malformedRequest, "kind must be code, token or paper")
        }
        var response = try pages.slips(definition: definition, slips: slips, firstNumber: first, language: language)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    @Sendable func staticFile(_ request: Request, context: MinpingContext) async throws -> Response {
        let name = try context.parameters.require("file")
        guard let file = pages.staticFiles[name] else { throw Problem(.notFound, "no such file") }
        // The console's modules and the catalogue go together: right after an upgrade a cached
        // old module beside new ones would break the console, so those are always revalidated.
        let together = name.hasPrefix("admin") || name.hasPrefix("labels.")
        return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: together ? "no-cache" : "public, max-age=300"],
                        body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}

/// A page answered instead of a problem (e.g. the friendly 404).
struct PageError: Error, HTTPResponseError {
    let response: Response
    var status: HTTPResponse.Status { response.status }
    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}
