import Foundation
import Hummingbird
import MinpingCore
import MinpingLog
import MinpingService
import MinpingStore
import MinpingTables
import MinpingTokens

/// The evaluation endpoints of SPEC §7, each enforcing street tenancy and roles.
struct EvaluationController {
    let service: EvaluationService

    /// The largest ballot an honest client sends for this evaluation, with room to spare: the
    /// token (about 480 characters) and, per subject, its id, the longest option id and the
    /// JSON punctuation; doubled for whitespace. A few KiB for a community of 40 subjects.
    static func ballotLimit(_ definition: EvaluationDefinition) -> Int {
        let longestOption = definition.options.map(\.id.utf8.count).max() ?? 0
        let ratings = definition.subjects.reduce(0) { $0 + $1.id.utf8.count + longestOption + 6 }
        return 2 * (1024 + ratings)
    }

    func addRoutes(to group: RouterGroup<MinpingContext>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.get(":id/definition", use: definition)
        group.get(":id/definition.yaml", use: definitionYAML)
        group.post(":id/slips", use: slips)
        group.get(":id/slip-batches", use: slipBatches)
        group.post(":id/slip-batches/:batch/void", use: voidBatch)
        group.post(":id/enrollment-codes", use: enrollmentCodes)
        group.post(":id/tokens", use: tokens)
        group.post(":id/open", use: open)
        group.post(":id/close", use: close)
        group.post(":id/annul", use: annul)
        group.post(":id/ballots", use: ballot)
        group.post(":id/token-status", use: tokenStatus)
        group.post(":id/publish", use: publish)
        group.get(":id/results", use: results)
        group.get(":id/results.csv", use: resultsCSV)
        group.get(":id/results.xlsx", use: resultsXLSX)
        group.get(":id/history", use: history)
        group.get(":id/appeals", use: appeals)
        group.post(":id/appeals", use: fileAppeal)
        group.post(":id/appeals/:appeal/resolution", use: resolveAppeal)
        group.post(":id/withholdings", use: withhold)
        group.get(":id/receipts/:tracker", use: receipt)
        group.get(":id/forms/:form", use: paperForm)
        group.get(":id/count", use: desk)
        group.post(":id/count", use: count)
        group.post(":id/count/:form/settle", use: settle)
        group.get(":id/log/checkpoint", use: checkpoint)
        group.get(":id/log/entries", use: entries)
        group.get(":id/bundle", use: bundle)
    }

    /// The evaluation named in the path, after checking the caller may act on its street.
    func evaluation(_ context: MinpingContext, _ access: Access? = nil) async throws -> EvaluationRecord {
        let id = try context.parameters.require("id")
        let record = try await service.record(id)
        if let access { _ = try context.require(access, street: record.street) }
        return record
    }

    // MARK: Requests and responses (SPEC §7)

    struct Created: JSONResponse {
        let id: String, state: EvaluationState, origin: String, tokenKeyID: String, logVerifierKey: String
        var status: HTTPResponse.Status { .created }
    }

    /// `GET /evaluations/{id}` (SPEC §7).
    struct Evaluation: JSONResponse {
        struct Subject: Encodable {
            let id: String, name: String, kind: SubjectKind
            @OmittedIfNil var organization: String?
            @OmittedIfNil var organizationName: String?
            /// A cadre's 职务.
            @OmittedIfNil var title: String?
        }

        struct Option: Encodable { let id: String, label: String }

        struct Witness: Encodable { let name: String, key: String, size: Int }

        let id: String, title: String, street: String
        /// The street's display name (`minping streets`), nil when it has none.
        let streetName: String?
        let community: String?, state: EvaluationState
        let electorate: Int, issued: Int, ballots: Int, slips: Int, codes: Int, publicityDays: Int
        let previous: String?, createdAt: Date, preliminaryAt: Date?, publicityUntil: Date?, appealsPending: Int
        // SPEC §6: the round being voted or last voted, its subjects after round 1 (a
        // supplementary round rates only them), and whether a remedy changed results that are
        // not yet published again.
        let round: Int, roundSubjects: [String]?, republicationDue: Bool
        let logVerifierKey: String
        /// Each witness and the largest checkpoint size it cosigned (SPEC §5).
        let witnesses: [Witness]
        // The voting page's blind-issuance client checks the key id against the key.
        let tokenKeySPKI: String, tokenKeyID: String
        let subjects: [Subject], options: [Option]

