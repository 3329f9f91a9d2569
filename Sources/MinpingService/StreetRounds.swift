import Foundation
import MinpingCore
import MinpingLog
import MinpingStore

/// A street's round (SPEC §2 `round`, §7): its evaluations of one period side by side, for the
/// street's star board and the ledger. Only published results are counted; the others show
/// their stage.
public struct StreetRound: Sendable {
    public struct Community: Sendable {
        public let record: EvaluationRecord
        public let definition: EvaluationDefinition
        /// Published results, nil before any are.
        public let results: EvaluationResults?
        /// Stars over the rounds along `previous`, when published.
        public let history: StarHistory?
        /// The log's latest checkpoint: the proof reference of what the results say.
        public let checkpoint: Checkpoint
    }

    public let street: String
    public let streetName: String?
    public let round: String
    /// In the street's order: by community, then evaluation id.
    public let communities: [Community]
}

/// The front page's listing: every evaluation with its definition, and each street's rounds.
public struct FrontPage: Sendable {
    public let evaluations: [(record: EvaluationRecord, definition: EvaluationDefinition)]
    public let rounds: [String: [StreetRoundSummary]]
}

/// One round of a street as `GET /streets/{street}/rounds` lists it.
public struct StreetRoundSummary: Sendable, Equatable {
    public let round: String
    public let evaluations: Int
    public let published: Int
}

extension EvaluationService {
    /// The rounds a street's evaluations name, newest name first.
    public nonisolated func streetRounds(_ street: String) async throws -> [StreetRoundSummary] {
        Self.rounds(of: try await evaluations(street: street))
    }

    /// What the front page lists: every evaluation (drills left out) and every street's rounds,
    /// read once per viewStamp.
    public nonisolated func frontPage() async throws -> FrontPage {
        let stamp = try await viewStamp()
        if let cached = frontPageCache.withLock({ $0 }), cached.stamp == stamp { return cached.page }
        let listing = try await evaluations()
        let page = FrontPage(evaluations: listing, rounds: Dictionary(grouping: listing, by: \.record.street).mapValues(Self.rounds(of:)))
        frontPageCache.withLock { $0 = (stamp, page) }
        return page
    }

    /// Whether what an evaluation published may be shown away from its own board (which says
    /// why when not): not once annulled, and not while a remedy waits to be published (a star
    /// withheld, a name corrected, a supplementary round): what it published then is no
    /// longer all true, and the street board, the district and later rounds say nothing of it.
    public static func resultsHold(_ record: EvaluationRecord) -> Bool {
        record.lifecycle.resultsPublic && record.state != .annulled && !record.lifecycle.republicationDue
    }

    static func rounds(of listing: [(record: EvaluationRecord, definition: EvaluationDefinition)]) -> [StreetRoundSummary] {
        var rounds: [String: (evaluations: Int, published: Int)] = [:]
        for (record, definition) in listing {
            guard let round = definition.round else { continue }
            rounds[round, default: (0, 0)].evaluations += 1
            // As the street board counts them.
            if resultsHold(record) { rounds[round, default: (0, 0)].published += 1 }
        }
        return rounds.map { StreetRoundSummary(round: $0.key, evaluations: $0.value.evaluations, published: $0.value.published) }
            .sorted { $0.round > $1.round }
    }

    /// Every evaluation of the street in the round, each with its published results (if any).
    /// 404 when the street has none in that round.
    public nonisolated func streetRound(_ street: String, round: String) async throws -> StreetRound {
        let stamp = try await viewStamp()
        let key = street + "\n" + round
        if let cached = streetRoundCache.withLock({ $0[key] }), cached.stamp == stamp { return cached.round }
        let read = try await streetRound(street, round: round, listing: try await evaluations(street: street), names: try await streetNames())
        streetRoundCache.withLock { $0[key] = (stamp, read) }
        return read
    }

    /// What the street and district views show moves only with a log step (each adds a
    /// checkpoint, on any instance) or a street's name: while this is the same, a view read
    /// before is still true (ballots cast since the last batch show with the next one, seconds later).
    public nonisolated func viewStamp() async throws -> String {
        let names = try await streetNames().sorted { $0.key < $1.key }.map { $0.key + "=" + $0.value }.joined(separator: "\n")
        return "\(try await store.checkpointCount())\n" + names
    }

    /// streetRound from a listing already read (the district's roll-up reads it once for every street).
    nonisolated func streetRound(_ street: String, round: String, listing: [(record: EvaluationRecord, definition: EvaluationDefinition)],
                                 names: [String: String]) async throws -> StreetRound {
        let chosen = listing.filter { $0.record.street == street && $0.definition.round == round }
        guard !chosen.isEmpty else { throw ServiceError.notFound("round '\(round)' of street '\(street)'") }
        // Each community's reads are its own: read side by side, a board read cold waits for
        // one community's round trips rather than for all of them in turn (BENCHMARKS.md,
        // issue 35: PostgreSQL's cold street board).
        var communities = try await withThrowingTaskGroup(of: StreetRound.Community.self) { group in
            for (record, definition) in chosen {
                group.addTask { try await self.community(record, definition) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        communities.sort { ($0.definition.community ?? "", $0.record.id) < ($1.definition.community ?? "", $1.record.id) }
        return StreetRound(street: street, streetName: names[street], round: round, communities: communities)
    }
}

extension EvaluationService {
    /// One community of a street's round: its published results and star history (if any)
    /// and its log's latest checkpoint.
    private nonisolated func community(_ record: EvaluationRecord, _ definition: EvaluationDefinition) async throws -> StreetRound.Community {
        var results: EvaluationResults?
        var history: StarHistory?
        if Self.resultsHold(record) {
            let published = try await self.results(record.id)
            results = published
            history = try await self.history(record.id, results: published)
        }
        return StreetRound.Community(record: record, definition: definition, results: results, history: history,
                                     checkpoint: try await parsedCheckpoint(record.id))
    }
}

extension EvaluationService {
    /// Every street's evaluations of one round (SPEC §7 `GET /rounds/{round}`, the district's
    /// roll-up), street by street in slug order. Empty when no street names the round.
    public nonisolated func districtRound(_ round: String) async throws -> [StreetRound] {
        let stamp = try await viewStamp()
        if let cached = districtCache.withLock({ $0[round] }), cached.stamp == stamp { return cached.streets }
        let read = try await readDistrictRound(round)
        districtCache.withLock { $0[round] = (stamp, read) }
        return read
    }

    nonisolated func readDistrictRound(_ round: String) async throws -> [StreetRound] {
        let listing = try await evaluations().filter { $0.definition.round == round }
        let names = try await streetNames()
        var rounds: [StreetRound] = []
        for street in Set(listing.map(\.record.street)).sorted() {
            rounds.append(try await streetRound(street, round: round, listing: listing, names: names))
        }
        return rounds
    }
}
