import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

extension EvaluationService {
    // MARK: Appeals

    public func fileAppeal(_ id: String, subject: String?, text: String) async throws -> String {
        let context = try await context(id)
        if let problem = TextRules.freeTextProblem(text, field: "text", maximumBytes: Self.maximumFreeTextBytes) {
            throw ServiceError.appealInvalid(problem)
        }
        if let subject, !context.definition.subjects.contains(where: { $0.id == subject }) {
            throw ServiceError.appealInvalid("subject '\(subject)' is not in this evaluation")
        }
        let at = now()
        // Ids are a-1, a-2, …, counted under the lock, so two appeals filed at once differ.
        return try await locked(id) {
            let appealID = "a-\(try await store.appeals(evaluation: id).count + 1)"
            try await commitStep(id) { head, _ in
                ([try head.append(.appealFiled(appeal: appealID, subject: subject, textSHA256: Self.hash(text)))],
                 [.lifecycle(.appealFiled(id: appealID)),
                  .storeAppeal(AppealRecord(evaluation: id, id: appealID, subject: subject, text: text, filedAt: at))])
            }
            return appealID
        }
    }

    /// An appeal's text, a resolution's note, an annulment's reason: at most this many bytes.
    public static let maximumFreeTextBytes = 20_000

    public nonisolated func appeals(_ id: String) async throws -> [AppealRecord] {
        try await store.appeals(evaluation: id)
    }
}
