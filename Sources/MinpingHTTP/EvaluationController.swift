import Foundation
import Hummingbird
import MinpingCore
import MinpingLog
import MinpingService
import MinpingStore
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
        group.get(":id", use: show)
        group.post(":id/slips", use: slips)
        group.post(":id/enrollment-codes", use: enrollmentCodes)
        group.post(":id/tokens", use: tokens)
        group.post(":id/open", use: open)
        group.post(":id/close", use: close)
        group.post(":id/annul", use: annul)
        group.post(":id/ballots", use: ballot)
        group.post(":id/publish", use: publish)
        group.get(":id/results", use: results)
        group.post(":id/appeals", use: fileAppeal)
        group.post(":id/appeals/:appeal/resolution", use: resolveAppeal)
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

    @Sendable func create(_ request: Request, context: MinpingContext) async throws -> Response {
        try context.require(.admin)
        let text = String(decoding: try await Body.bytes(request, limit: 1 << 20), as: UTF8.self)
        let definition: EvaluationDefinition
        do {
            definition = try DefinitionParser.parse(text, file: "request body")
        } catch {
            throw ServiceError.definitionInvalid("\(error)")
        }
        _ = try context.require(.admin, street: definition.street)
        let record = try await service.create(definition)
        let log = try await service.logIdentity(record.id)
        return Body.json(.object([
            ("id", .string(record.id)), ("state", .string(record.state.rawValue)), ("origin", .string(log.origin)),
            ("token_key_id", .string(try await service.tokenPublicKey(record.id).tokenKeyID.hex)),
            ("log_verifier_key", .string(log.verifierKey)),
        ]), status: .created)
    }

    @Sendable func show(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        let definition = try await service.definition(record.id)
        let organizations = Dictionary(uniqueKeysWithValues: definition.organizations.map { ($0.id, $0.name) })
        let subjects: [JSONValue] = definition.members.map { member in
            var fields: [(String, JSONValue)] = [("id", .string(member.id)), ("name", .string(member.name)), ("kind", .string("member"))]
            if let organization = member.organization {
                fields.append(("organization", .string(organization)))
                fields.append(("organization_name", .string(organizations[organization] ?? "")))
            }
            return .object(fields)
        } + definition.organizations.map { .object([("id", .string($0.id)), ("name", .string($0.name)), ("kind", .string("organization"))]) }
        return Body.json(.object([
            ("id", .string(record.id)), ("title", .string(definition.title)), ("street", .string(record.street)),
            ("community", definition.community.map(JSONValue.string) ?? .null), ("state", .string(record.state.rawValue)),
            ("electorate", .int(record.electorate)), ("issued", .int(record.issued)), ("ballots", .int(record.ballots)),
            ("publicity_days", .int(definition.publicityDays)),
            ("log_verifier_key", .string(try await service.logIdentity(record.id).verifierKey)),
            ("subjects", .array(subjects)),
            ("options", .array(definition.options.map { .object([("id", .string($0.id)), ("label", .string($0.label))]) })),
        ]))
    }

    @Sendable func slips(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .admin)
        let count = try await Body.object(request).int("count")
        let tokens = try await service.issueSlips(record.id, count: count)
        return Body.json(.object([
            ("tokens", .array(tokens.map { .string($0.base64URL) })),
            ("urls", .array(tokens.map { .string(service.slipURL(record.id, token: $0)) })),
        ]), status: .created)
    }

    @Sendable func enrollmentCodes(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .admin)
        let count = try await Body.object(request).int("count")
        let codes = try await service.createEnrollmentCodes(record.id, count: count)
        return Body.json(.object([("codes", .array(codes.map(JSONValue.string)))]), status: .created)
    }

    @Sendable func tokens(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        let body = try await Body.object(request)
        let code = try body.string("code")
        guard let bytes = Data(base64URLEncoded: try body.string("token_request")),
              let tokenRequest = try? TokenRequest(bytes: bytes)
        else { throw Problem(.badRequest, "malformed_request", "token_request must be a base64url RFC 9578 TokenRequest") }
        let response = try await service.issueToken(record.id, code: code, request: tokenRequest)
        return Body.json(.object([("token_response", .string(response.bytes.base64URLEncodedString))]), status: .created)
    }

    @Sendable func open(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .admin)
        return Body.json(.object([("state", .string(try await service.open(record.id).rawValue))]))
    }

    @Sendable func close(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .admin)
        return Body.json(.object([("state", .string(try await service.close(record.id).rawValue))]))
    }

    @Sendable func annul(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .admin)
        let reason = try await Body.object(request).string("reason")
        return Body.json(.object([("state", .string(try await service.annul(record.id, reason: reason).rawValue))]))
    }

    @Sendable func ballot(_ request: Request, context: MinpingContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await Body.object(request, limit: Self.ballotLimit(try await service.definition(id)))
        let tracker = try await service.castBallot(id, token: try body.string("token"), ratings: try body.stringMap("ratings"))
        return Body.json(.object([("tracker", .string(tracker))]), status: .accepted)
    }

    @Sendable func publish(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .admin)
        let stageName = try await Body.object(request).string("stage")
        guard let stage = ResultsStage(rawValue: stageName) else {
            throw Problem(.badRequest, "malformed_request", "stage must be preliminary or final")
        }
        return Body.json(try await service.publish(record.id, stage: stage).jsonValue)
    }

    @Sendable func results(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        return Body.json(try await service.results(record.id))
    }

    @Sendable func fileAppeal(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .adminOrReviewer)
        let body = try await Body.object(request)
        let appeal = try await service.fileAppeal(record.id, subject: try body.optionalString("subject"), text: try body.string("text"))
        return Body.json(.object([("appeal", .string(appeal))]), status: .created)
    }

    @Sendable func resolveAppeal(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .reviewer)
        let appeal = try context.parameters.require("appeal")
        let body = try await Body.object(request)
        let outcome = try body.string("outcome")
        guard outcome == "dismissed" || outcome == "upheld" else {
            throw Problem(.badRequest, "malformed_request", "outcome must be dismissed or upheld")
        }
        try await service.resolveAppeal(record.id, appeal: appeal, upheld: outcome == "upheld", note: try body.string("note"))
        return Body.json(.object([("appeal", .string(appeal)), ("outcome", .string(outcome))]))
    }

    @Sendable func receipt(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context)
        let tracker = try context.parameters.require("tracker")
        switch try await service.receipt(record.id, tracker: tracker) {
        case let .receipt(text): return Body.text(text)
        case .pending: return Body.json(.object([("status", .string("pending"))]), status: .accepted)
        case .notFound: throw Problem(.notFound, "not_found", "no ballot has this tracker")
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
                throw Problem(.badRequest, "malformed_request", "\(name) must be a whole number")
            }
            return value
        }
        // At most a page of entries per request; sums saturate instead of overflowing.
        let page = 1_000
        let start = try bound("start") ?? 0
        let (sum, overflow) = start.addingReportingOverflow(page)
        let pageEnd = overflow ? Int.max : sum
        let end = try bound("end") ?? pageEnd
        guard end >= start else { throw Problem(.badRequest, "malformed_request", "need start <= end") }
        return Body.json(try await service.publicEntries(record.id, range: start..<min(end, pageEnd)))
    }

    @Sendable func bundle(_ request: Request, context: MinpingContext) async throws -> Response {
        let record = try await evaluation(context, .reviewer)
        let bundle = try await service.bundle(record.id)
        var headers: HTTPFields = [.contentType: "application/x-tar"]
        headers[.contentDisposition] = "attachment; filename=\"\(record.id)-bundle.tar\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Tar.archive(bundle.files, root: "\(record.id)-bundle"))))
    }
}
