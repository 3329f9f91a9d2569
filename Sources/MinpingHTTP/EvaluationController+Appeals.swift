import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore
import MinpingTokens

/// Appeals, their resolution with a remedy, and the street's veto (SPEC §6, §7).
extension EvaluationController {
    struct Appeals: JSONResponse {
        struct Appeal: Encodable {
            let id: String, subject: String?, subjectName: String?, text: String, filedAt: Date
            let outcome: AppealOutcome?, note: String?
            /// The remedy an upheld appeal was resolved with, as its log entry gives it.
            let remedy: JSONValue?
        }

        struct Withholding: Encodable {
            let subject: String, star: String
        }

        let appeals: [Appeal]
        /// Every star withheld so far (by an appeal or the street's veto), whether or not the
        /// published results show it yet: the reviewer's form offers only stars still held.
        let withheld: [Withholding]

        init(appeals: [AppealRecord], definition: EvaluationDefinition, amendments: Amendments) {
            withheld = definition.subjects.flatMap { subject in
                (amendments.withheld[subject.id] ?? []).map { Withholding(subject: subject.id, star: $0.star) }
            }
            let names = Dictionary(uniqueKeysWithValues: definition.subjects.map { ($0.id, $0.name) })
            let remedies = Dictionary(amendments.remedies.compactMap { taken in taken.appeal.map { ($0, taken.remedy) } },
                                      uniquingKeysWith: { first, _ in first })
            self.appeals = appeals.map { appeal in
                Appeal(id: appeal.id, subject: appeal.subject, subjectName: appeal.subject.flatMap { names[$0] }, text: appeal.text,
                       filedAt: appeal.filedAt, outcome: appeal.outcome, note: appeal.note, remedy: remedies[appeal.id]?.jsonValue)
            }
        }
    }

    struct AppealRequest: Decodable {
        let subject: String?
        let text: String
    }

    struct AppealFiled: JSONResponse {
        let appeal: String
        var status: HTTPResponse.Status { .created }
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
    }

    struct Resolved: JSONResponse {
        let appeal: String, outcome: AppealOutcome
        @OmittedIfNil var remedy: RemedyKind?
    }

    @Sendable func appeals(_ request: Request, context: MinpingContext) async throws -> Appeals {
        let record = try await evaluation(context, .adminOrReviewer)
        return Appeals(appeals: try await service.appeals(record.id), definition: try await service.definition(record.id),
                       amendments: try await service.amendments(record.id))
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
}
