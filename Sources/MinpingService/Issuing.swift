import Crypto
import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

extension EvaluationService {
    // MARK: Issuing tokens

    /// Signs `count` slips and records `slips_issued`. The server keeps no token, only the count.
    public nonisolated func issueSlips(_ id: String, count: Int) async throws -> [PublicToken] {
        try await issueSlipBatch(id, count: count).tokens
    }

    /// The same, as a batch (SPEC §4): its id comes back with the tokens. Token slips are not
    /// stored, so their batch cannot be voided. Nonisolated: signing thousands of slips takes
    /// seconds and must not hold up the actor.
    /// - Parameter kind: `.token` for token slips, `.paper` for paper forms (测评表, SPEC §4),
    ///   which carry a token the same way and count as slips.
    public nonisolated func issueSlipBatch(_ id: String, count: Int, kind: SlipBatch.Kind = .token) async throws
        -> (batch: String, tokens: [PublicToken]) {
        guard kind != .code else { throw ServiceError.malformed("code slips are made by createCodeBatch, not signed") }
        guard (1...10_000).contains(count) else { throw ServiceError.malformed("count must be between 1 and 10000") }
        // Asked before the seconds of signing; the step asks again when it commits.
        var lifecycle = try await record(id).lifecycle
        let context = try await currentContext(id, round: lifecycle.round)
        try Self.checked { () throws(LifecycleRefusal) in try lifecycle.apply(.slipsIssued(count: count)) }
        // One private-key operation per slip, on every core.
        let key = context.issuingKey, challenge = context.challenge
        let tokens = try Array(0..<count).parallelMap(minimum: 16) { _ in
            Result { () throws(TokenError) in try key.signSlip(for: challenge) }
        }.map { try $0.get() }
        let batch = SlipBatch(id: SlipBatch.newID(), kind: kind, count: count, createdAt: now())
        try await step(id) { head, record in
            // Signed under this round's key: a round that opened meanwhile refuses them.
            guard record.lifecycle.round == context.round else {
                throw ServiceError.busy("a new round opened meanwhile; issue the slips again")
            }
            return ([try head.append(.slipsIssued(count: count, issued: record.issued + count))],
                    [.lifecycle(.slipsIssued(count: count)), .recordBatch(batch)])
        }
        return (batch.id, tokens)
    }

    /// The URL printed on a slip: the token travels in the fragment, never to the server's logs.
    public nonisolated func slipURL(_ id: String, token: PublicToken) -> String {
        pageURL("/vote/\(id)#t=\(token.base64URL)")
    }

    /// The URL printed on a code slip: the code travels in the fragment; the voting page makes
    /// the token from it by blind issuance.
    public nonisolated func codeSlipURL(_ id: String, code: String) -> String {
        pageURL("/vote/\(id)#c=\(code)")
    }

    /// A page's address as people outside reach it (`--public-url`).
    public nonisolated func pageURL(_ path: String) -> String {
        "\(configuration.publicBaseURL)\(path)"
    }

    /// Makes one-time enrollment codes for remote voting; only their hashes are stored.
    public nonisolated func createEnrollmentCodes(_ id: String, count: Int) async throws -> [String] {
        try await createCodeBatch(id, count: count).codes
    }

    /// The same, as a batch (SPEC §4) that can be voided while none of its codes is used.
    public nonisolated func createCodeBatch(_ id: String, count: Int) async throws -> (batch: String, codes: [String]) {
        guard (1...10_000).contains(count) else { throw ServiceError.malformed("count must be between 1 and 10000") }
        let codes = (0..<count).map { _ in Self.enrollmentCode() }
        let batch = SlipBatch(id: SlipBatch.newID(), kind: .code, count: count, createdAt: now())
        do {
            try await store.addEnrollmentCodes(evaluation: id, hashes: codes.map(Self.hash), batch: batch)
        } catch let error as StoreError {
            throw translate(error, evaluation: id)
        }
        return (batch.id, codes)
    }

    /// Every batch of slips and codes, oldest first, with its codes used.
    public nonisolated func slipBatches(_ id: String) async throws -> [SlipBatch] {
        _ = try await record(id)
        return try await store.slipBatches(evaluation: id)
    }

    /// Voids a batch of code slips none of which was used (a lost or spoiled batch, SPEC §4):
    /// its codes stop working and no longer count against the electorate; `slips_voided` in
    /// the log. A token batch cannot be voided (its tokens are not stored): 409.
    public func voidBatch(_ id: String, batch: String) async throws {
        guard let found = try await store.slipBatches(evaluation: id).first(where: { $0.id == batch }) else {
            throw ServiceError.notFound("batch '\(batch)'")
        }
        guard found.kind == .code else {
            throw ServiceError.refused(.invalidTransition(from: try await record(id).state,
                                                          action: "void token slips (they are not stored, so they cannot be voided) of"))
        }
        guard !found.voided else { throw ServiceError.notFound("batch '\(batch)' (it is voided already)") }
        try await step(id) { head, record in
            ([try head.append(.slipsVoided(batch: batch, count: found.count, issued: record.issued))],
             [.lifecycle(.codesVoided(count: found.count)), .voidBatch(id: batch)])
        }
        logger.info("slip batch voided", metadata: ["evaluation": "\(id)", "batch": "\(batch)", "count": "\(found.count)"])
    }

