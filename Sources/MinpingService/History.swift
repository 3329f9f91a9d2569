import Foundation
import MinpingCore
import MinpingLog

extension EvaluationService {
    /// How many rounds back a history follows `previous` (a community's decades, with room).
    public static let historyDepth = 50

    /// The definitions along `previous` from `id` (itself first), at most ``historyDepth``,
    /// stopping at a loop or at an earlier round no longer stored (`id` itself must exist).
    public nonisolated func roundsAlongPrevious(from id: String) async throws -> [EvaluationDefinition] {
        var rounds: [EvaluationDefinition] = []
        var next: String? = id
        var seen: Set<String> = []
        while let current = next, seen.count < Self.historyDepth, seen.insert(current).inserted {
            let definition: EvaluationDefinition
            do {
                definition = try await self.definition(current)
            } catch ServiceError.notFound where current != id {
                break  // an earlier round gone from this database ends the chain
            }
            rounds.append(definition)
            next = definition.previous
        }
        return rounds
    }

    /// Stars over the rounds (SPEC §7 `GET /history`): this evaluation, which must have
    /// published results and not be annulled, and each earlier round along `previous` that
    /// has; an unpublished (or annulled, or no longer stored) round is skipped and the chain
    /// followed through it. `results`: this evaluation's, when the caller has just read them
    /// (and checked it is not annulled), so they are not read twice.
    public nonisolated func history(_ id: String, results known: EvaluationResults? = nil) async throws -> StarHistory {
        var rounds: [(round: StarHistory.Round, results: EvaluationResults)] = []
        for definition in try await roundsAlongPrevious(from: id) {
            let current = definition.id
            do {
                let results: EvaluationResults
                if current == id, let known {
                    results = known
                } else {
                    // An annulled round published nothing that holds: no stars of its own to
                    // show, and no round to compare with; nor does an earlier round whose
                    // remedies wait to be published (its published stars are no longer all true).
                    let record = try await record(current)
                    if record.state == .annulled || (current != id && record.lifecycle.republicationDue) {
                        throw ServiceError.resultsNotPublished
                    }
                    results = try await self.results(current)
                }
                guard let stage = results.stage else { throw integrityFailure(current, "published results without a stage") }
                rounds.append((.init(evaluation: current, title: definition.title, stage: stage), results))
            } catch ServiceError.resultsNotPublished where current != id {
                // skipped: not published (yet, or annulled)
            }
        }
        return StarHistory(rounds: rounds)
    }

    /// The rounds a new round following `id` must keep its ids consistent with (SPEC §1), each
    /// with the names its published corrections gave (a corrected name is the person's name).
    public nonisolated func identityChain(from id: String) async throws -> IdentityChain {
        var rounds: [EvaluationDefinition] = []
        for definition in try await roundsAlongPrevious(from: id) {
            let published: EvaluationResults?
            do {
                published = try await results(definition.id)
            } catch ServiceError.resultsNotPublished {
                published = nil
            }
            rounds.append(definition.corrected(by: published))
        }
        return IdentityChain(rounds: rounds)
    }

    /// When an annulled evaluation was annulled (its `annulled` entry), for the board.
    public nonisolated func annulledAt(_ id: String) async throws -> Date? {
        guard case let .annulled(at, _)? = try await latestEvent(id, type: .annulled) else { return nil }
        return at
    }

    /// When the latest published results were published.
    public nonisolated func publishedAt(_ id: String) async throws -> Date? {
        guard case let .results(_, at, _)? = try await latestEvent(id, type: .results) else { return nil }
        return at
    }

    /// A day in the street's time zone, as people write it: 2026年12月7日.
    public nonisolated func localDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = configuration.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(parts.year ?? 0)年\(parts.month ?? 0)月\(parts.day ?? 0)日"
    }
}
