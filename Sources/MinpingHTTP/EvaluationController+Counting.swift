import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore

/// The tellers' desk (计票台, SPEC §4, §7): paper forms keyed twice by two tellers, the
/// scrutineer's decision when they differ, and the desk's counters.
extension EvaluationController {
    struct CountedForm: Decodable {
        let token: String
        let ratings: [String: String]
    }

    struct Counted: JSONResponse {
        /// awaiting_second or cast.
        let state: String, form: String
        @OmittedIfNil var tracker: String?
        var status: HTTPResponse.Status { .accepted }
    }

    struct SettleRequest: Decodable { let ratings: [String: String] }

    /// The desk's view: forms waiting for a second entry, and those in dispute with both
    /// entries side by side (never public).
    struct Desk: JSONResponse {
        struct Waiting: Encodable {
            let form: String
            /// Only for a form in dispute: each entry, for the scrutineer.
            @OmittedIfNil var first: JSONValue?
            @OmittedIfNil var second: JSONValue?
        }

        let counted: Int, awaitingSecond: [Waiting], disputes: [Waiting]
    }

    /// The caller's key if it may count this evaluation: its street's admin (or an operator), or
    /// a teller of this very evaluation.
    func counter(_ context: MinpingContext, _ record: EvaluationRecord) throws -> APIKeyRecord {
        let key = try context.require(.counter, street: record.street)
        guard key.role != .teller || key.evaluation == record.id else {
            throw Problem(.forbidden, "this teller key counts another evaluation")
        }
        return key
    }

    /// Who keyed an entry: an account's user name, or an API key's id.
    static func teller(_ key: APIKeyRecord) -> String {
        key.hash.hasPrefix("account:") ? key.hash : "key:\(key.id)"
    }

    @Sendable func count(_ request: Request, context: MinpingContext) async throws -> Counted {
        let record = try await evaluation(context)
        let key = try counter(context, record)
        let body = try await Body.decode(CountedForm.self, request)
        do {
            switch try await service.count(record.id, token: body.token, ratings: body.ratings, teller: Self.teller(key)) {
            case let .awaitingSecond(form): return Counted(state: "awaiting_second", form: form, tracker: nil)
            case let .cast(form, tracker): return Counted(state: "cast", form: form, tracker: tracker)
            }
        } catch let ServiceError.entriesDiffer(differences) {
            var problem = Problem(.entriesDiffer, ServiceError.entriesDiffer(differences).description)
            problem.extensions = [("differences", .array(differences.map { difference in
                .object([("subject", .string(difference.subject)), ("first", difference.first.map(JSONValue.string) ?? .null),
                         ("second", difference.second.map(JSONValue.string) ?? .null)])
            }))]
            throw problem
        }
    }

    @Sendable func settle(_ request: Request, context: MinpingContext) async throws -> Counted {
        let record = try await evaluation(context, .admin)
        let form = try context.parameters.require("form")
        let body = try await Body.decode(SettleRequest.self, request)
        guard case let .cast(number, tracker) = try await service.settleCount(record.id, form: form, ratings: body.ratings) else {
            throw Problem(.internal, "a settled form was not cast")
        }
        return Counted(state: "cast", form: number, tracker: tracker)
    }

    @Sendable func desk(_ request: Request, context: MinpingContext) async throws -> Desk {
        let record = try await evaluation(context)
        _ = try counter(context, record)
        let entries = try await service.countEntries(record.id)
        func object(_ ratings: [String: String]) -> JSONValue { .object(ratings.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }) }
        return Desk(counted: record.ballots,
                    awaitingSecond: entries.filter { $0.secondRatings == nil }.map { Desk.Waiting(form: $0.form) },
                    disputes: entries.compactMap { entry in
                        entry.secondRatings.map { Desk.Waiting(form: entry.form, first: object(entry.ratings), second: object($0)) }
                    })
    }
}
