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
        var json: JSONValue {
            .object([("id", .string(id)), ("state", .string(state.rawValue)), ("origin", .string(origin)),
                     ("token_key_id", .string(tokenKeyID)), ("log_verifier_key", .string(logVerifierKey))])
        }
    }

    struct Evaluation: JSONResponse {
        let record: EvaluationRecord, definition: EvaluationDefinition, logVerifierKey: String, tokenKey: TokenPublicKey
        let witnesses: [WitnessStatus]
        /// The street's display name (`minping streets`), nil when it has none.
        let streetName: String?
        /// The current round's subjects after round 1 (a supplementary round rates only them).
        let roundSubjects: Set<String>?
        var json: JSONValue {
            let organizations = Dictionary(uniqueKeysWithValues: definition.organizations.map { ($0.id, $0.name) })
            let members: [JSONValue] = definition.members.map { member in
                var fields: [(String, JSONValue)] = [("id", .string(member.id)), ("name", .string(member.name)), ("kind", .string("member"))]
                if let organization = member.organization {
                    fields.append(("organization", .string(organization)))
                    fields.append(("organization_name", .string(organizations[organization] ?? "")))
                }
                return .object(fields)
            }
            let orgs: [JSONValue] = definition.organizations.map {
                .object([("id", .string($0.id)), ("name", .string($0.name)), ("kind", .string("organization"))])
            }
            return .object([
                ("id", .string(record.id)), ("title", .string(definition.title)), ("street", .string(record.street)),
                ("street_name", streetName.map(JSONValue.string) ?? .null),
                ("community", definition.community.map(JSONValue.string) ?? .null), ("state", .string(record.state.rawValue)),
                ("electorate", .int(record.electorate)), ("issued", .int(record.issued)), ("ballots", .int(record.ballots)),
                ("slips", .int(record.lifecycle.slips)), ("codes", .int(record.lifecycle.codes)),
                ("publicity_days", .int(definition.publicityDays)),
                ("previous", definition.previous.map(JSONValue.string) ?? .null),
                ("created_at", .string(LogTime.format(record.createdAt))),
                ("preliminary_at", record.lifecycle.preliminaryAt.map { .string(LogTime.format($0)) } ?? .null),
                ("publicity_until", record.lifecycle.publicityDeadline.map { .string(LogTime.format($0)) } ?? .null),
                ("appeals_pending", .int(record.lifecycle.unresolvedAppeals)),
                // SPEC §6: the round being voted or last voted, its subjects after round 1, and
                // whether a remedy changed results that are not yet published again.
                ("round", .int(record.lifecycle.round)),
                ("round_subjects", roundSubjects.map { ids in
                    .array(definition.subjects.map(\.id).filter(ids.contains).map(JSONValue.string))
                } ?? .null),
                ("republication_due", .bool(record.lifecycle.republicationDue)),
                ("log_verifier_key", .string(logVerifierKey)),
                // Each witness and the largest checkpoint size it cosigned (SPEC §5).
                ("witnesses", .array(witnesses.map {
                    .object([("name", .string($0.name)), ("key", .string($0.verifierKey)), ("size", .int($0.size))])
                })),
                // The voting page's blind-issuance client checks the key id against the key.
                ("token_key_spki", .string(tokenKey.spki.base64EncodedString())), ("token_key_id", .string(tokenKey.tokenKeyID.hex)),
                ("subjects", .array(members + orgs)),
                ("options", .array(definition.options.map { .object([("id", .string($0.id)), ("label", .string($0.label))]) })),
            ])
        }
    }

    /// One line of `GET /evaluations` (SPEC §7).
    struct Listed: JSONResponse {
        let evaluations: [(record: EvaluationRecord, definition: EvaluationDefinition)]
        let streetNames: [String: String]
        var json: JSONValue {
            .object([("evaluations", .array(evaluations.map { record, definition in
                .object([
                    ("id", .string(record.id)), ("title", .string(definition.title)), ("street", .string(record.street)),
                    ("street_name", streetNames[record.street].map(JSONValue.string) ?? .null),
                    ("community", definition.community.map(JSONValue.string) ?? .null), ("state", .string(record.state.rawValue)),
                    ("electorate", .int(record.electorate)), ("issued", .int(record.issued)), ("ballots", .int(record.ballots)),
                    ("previous", definition.previous.map(JSONValue.string) ?? .null),
                    ("created_at", .string(LogTime.format(record.createdAt))),
                ])
            }))])
        }
    }

    struct Appeals: JSONResponse {
        let appeals: [AppealRecord], definition: EvaluationDefinition, amendments: Amendments
        var json: JSONValue {
            let names = Dictionary(uniqueKeysWithValues: definition.subjects.map { ($0.id, $0.name) })
            let remedies = Dictionary(amendments.remedies.compactMap { taken in taken.appeal.map { ($0, taken.remedy) } },
                                      uniquingKeysWith: { first, _ in first })
            return .object([("appeals", .array(appeals.map { appeal in
                .object([
                    ("id", .string(appeal.id)), ("subject", appeal.subject.map(JSONValue.string) ?? .null),
                    ("subject_name", appeal.subject.flatMap { names[$0] }.map(JSONValue.string) ?? .null),
                    ("text", .string(appeal.text)), ("filed_at", .string(LogTime.format(appeal.filedAt))),
                    ("outcome", appeal.outcome.map { .string($0.rawValue) } ?? .null),
                    ("note", appeal.note.map(JSONValue.string) ?? .null),
                    ("remedy", remedies[appeal.id].map(\.jsonValue) ?? .null),
                ])
            }))])
        }
    }

    struct CountRequest: Decodable { let count: Int }

    struct Slips: JSONResponse {
        let batch: String, kind: SlipBatch.Kind, tokens: [String], codes: [String], urls: [String]
        var status: HTTPResponse.Status { .created }
        var json: JSONValue {
            .object([("batch", .string(batch)), ("kind", .string(kind.rawValue))]
                    + (kind == .token ? [("tokens", JSONValue.array(tokens.map(JSONValue.string)))] : [("codes", .array(codes.map(JSONValue.string)))])
                    + [("urls", .array(urls.map(JSONValue.string)))])
        }
    }

    struct SlipsRequest: Decodable {
        let count: Int
        /// token (the default, as before) or code.
        let kind: SlipBatch.Kind?
    }

    struct Batches: JSONResponse {
        let batches: [SlipBatch], electorate: Int, slips: Int, codes: Int
        var json: JSONValue {
            .object([
                ("batches", .array(batches.map { batch in
                    .object([("batch", .string(batch.id)), ("kind", .string(batch.kind.rawValue)), ("count", .int(batch.count)),
                             ("used", batch.kind == .code ? .int(batch.used) : .null),
                             ("created_at", .string(LogTime.format(batch.createdAt))), ("voided", .bool(batch.voided)),
                             ("voidable", .bool(batch.kind == .code && !batch.voided && batch.used == 0))])
                })),
                // What the console's counters say: printed and still printable this round.
                ("electorate", .int(electorate)), ("slips", .int(slips)), ("codes", .int(codes)),
                ("left", .int(max(0, electorate - slips - codes))),
            ])
        }
    }

    struct BatchVoided: JSONResponse {
        let batch: String
        var json: JSONValue { .object([("batch", .string(batch)), ("voided", .bool(true))]) }
    }

    struct Codes: JSONResponse {
        let batch: String, codes: [String]
        var status: HTTPResponse.Status { .created }
        var json: JSONValue { .object([("batch", .string(batch)), ("codes", .array(codes.map(JSONValue.string)))]) }
    }

    struct TokenIssueRequest: Decodable {
        let code: NonEmpty
        let tokenRequest: NonEmpty
        enum CodingKeys: String, CodingKey { case code, tokenRequest = "token_request" }
    }

    struct TokenIssued: JSONResponse {
        let tokenResponse: String
        var status: HTTPResponse.Status { .created }
        var json: JSONValue { .object([("token_response", .string(tokenResponse))]) }
    }

    struct StateChanged: JSONResponse {
        let state: EvaluationState
        var json: JSONValue { .object([("state", .string(state.rawValue))]) }
    }

    struct AnnulRequest: Decodable { let reason: NonEmpty }

    struct Accepted: JSONResponse {
        let tracker: String
        var status: HTTPResponse.Status { .accepted }
        var json: JSONValue { .object([("tracker", .string(tracker))]) }
    }

    struct PublishRequest: Decodable { let stage: ResultsStage }

    struct AppealRequest: Decodable {
        let subject: String?
        let text: String
    }

    struct AppealFiled: JSONResponse {
        let appeal: String
        var status: HTTPResponse.Status { .created }
        var json: JSONValue { .object([("appeal", .string(appeal))]) }
    }

    struct ResolutionRequest: Decodable {
        let outcome: AppealOutcome
        let note: String
        let remedy: RemedyRequest?
    }

    /// A remedy as a resolution body gives it (SPEC §6): `{"kind":"withhold","subject","star",
    /// "reason"}`, `{"kind":"correct","subject","name"?,"organization"?}`,
    /// `{"kind":"revote","subjects":[…]}` or `{"kind":"annul","reason"}`.
    struct RemedyRequest: Decodable {
        let kind: RemedyKind
        let subject: String?
        let star: String?
        let reason: String?
        let name: String?
        let organization: String?
        let subjects: [String]?

        func remedy() throws(ServiceError) -> Remedy {
            func need<T>(_ value: T?, _ field: String) throws(ServiceError) -> T {
                guard let value else { throw .remedyInvalid("a '\(kind.rawValue)' remedy needs \"\(field)\"") }
                return value
            }
            switch kind {
            case .withhold:
                return .withhold(subject: try need(subject, "subject"), star: try need(star, "star"), reason: try need(reason, "reason"))
            case .correct:
                return .correct(subject: try need(subject, "subject"), name: name, organization: organization)
            case .revote:
                return .revote(subjects: try need(subjects, "subjects"))
            case .annul:
                return .annul(reason: try need(reason, "reason"))
            }
        }
    }

    struct WithholdingRequest: Decodable {
        let subject: String
        let star: String
        let reason: String
    }

    struct Withheld: JSONResponse {
        let subject: String, star: String
        var status: HTTPResponse.Status { .created }
        var json: JSONValue { .object([("subject", .string(subject)), ("star", .string(star))]) }
    }

    struct Resolved: JSONResponse {
        let appeal: String, outcome: AppealOutcome, remedy: RemedyKind?
        var json: JSONValue {
            .object([("appeal", .string(appeal)), ("outcome", .string(outcome.rawValue))]
                    + (remedy.map { [("remedy", JSONValue.string($0.rawValue))] } ?? []))
        }
    }

    // MARK: Routes

    @Sendable func create(_ request: Request, context: MinpingContext) async throws -> Created {
        try context.require(.admin)
        let definition: EvaluationDefinition
        do {
            definition = try DefinitionParser.parse(bytes: try await Body.bytes(request, limit: DefinitionParser.maximumBytes),
                                                    file: "request body")
        } catch let error as DefinitionError {
            throw ServiceError.definitionInvalid(error.description)
        }
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

    @Sendable func appeals(_ request: Request, context: MinpingContext) async throws -> Appeals {
        let record = try await evaluation(context, .adminOrReviewer)
        return Appeals(appeals: try await service.appeals(record.id), definition: try await service.definition(record.id),
                       amendments: try await service.amendments(record.id))
    }

    /// The published results and what the tables need with them: the definition and, with a
    /// previous round, each subject's 较上轮 in words.
    func resultsForTables(_ context: MinpingContext) async throws
        -> (record: EvaluationRecord, results: EvaluationResults, definition: EvaluationDefinition, changes: [String: String]?) {
        let record = try await evaluation(context)
        let results = try await service.results(record.id)
        let definition = try await service.definition(record.id)
        var changes: [String: String]?
        if let history = try? await service.history(record.id), history.rounds.count > 1 {
            let words: [StarHistory.Change: String] = [.gained: "群众评星增加", .lost: "群众评星减少", .same: "群众评星不变", .new: "新参评"]
            changes = Dictionary(history.subjects.map { ($0.id, words[$0.change] ?? "") }, uniquingKeysWith: { first, _ in first })
        }
        return (record, results, definition, changes)
    }

    /// The plain table (SPEC §7): results order, UTF-8 with a BOM, CRLF.
    @Sendable func resultsCSV(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, results, definition, changes) = try await resultsForTables(context)
        return Body.download(try ResultsFile.csv(ResultsFile.table(results, definition: definition, changes: changes)),
                             type: "text/csv; charset=utf-8", filename: "\(record.id)-results.csv",
                             displayName: "\(definition.title)结果.csv")
    }

    /// The report (SPEC §7, issue 29 §3): a title block, then members grouped by branch and the
    /// branches after them, printable on A4 landscape with the header on every page.
    @Sendable func resultsXLSX(_ request: Request, context: MinpingContext) async throws -> Response {
        let (record, results, definition, changes) = try await resultsForTables(context)
        let stage = results.stage == .final ? "最终结果" : "初步结果（公示中）"
        let published = try await service.publishedAt(record.id).map { service.localDay($0) } ?? ""
        let heading = [
            definition.title,
            [definition.community, "\(stage)", published.isEmpty ? nil : "公布日期：\(published)"].compactMap { $0 }.joined(separator: " · "),
            "应参评 \(results.electorate) 人 · 实收 \(results.ballots) 票 · 评星规则：" + ResultsFile.rulesLine(definition),
        ]
        let table = ResultsFile.table(results, definition: definition, changes: changes, grouped: true)
        return Body.download(try ResultsFile.xlsx(table, heading: heading),
                             type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             filename: "\(record.id)-results.xlsx", displayName: "\(definition.title)结果.xlsx")
    }

    @Sendable func slips(_ request: Request, context: MinpingContext) async throws -> Slips {
        let record = try await evaluation(context, .admin)
        let body = try await Body.decode(SlipsRequest.self, request)
        switch body.kind ?? .token {
        case .token:
            let (batch, tokens) = try await service.issueSlipBatch(record.id, count: body.count)
            return Slips(batch: batch, kind: .token, tokens: tokens.map(\.base64URL), codes: [],
                         urls: tokens.map { service.slipURL(record.id, token: $0) })
        case .code:
            let (batch, codes) = try await service.createCodeBatch(record.id, count: body.count)
            return Slips(batch: batch, kind: .code, tokens: [], codes: codes, urls: codes.map { service.codeSlipURL(record.id, code: $0) })
        }
    }

    @Sendable func slipBatches(_ request: Request, context: MinpingContext) async throws -> Batches {
        let record = try await evaluation(context, .admin)
        return Batches(batches: try await service.slipBatches(record.id), electorate: record.electorate,
                       slips: record.lifecycle.slips, codes: record.lifecycle.codes)
    }

    @Sendable func voidBatch(_ request: Request, context: MinpingContext) async throws -> BatchVoided {
        let record = try await evaluation(context, .admin)
        let batch = try context.parameters.require("batch")
        try await service.voidBatch(record.id, batch: batch)
        return BatchVoided(batch: batch)
    }

    @Sendable func enrollmentCodes(_ request: Request, context: MinpingContext) async throws -> Codes {
        let record = try await evaluation(context, .admin)
        let count = try await Body.decode(CountRequest.self, request).count
        let (batch, codes) = try await service.createCodeBatch(record.id, count: count)
        return Codes(batch: batch, codes: codes)
    }

    @Sendable func tokens(_ request: Request, context: MinpingContext) async throws -> TokenIssued {
        let record = try await evaluation(context)
        let body = try await Body.decode(TokenIssueRequest.self, request)
        guard let bytes = Data(base64URLEncoded: body.tokenRequest.text),
              let tokenRequest = try? TokenRequest(bytes: bytes)
        else { throw Problem(.malformedRequest, "token_request must be a base64url RFC 9578 TokenRequest") }
        let response = try await service.issueToken(record.id, code: body.code.text, request: tokenRequest)
        return TokenIssued(tokenResponse: response.bytes.base64URLEncodedString)
    }

    struct TokenStatusRequest: Decodable { let token: String }

    struct TokenStatus: JSONResponse {
        let spent: Bool
        var json: JSONValue { .object([("spent", .bool(spent))]) }
    }

    /// Whether a token slip was used already (public: only its holder has the token).
    @Sendable func tokenStatus(_ request: Request, context: MinpingContext) async throws -> TokenStatus {
        let record = try await evaluation(context)
        let body = try await Body.decode(TokenStatusRequest.self, request)
        return TokenStatus(spent: try await service.tokenSpent(record.id, token: body.token))
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

    @Sendable func publish(_ request: Request, context: MinpingContext) async throws -> ResultsResponse {
        let record = try await evaluation(context, .admin)
        let stage = try await Body.decode(PublishRequest.self, request).stage
        return ResultsResponse(results: try await service.publish(record.id, stage: stage))
    }

    @Sendable func results(_ request: Request, context: MinpingContext) async throws -> ResultsResponse {
        let record = try await evaluation(context)
        return ResultsResponse(results: try await service.results(record.id))
    }

    /// Stars over the rounds along `previous` (SPEC §7).
    @Sendable func history(_ request: Request, context: MinpingContext) async throws -> HistoryResponse {
        let record = try await evaluation(context)
        return HistoryResponse(history: try await service.history(record.id))
    }

    @Sendable func fileAppeal(_ request: Request, context: MinpingContext) async throws -> AppealFiled {
        let record = try await evaluation(context, .adminOrReviewer)
        let body = try await Body.decode(AppealRequest.self, request)
        return AppealFiled(appeal: try await service.fileAppeal(record.id, subject: body.subject, text: body.text))
    }

    @Sendable func resolveAppeal(_ request: Request, context: MinpingContext) async throws -> Resolved {
        let record = try await evaluation(context, .reviewer)
        let appeal = try context.parameters.require("appeal")
        let body = try await Body.decode(ResolutionRequest.self, request)
        let remedy = try body.remedy?.remedy()
        try await service.resolveAppeal(record.id, appeal: appeal, outcome: body.outcome, note: body.note, remedy: remedy)
        return Resolved(appeal: appeal, outcome: body.outcome, remedy: remedy?.kind)
    }

    /// The street's own withholding (一票否决) while results are preliminary (SPEC §6).
    @Sendable func withhold(_ request: Request, context: MinpingContext) async throws -> Withheld {
        let record = try await evaluation(context, .admin)
        let body = try await Body.decode(WithholdingRequest.self, request)
        try await service.withhold(record.id, subject: body.subject, star: body.star, reason: body.reason)
        return Withheld(subject: body.subject, star: body.star)
    }

    @Sendable func receipt(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        let tracker = try context.parameters.require("tracker")
        switch try await service.receipt(record.id, tracker: tracker) {
        case let .receipt(text): return Body.text(text)
        case .pending: return Body.json(.object([("status", .string("pending"))]), status: .accepted)
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
        return Body.json(try await service.publicEntries(record.id, range: start..<min(end, pageEnd)))
    }

    @Sendable func bundle(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .reviewer)
        let bundle = try await service.bundle(record.id)
        return Body.download(Data(Tar.archive(bundle.files, root: "\(record.id)-bundle")), type: "application/x-tar",
                             filename: "\(record.id)-bundle.tar")
    }
}
