import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore
import MinpingTokens

/// Slips, enrollment codes, their batches and blind issuance (SPEC §4, §7).
extension EvaluationController {
    struct CountRequest: Decodable { let count: Int }

    struct Slips: JSONResponse {
        let batch: String, kind: SlipBatch.Kind
        /// A token or paper batch carries `tokens`, a code batch `codes`; never both.
        @OmittedIfNil var tokens: [String]?
        @OmittedIfNil var codes: [String]?
        let urls: [String]
        /// A paper batch: each form's 表号 (SPEC §4), in the order of `tokens`.
        @OmittedIfNil var forms: [String]? = nil
        var status: HTTPResponse.Status { .created }
    }

    struct SlipsRequest: Decodable {
        let count: Int
        /// token (the default, as before), code or paper.
        let kind: SlipBatch.Kind?
    }

    struct Batches: JSONResponse {
        struct Batch: Encodable {
            let batch: String, kind: SlipBatch.Kind, count: Int
            /// Codes used so far; a token batch cannot tell (its tokens are blind).
            let used: Int?
            let createdAt: Date, voided: Bool, voidable: Bool
        }

        let batches: [Batch]
        // What the console's counters say: printed and still printable this round.
        let electorate: Int, slips: Int, codes: Int, left: Int

        /// - Parameter issuing: whether slips are issued (and voided) in the evaluation's state:
        ///   draft and open only (SPEC §6), so nothing is voidable after voting closes.
        init(batches: [SlipBatch], electorate: Int, slips: Int, codes: Int, issuing: Bool) {
            self.batches = batches.map { batch in
                Batch(batch: batch.id, kind: batch.kind, count: batch.count, used: batch.kind == .code ? batch.used : nil,
                      createdAt: batch.createdAt, voided: batch.voided,
                      voidable: issuing && batch.kind == .code && !batch.voided && batch.used == 0)
            }
            self.electorate = electorate
            self.slips = slips
            self.codes = codes
            left = max(0, electorate - slips - codes)
        }
    }

    struct BatchVoided: JSONResponse {
        let batch: String
        var voided = true
    }

    struct Codes: JSONResponse {
        let batch: String, codes: [String]
        var status: HTTPResponse.Status { .created }
    }

    struct TokenIssueRequest: Decodable {
        let code: NonEmpty
        let tokenRequest: NonEmpty
        enum CodingKeys: String, CodingKey { case code, tokenRequest = "token_request" }
    }

    struct TokenIssued: JSONResponse {
        let tokenResponse: String
        var status: HTTPResponse.Status { .created }
    }

    @Sendable func slips(_ request: Request, context: MinpingContext) async throws -> Slips {
        let record = try await evaluation(context, .admin)
        let body = try await Body.decode(SlipsRequest.self, request)
        switch body.kind ?? .token {
        case .token:
            let (batch, tokens) = try await service.issueSlipBatch(record.id, count: body.count)
            return Slips(batch: batch, kind: .token, tokens: tokens.map(\.base64URL), codes: nil,
                         urls: tokens.map { service.slipURL(record.id, token: $0) })
        case .paper:
            let (batch, tokens) = try await service.issueSlipBatch(record.id, count: body.count, kind: .paper)
            return Slips(batch: batch, kind: .paper, tokens: tokens.map(\.base64URL), codes: nil,
                         urls: tokens.map { service.slipURL(record.id, token: $0) }, forms: tokens.map(PaperForm.number(of:)))
        case .code:
            let (batch, codes) = try await service.createCodeBatch(record.id, count: body.count)
            return Slips(batch: batch, kind: .code, tokens: nil, codes: codes, urls: codes.map { service.codeSlipURL(record.id, code: $0) })
        }
    }

    /// How a paper form was recorded, by its 表号 (SPEC §7): public, since the 表号 is on the
    /// stub the representative keeps; 404 until that form's ballot is cast.
    struct Form: JSONResponse {
        /// Subject id → option id, in the definition's order of subjects.
        let form: String, ratings: JSONValue, tracker: String
        @OmittedIfNil var seq: Int?
    }

    @Sendable func paperForm(_ request: Request, context: MinpingContext) async throws -> Form {
        let id = try context.parameters.require("id")
        let number = try context.parameters.require("form").uppercased()
        guard let form = try await service.paperForm(id, number: number) else {
            throw Problem(.notFound, "no cast form with the 表号 '\(number)' in this evaluation")
        }
        let order = try await service.definition(id).subjects.map(\.id)
        let ratings = JSONValue.object(order.compactMap { subject in form.ratings[subject].map { (subject, .string($0)) } })
        return Form(form: form.number, ratings: ratings, tracker: form.tracker, seq: form.seq)
    }

    @Sendable func slipBatches(_ request: Request, context: MinpingContext) async throws -> Batches {
        let record = try await evaluation(context, .admin)
        return Batches(batches: try await service.slipBatches(record.id), electorate: record.electorate,
                       slips: record.lifecycle.slips, codes: record.lifecycle.codes,
                       issuing: record.state == .draft || record.state == .open)
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
        let tokenRequest: TokenRequest
        do {
            guard let bytes = Data(base64URLEncoded: body.tokenRequest.text) else { throw TokenError.badEncoding }
            tokenRequest = try TokenRequest(bytes: bytes)
        } catch {
            throw Problem(.malformedRequest, "token_request must be a base64url RFC 9578 TokenRequest (\(error))")
        }
        let response = try await service.issueToken(record.id, code: body.code.text, request: tokenRequest)
        return TokenIssued(tokenResponse: response.bytes.base64URLEncodedString)
    }

    struct TokenStatusRequest: Decodable { let token: String }

    struct TokenStatus: JSONResponse {
        let spent: Bool
    }

    /// Whether a token slip was used already (public: only its holder has the token).
    @Sendable func tokenStatus(_ request: Request, context: MinpingContext) async throws -> TokenStatus {
        let record = try await evaluation(context)
        let body = try await Body.decode(TokenStatusRequest.self, request)
        return TokenStatus(spent: try await service.tokenSpent(record.id, token: body.token))
    }

    /// A drill's one slip: where it points and its QR code to scan off the screen.
    struct DrillSlip: JSONResponse {
        let evaluation: String, url: String, qrSVG: String, https: Bool
        var status: HTTPResponse.Status { .created }

        enum CodingKeys: String, CodingKey { case evaluation, url, qrSVG = "qr_svg", https }
    }
}