        init(record: EvaluationRecord, definition: EvaluationDefinition, logVerifierKey: String, tokenKey: TokenPublicKey,
             witnesses: [WitnessStatus], streetName: String?, roundSubjects: Set<String>?) {
            let branches = Dictionary(uniqueKeysWithValues: definition.organizations.map { ($0.id, $0.name) })
            id = record.id
            title = definition.title
            street = record.street
            self.streetName = streetName
            community = definition.community
            state = record.state
            electorate = record.electorate
            issued = record.issued
            ballots = record.ballots
            slips = record.lifecycle.slips
            codes = record.lifecycle.codes
            publicityDays = definition.publicityDays
            previous = definition.previous
            createdAt = record.createdAt
            preliminaryAt = record.lifecycle.preliminaryAt
            publicityUntil = record.lifecycle.publicityDeadline
            appealsPending = record.lifecycle.unresolvedAppeals
            round = record.lifecycle.round
            self.roundSubjects = roundSubjects.map { ids in definition.subjects.map(\.id).filter(ids.contains) }
            republicationDue = record.lifecycle.republicationDue
            self.logVerifierKey = logVerifierKey
            self.witnesses = witnesses.map { Witness(name: $0.name, key: $0.verifierKey, size: $0.size) }
            tokenKeySPKI = tokenKey.spki.base64EncodedString()
            tokenKeyID = tokenKey.tokenKeyID.hex
            subjects = definition.members.map {
                Subject(id: $0.id, name: $0.name, kind: .member, organization: $0.organization,
                        organizationName: $0.organization.map { branches[$0] ?? "" })
            } + definition.organizations.map { Subject(id: $0.id, name: $0.name, kind: .organization) }
                + definition.cadres.map { Subject(id: $0.id, name: $0.name, kind: .cadre, title: $0.title) }
            options = definition.options.map { Option(id: $0.id, label: $0.label) }
        }
    }

    /// `GET /evaluations` (SPEC §7).
    struct Listed: JSONResponse {
        struct Line: Encodable {
            let id: String, title: String, street: String, streetName: String?, community: String?, state: EvaluationState
            let electorate: Int, issued: Int, ballots: Int, previous: String?, createdAt: Date
        }

        let evaluations: [Line]

        init(evaluations: [(record: EvaluationRecord, definition: EvaluationDefinition)], streetNames: [String: String]) {
            self.evaluations = evaluations.map { record, definition in
                Line(id: record.id, title: definition.title, street: record.street, streetName: streetNames[record.street],
                     community: definition.community, state: record.state, electorate: record.electorate, issued: record.issued,
                     ballots: record.ballots, previous: definition.previous, createdAt: record.createdAt)
            }
        }
    }

    struct StateChanged: JSONResponse {
        let state: EvaluationState
    }

    struct AnnulRequest: Decodable { let reason: NonEmpty }

    struct Accepted: JSONResponse {
        let tracker: String
        var status: HTTPResponse.Status { .accepted }
    }

    struct PublishRequest: Decodable { let stage: ResultsStage }

    /// A ballot accepted but not yet in the log: ask again shortly.
    struct ReceiptPending: JSONResponse {
        var status: HTTPResponse.Status { .accepted }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("pending", forKey: .status)
        }