    /// 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L): about 80 bits.
    nonisolated static func enrollmentCode() -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        let characters = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] }
        return String(characters[0..<4]) + "-" + String(characters[4..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16])
    }

    /// The code as issued (four groups of four, e.g. 7K3M-Q9TW-2HPX-R4VZ) whatever the case,
    /// spaces and dashes typed.
    nonisolated static func canonicalCode(_ text: String) -> String {
        let characters = Array(text.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
        guard characters.count == 16 else { return text }
        return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// Blind issuance: consumes the code and signs the blinded request, recording
    /// `token_issued`. The server never sees the token it helps make. The answer is kept with
    /// the code: the same request sent again (the answer was lost on the way) gets the same
    /// answer and records nothing; another request with a used code is refused.
    public func issueToken(_ id: String, code: String, request: TokenRequest) async throws -> TokenResponse {
        let context = try await currentContext(id, round: record(id).lifecycle.round)
        let codeHash = Self.hash(Self.canonicalCode(code))
        let requestHash = Data(SHA256.hash(data: request.bytes)).hex
        do {
            // No signing work for a code that cannot be redeemed (this endpoint is public).
            guard try await store.enrollmentCodeUnused(evaluation: id, hash: codeHash) else {
                return try await keptAnswer(id, codeHash: codeHash, requestHash: requestHash)
            }
            let response: TokenResponse
            do {
                response = try context.issuingKey.respond(to: request)
            } catch {
                throw ServiceError.malformed("token_request: \(error)")
            }
            let answer = CodeAnswer(request: requestHash, response: response.bytes)
            try await step(id) { head, record in
                guard record.lifecycle.round == context.round else { throw ServiceError.busy("a new round opened meanwhile; try again") }
                return ([try head.append(.tokenIssued(issued: record.issued + 1))],
                        [.lifecycle(.tokenIssued), .redeemEnrollmentCode(hash: codeHash, answer: answer)])
            }
            return response
        } catch ServiceError.codeInvalid {
            // Two copies of one request racing: the one that lost gets the winner's answer.
            return try await keptAnswer(id, codeHash: codeHash, requestHash: requestHash)
        }
    }

    /// The answer kept with a used code, for the same request only; a kept answer that is
    /// not a TokenResponse is an integrity failure (STYLE 13), never a refused code.
    private func keptAnswer(_ id: String, codeHash: String, requestHash: String) async throws -> TokenResponse {
        guard let answer = try await store.enrollmentCodeAnswer(evaluation: id, hash: codeHash), answer.request == requestHash else {
            throw ServiceError.codeInvalid
        }
        do {
            return try TokenResponse(bytes: answer.response)
        } catch {
            throw integrityFailure(id, "the answer kept with an enrollment code is not a TokenResponse: \(error)")
        }
    }
}

// MARK: 扫码试投: one slip of a throwaway drill

extension EvaluationService {
    /// The title every drill evaluation has: with the `drill-` id prefix, what marks one.
    public static let drillTitle = "扫码试投（演练，不计入任何测评）"

    /// Whether an evaluation is a drill: listed nowhere, counted nowhere.
    public static func isDrill(_ id: String, title: String) -> Bool {
        id.hasPrefix("drill-") && title == drillTitle
    }

    /// One code slip of a new throwaway evaluation, open for voting, for a street to scan with a
    /// phone before printing for real: it shows whether phones reach the printed address and can
    /// make the anonymous ballot there (code slips need HTTPS). Drills are kept out of every list.
    public nonisolated func drillSlip(street: String) async throws -> (evaluation: String, url: String) {
        let stamp = String(UInt64.random(in: 0..<(1 << 40)), radix: 36)
        let id = "drill-\(street.prefix(40))-\(stamp)"
        let definition = """
            {"id":"\(id)","title":"\(Self.drillTitle)","street":"\(street)","electorate":1,"publicity_days":0,
             "organizations":[{"id":"o-1","name":"演练党支部"}],
             "members":[{"id":"m-1","name":"演练对象","organization":"o-1"}]}
            """
        _ = try await create(try DefinitionParser.parse(bytes: Data(definition.utf8), file: "drill"))
        let code = try await createEnrollmentCodes(id, count: 1)[0]
        _ = try await open(id)
        return (id, codeSlipURL(id, code: code))
    }
}

extension EvaluationService {
    /// How a paper form was recorded (SPEC §4, §7 `GET /evaluations/{id}/forms/{表号}`): the
    /// ratings of the ballot whose token's 表号 is `number`, its tracker, and its place in the
    /// log once integrated; nil while no ballot of that form was cast. Whoever holds the stub
    /// with the 表号 can see these ratings, as the README says.
    public nonisolated func paperForm(_ id: String, number: String) async throws -> PaperFormRecord? {
        _ = try await record(id)
        guard PaperForm.isNumber(number) else { return nil }
        // Every stored token was checked when its ballot was accepted: one that does not parse now
        // is damage, never "not this form".
        func matches(_ token: String) throws -> Bool {
            do {
                return PaperForm.number(of: try PublicToken(base64URL: token)) == number
            } catch {
                throw integrityFailure(id, "a stored ballot's token does not parse")
            }
        }
        let size = try await store.logSize(evaluation: id)
        for stored in try await store.entries(evaluation: id, range: 0..<size) where stored.type == EntryType.ballot.rawValue {
            let (entry, event) = try read(id, stored)
            if case let .ballot(token, ratings) = event, try matches(token) {
                return PaperFormRecord(number: number, ratings: ratings, tracker: Tracker.of(token: token, ratings: ratings), seq: entry.seq)
            }
        }
        for pending in try await store.pendingBallots(evaluation: id) where try matches(pending.token) {
            let ratings = try StoredRatings.decode(pending.storedRatings)
            return PaperFormRecord(number: number, ratings: ratings, tracker: Tracker.of(token: pending.token, ratings: ratings), seq: nil)
        }
        return nil
    }
}

/// A paper form as recorded: its 表号, the ratings keyed, the ballot's tracker and its log
/// position (nil while it waits to be integrated).
public struct PaperFormRecord: Sendable, Equatable {
    public let number: String
    public let ratings: [String: String]
    public let tracker: String
    public let seq: Int?
}
