import Foundation
import MinpingCore
import MinpingStore

extension EvaluationService {
    // MARK: Streets' display names (SPEC §8 `minping streets`)

    /// Every street's display name by slug (streets without one are absent).
    public nonisolated func streetNames() async throws -> [String: String] {
        try await store.streetNames()
    }

    /// What people read for a street: its display name (城区街道), or the slug if it has none.
    public nonisolated func streetName(_ slug: String) async throws -> String {
        try await store.streetNames()[slug] ?? slug
    }

    /// Names a street. `adding`: refuse a street that is named already (`streets add`).
    public nonisolated func setStreetName(street: String, name: String, adding: Bool = false) async throws {
        guard DefinitionParser.isSlug(street) else {
            throw ServiceError.malformed("'\(street)' is not a street slug: use 1 to 64 of a-z, 0-9 and '-'")
        }
        if let problem = Self.streetNameProblem(name) { throw ServiceError.textInvalid(problem) }
        if adding, let existing = try await store.streetNames()[street] {
            throw ServiceError.malformed("street '\(street)' is already named \(existing); use streets set-name to rename it")
        }
        try await store.setStreetName(street: street, name: name)
    }

    /// SPEC §2's name rules: visible, one line, at most 200 characters, nothing forbidden.
    static func streetNameProblem(_ name: String) -> String? {
        if TextRules.isBlank(name) { return "the street's name must hold a visible character" }
        if let bad = TextRules.forbidden(in: name) {
            return "the street's name contains \(TextRules.codePoint(bad)), a control character, noncharacter or bidi control"
        }
        if name.count > DefinitionParser.maximumTextLength { return "the street's name must be at most \(DefinitionParser.maximumTextLength) characters" }
        return nil
    }
}