        enum CodingKeys: CodingKey { case status }
    }

    // MARK: Routes

    @Sendable func create(_ request: Request, context: MinpingContext) async throws -> Created {
        try context.require(.admin)
        let definition = try DefinitionParser.parse(bytes: try await Body.bytes(request, limit: DefinitionParser.maximumBytes),
                                                    file: "request body")
        _ = try context.require(.admin, street: definition.street)
        let record = try await service.create(definition)
        let log = try await service.logIdentity(record.id)
        return Created(id: record.id, state: record.state, origin: log.origin,
                       tokenKeyID: try await service.tokenPublicKey(record.id).tokenKeyID.hex, logVerifierKey: log.verifierKey)
    }

    @Sendable func show(_ request: Request, context: MinpingContext) async throws -> Evaluation {
        let record = try await evaluation(context)
        return Evaluation(record: record, definition: try await service.definition(record.id),
                          logVerifierKey: try await service.logIdentity(record.id).verifierKey,
                          tokenKey: try await service.tokenPublicKey(record.id),
                          witnesses: try await service.witnessStatus(record.id),
                          streetName: try await service.streetNames()[record.street],
                          roundSubjects: try await service.currentRound(record.id).subjects)
    }

    @Sendable func list(_ request: Request, context: MinpingContext) async throws -> Listed {
        let street = request.uri.queryParameters.get("street")
        return Listed(evaluations: try await service.evaluations(street: street), streetNames: try await service.streetNames())
    }

    /// The stored definition, every default written out (the console's 以去年为基础).
    @Sendable func definition(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        return Body.json(try await service.definition(record.id).jsonValue)
    }

    @Sendable func definitionYAML(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        return Body.download(Data(try await service.definition(record.id).yaml.utf8),
                             type: "application/yaml; charset=utf-8", filename: "\(record.id).yaml")
    }

    /// The published results and what the tables need with them: the definition and, with a
    /// previous round, each subject's 较上轮 in words.
    func resultsForTables(_ context: MinpingContext) async throws
        -> (record: EvaluationRecord, results: EvaluationResults, definition: EvaluationDefinition, changes: [String: String]?) {
        let record = try await evaluation(context)
        // The tables are for printing and posting: an annulled evaluation's stars no longer
        // hold, so it has none (its board says so; GET /results keeps them for the record).
        guard record.state != .annulled else { throw ServiceError.resultsNotPublished }
        let results = try await service.results(record.id)
        let definition = try await service.definition(record.id)
        // The results were just read, so the history reads too; a failure is not hidden.
        let history = try await service.history(record.id, results: results)
        return (record, results, definition, Self.changeWords(history))
    }

    /// 较上轮 in words per subject id, when there is a previous published round.
    static func changeWords(_ history: StarHistory?) -> [String: String]? {
        guard let history, history.rounds.count > 1 else { return nil }
        let words: [StarHistory.Change: String] = [.gained: "群众评星增加", .lost: "群众评星减少", .same: "群众评星不变", .new: "新参评"]
        return Dictionary(history.subjects.map { ($0.id, words[$0.change] ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// The results report's sheet (SPEC §7): the title block (title, community, stage, date of
    /// publication, electorate and ballots, the rules in one line), then the table grouped by
    /// branch.
    static func reportSheet(_ results: EvaluationResults, _ definition: EvaluationDefinition, changes: [String: String]?,
                            published: String?, name: String = "结果") -> ResultsFile.Sheet {
        let stage = results.stage == .final ? "最终结果" : "初步结果（公示中）"
        let heading = [
            definition.title,
            [definition.community, "\(stage)", published.map { "公布日期：\($0)" }].compactMap { $0 }.joined(separator: " · "),
            "应参评 \(results.electorate) 人 · 实收 \(results.ballots) 票 · 评星规则：" + ResultsFile.rulesLine(definition),
        ]
        return ResultsFile.Sheet(name: name, table: ResultsFile.table(results, definition: definition, changes: changes, grouped: true),
                                 heading: heading)
    }

    /// The plain table (SPEC §7): results order, UTF-8 with a BOM, CRLF.
    @Sendable func resultsCSV(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, results, definition, changes) = try await resultsForTables(context)
        return Body.download(try ResultsFile.csv(ResultsFile.table(results, definition: definition, changes: changes)),
                             type: "text/csv; charset=utf-8", filename: "\(record.id)-results.csv",
                             displayName: "\(definition.title)结果.csv")
    }

    /// The report (SPEC §7): a title block, then members grouped by branch and the
    /// branches after them, printable on A4 landscape with the header on every page.
    @Sendable func resultsXLSX(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, results, definition, changes) = try await resultsForTables(context)
        let published = try await service.publishedAt(record.id).map { service.localDay($0) }
        return Body.download(try ResultsFile.xlsx(sheets: [Self.reportSheet(results, definition, changes: changes, published: published)]),
                             type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             filename: "\(record.id)-results.xlsx", displayName: "\(definition.title)结果.xlsx")
    }

    @Sendable func open(_ request: Request, context: MinpingContext) async throws -> StateChanged {
        let record = try await evaluation(context, .admin)
        return StateChanged(state: try await service.open(record.id))
    }

    @Sendable func close(_ request: Request, context: MinpingContext) async throws -> StateChanged {
        let record = try await evaluation(context, .admin)
        return StateChanged(state: try await service.close(record.id))
    }

    @Sendable func annul(_ request: Request, context: MinpingContext) async throws -> StateChanged {
        let record = try await evaluation(context, .admin)
        let reason = try await Body.decode(AnnulRequest.self, request).reason.text
        return StateChanged(state: try await service.annul(record.id, reason: reason))
    }

    @Sendable func ballot(_ request: Request, context: MinpingContext) async throws -> Accepted {
        let id = try context.parameters.require("id")
        let body = try await Body.ballot(request, limit: Self.ballotLimit(try await service.definition(id)))
        return Accepted(tracker: try await service.castBallot(id, token: body.token, ratings: body.ratings))
    }

    @Sendable func publish(_ request: Request, context: MinpingContext) async throws -> Written {
        let record = try await evaluation(context, .admin)
        let stage = try await Body.decode(PublishRequest.self, request).stage
        return Written(json: try await service.publish(record.id, stage: stage).jsonValue)
    }

    @Sendable func results(_ request: Request, context: MinpingContext) async throws -> Written {
        let record = try await evaluation(context)
        return Written(json: try await service.results(record.id).jsonValue)
    }

    /// Stars over the rounds along `previous` (SPEC §7).
    @Sendable func history(_ request: Request, context: MinpingContext) async throws -> Written {
        let record = try await evaluation(context)
        return Written(json: try await service.history(record.id).jsonValue)
    }

    @Sendable func receipt(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        let tracker = try context.parameters.require("tracker")
        switch try await service.receipt(record.id, tracker: tracker) {
        case let .receipt(text): return Body.text(text)
        case .pending: return try ReceiptPending().response(from: request, context: context)
        case .notFound: throw Problem(.notFound, "no ballot has this tracker")
        }
    }

    @Sendable func checkpoint(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        return Body.text(try await service.checkpoint(record.id))
    }

    @Sendable func entries(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        func bound(_ name: String) throws -> Int? {
            guard let text = request.uri.queryParameters.get(name) else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw Problem(.malformedRequest, "\(name) must be a whole number")
            }
            return value
        }
        // At most a page of entries per request; sums saturate instead of overflowing.
        let page = 1_000
        let start = try bound("start") ?? 0
        let (sum, overflow) = start.addingReportingOverflow(page)
        let pageEnd = overflow ? Int.max : sum
        let end = try bound("end") ?? pageEnd
        guard end >= start else { throw Problem(.malformedRequest, "need start <= end") }
        return Body.json(try JSONValueEncoder().encode(try await service.publicEntries(record.id, range: start..<min(end, pageEnd))))
    }

    @Sendable func bundle(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .reviewer)
        // Sent a chunk of entries at a time, never whole (issue 35: a city's log is hundreds of megabytes).
        let bundle = try await service.bundleStream(record.id)
        let (head, tail) = Tar.around(before: [("definition.json", bundle.definition)], streamed: "entries.jsonl",
                                      length: bundle.entriesLength, after: bundle.after, root: "\(record.id)-bundle")
        let body = ResponseBody(contentLength: head.count + bundle.entriesLength + tail.count) { writer in
            try await writer.write(ByteBuffer(bytes: head))
            try await bundle.forEachChunk { try await writer.write(ByteBuffer(bytes: $0)) }
            try await writer.write(ByteBuffer(bytes: tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-tar",
                                               .contentDisposition: "attachment; filename=\"\(record.id)-bundle.tar\""], body: body)
    }
}
