import Foundation
import MinpingCore
import MinpingStore
import MinpingTokens

/// One subject two tellers keyed differently: each entry's option, nil for blank.
public struct CountDifference: Sendable, Equatable {
    public let subject: String
    public let first: String?
    public let second: String?
}

/// What became of a form keyed at the desk.
public enum CountOutcome: Sendable, Equatable {
    /// The first entry: kept under the 表号 until a second teller keys the form.
    case awaitingSecond(form: String)
    /// Two equal entries (or the scrutineer's decision): cast as any ballot is.
    case cast(form: String, tracker: String)
}

extension EvaluationService {
    /// The tellers' desk (SPEC §4, §7 `POST /evaluations/{id}/count`): a paper form's marks as
    /// one teller keyed them. The first entry waits under the form's 表号; a second entry from
    /// another teller that equals it casts the ballot exactly as `POST /ballots` does; one
    /// that differs is kept beside it for the scrutineer (`entriesDiffer`). A form already
    /// cast is refused (`tokenSpent`), and so is a second entry by the first teller.
    /// - Parameter teller: who keyed it: an API key's id or an account's user name.
    public nonisolated func count(_ id: String, token: String, ratings: [String: String], teller: String) async throws -> CountOutcome {
        let record = try await record(id)
        guard record.state == .open else { throw ServiceError.refused(.notOpen(record.state)) }
        let parsed: PublicToken
        do {
            parsed = try PublicToken(base64URL: token)
        } catch {
            throw ServiceError.tokenInvalid("\(error)")
        }
        // The token must be this round's and unspent before anything is kept.
        if try await tokenSpent(id, token: token) {
            try await store.removeCountEntry(evaluation: id, form: PaperForm.number(of: parsed))
            throw ServiceError.tokenSpent
        }
        try await checkRatings(id, ratings)
        let form = PaperForm.number(of: parsed)
        if try await store.addCountEntry(CountEntry(evaluation: id, form: form, token: token, ratings: ratings, teller: teller)) {
            return .awaitingSecond(form: form)
        }
        guard let first = try await store.countEntry(evaluation: id, form: form) else {
            // Cast and removed meanwhile by another desk.
            throw ServiceError.tokenSpent
        }
        guard first.teller != teller else { throw ServiceError.sameTeller }
        let differences = Self.differences(first.ratings, ratings, subjects: try await definition(id).subjects.map(\.id))
        guard differences.isEmpty else {
            try await store.setSecondCountEntry(evaluation: id, form: form, ratings: ratings, teller: teller)
            throw ServiceError.entriesDiffer(differences)
        }
        return .cast(form: form, tracker: try await castCounted(id, form: form, token: first.token, ratings: ratings))
    }

    /// The scrutineer's decision on a form the tellers keyed differently (SPEC §7 `POST
    /// /evaluations/{id}/count/{form}/settle`): the ratings read off the paper, cast.
    public nonisolated func settleCount(_ id: String, form: String, ratings: [String: String]) async throws -> CountOutcome {
        guard let entry = try await store.countEntry(evaluation: id, form: form.uppercased()) else {
            throw ServiceError.notFound("form '\(form)' waiting at the desk")
        }
        try await checkRatings(id, ratings)
        return .cast(form: entry.form, tracker: try await castCounted(id, form: entry.form, token: entry.token, ratings: ratings))
    }

    /// Once voting has ended no waiting form can be cast: its entries (a token, one teller's
    /// marks) are deleted, and how many is logged for the street.
    nonisolated func purgeCountEntries(_ id: String) async throws {
        let waiting = try await store.countEntries(evaluation: id)
        guard !waiting.isEmpty else { return }
        for entry in waiting { try await store.removeCountEntry(evaluation: id, form: entry.form) }
        logger.warning("paper forms keyed once or in dispute were not counted before voting ended; their entries are deleted",
                       metadata: ["evaluation": "\(id)", "forms": "\(waiting.count)"])
    }

    /// The forms waiting at the desk: first entries, and those in dispute.
    public nonisolated func countEntries(_ id: String) async throws -> [CountEntry] {
        _ = try await record(id)
        return try await store.countEntries(evaluation: id)
    }

    /// Casts a counted form as any ballot, then forgets its entry. A crash between the two
    /// leaves an entry whose token is spent: the next scan of the form removes it.
    private nonisolated func castCounted(_ id: String, form: String, token: String, ratings: [String: String]) async throws -> String {
        do {
            let tracker = try await castBallot(id, token: token, ratings: ratings)
            try await store.removeCountEntry(evaluation: id, form: form)
            return tracker
        } catch ServiceError.tokenSpent {
            try await store.removeCountEntry(evaluation: id, form: form)
            throw ServiceError.tokenSpent
        }
    }

    /// The ratings a ballot may carry in the current round (known subjects and options, the
    /// round's subjects only), checked before an entry is kept.
    private nonisolated func checkRatings(_ id: String, _ ratings: [String: String]) async throws {
        let definition = try await definition(id)
        do {
            try Tally(definition: definition).check(ratings: ratings)
        } catch {
            throw ServiceError.ballotInvalid("\(error)")
        }
        if let subjects = try await currentRound(id).subjects, let outside = ratings.keys.first(where: { !subjects.contains($0) }) {
            throw ServiceError.ballotInvalid("subject '\(outside)' is not rated in this round")
        }
    }

    static func differences(_ first: [String: String], _ second: [String: String], subjects: [String]) -> [CountDifference] {
        subjects.compactMap { subject in
            first[subject] == second[subject] ? nil : CountDifference(subject: subject, first: first[subject], second: second[subject])
        }
    }
}
