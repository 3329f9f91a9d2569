import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

extension EvaluationService {
    // MARK: Appeals

    public func fileAppeal(_ id: String, subject: String?, text: String) async throws -> String {
        let context = try await context(id)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.utf8.count <= 20_000 else {
            throw ServiceError.appealInvalid("text must be given, at most 20000 bytes")
        }
        if let subject, !context.definition.subjects.contains(where: { $0.id == subject }) {
            throw ServiceError.appealInvalid("subject '\(subject)' is not in this evaluation")
        }
        let at = now()
        // Ids are a-1, a-2, …, counted under the lock, so two appeals filed at once differ.
        return try await locked(id) {
            let appealID = "a-\(try await store.appeals(evaluation: id).count + 1)"
            try await commitStep(id) { head, record in
                guard record.state == .preliminary else { throw ServiceError.invalidTransition(from: record.state, action: "appeal") }
                let entry = head.append(.appealFiled, Entries.appealFiled(appeal: appealID, subject: subject, textSHA256: Self.hash(text)))
                return ([entry], [.fileAppeal(AppealRecord(evaluation: id, id: appealID, subject: subject, text: text, filedAt: at))])
            }
            return appealID
        }
    }

    public func resolveAppeal(_ id: String, appeal: String, upheld: Bool, note: String) async throws {
        let appeals = try await store.appeals(evaluation: id)
        guard let existing = appeals.first(where: { $0.id == appeal }) else { throw ServiceError.notFound("appeal '\(appeal)'") }
        guard existing.outcome == nil else { throw ServiceError.alreadyResolved(appeal) }
        try await step(id) { head, record in
            guard record.state == .preliminary else { throw ServiceError.invalidTransition(from: record.state, action: "resolve an appeal of") }
            let entry = head.append(.appealResolved, Entries.appealResolved(appeal: appeal, upheld: upheld, noteSHA256: Self.hash(note)))
            return ([entry], [.resolveAppeal(evaluation: id, id: appeal, outcome: upheld ? "upheld" : "dismissed", note: note)])
        }
    }

    public nonisolated func appeals(_ id: String) async throws -> [AppealRecord] {
        try await store.appeals(evaluation: id)
    }
}
