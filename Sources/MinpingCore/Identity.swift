/// Identity across rounds (SPEC §1, §2, §7): within a `previous` chain an id names one person
/// or branch for good, and an id once used is never given to someone new. Stars over the
/// years are compared by id, so a roster numbered by row position gave a removed member's
/// stars to the person below them.
public struct IdentityChain: Sendable {
    /// The rounds of the chain, newest first: `rounds[0]` is the round a new one follows.
    public let rounds: [EvaluationDefinition]

    public init(rounds: [EvaluationDefinition]) {
        self.rounds = rounds
    }

    /// One subject as the newest round that has its id knew it.
    public struct Known: Sendable, Equatable {
        public var id: String
        public var kind: SubjectKind
        public var name: String
        public var round: String
    }

    /// Every id the chain used, as the newest round that has it knew it.
    public var known: [String: Known] {
        var known: [String: Known] = [:]
        for round in rounds {
            for subject in round.subjects where known[subject.id] == nil {
                known[subject.id] = Known(id: subject.id, kind: subject.kind, name: subject.name, round: round.id)
            }
        }
        return known
    }

    /// SPEC §2: a subject whose id some round of the chain gave to a different name (or kind)
    /// conflicts, unless it says `renamed_from` that name. One line per case, for 422
    /// `identity_conflict`.
    public func conflicts(of definition: EvaluationDefinition) -> [String] {
        let known = known
        var renamed: [String: String] = [:]
        for member in definition.members { renamed[member.id] = member.renamedFrom }
        for organization in definition.organizations { renamed[organization.id] = organization.renamedFrom }
        for cadre in definition.cadres { renamed[cadre.id] = cadre.renamedFrom }
        return definition.subjects.compactMap { subject in
            guard let earlier = known[subject.id] else { return nil }
            if earlier.kind != subject.kind {
                return "\(subject.id): \(earlier.round) used this id for the \(earlier.kind.rawValue) '\(earlier.name)', not a \(subject.kind.rawValue)"
            }
            guard earlier.name != subject.name, renamed[subject.id] != earlier.name else { return nil }
            return "\(subject.id): \(earlier.round) gave this id to '\(earlier.name)', not '\(subject.name)' "
                + "(a new person needs a new id; a real change of name says renamed_from: \(earlier.name))"
        }
    }

    /// How one roster row was matched to the previous round.
    public enum Match: Sendable, Equatable {
        /// The same person as the previous round's subject with this id.
        case matched(String)
        /// Not in the previous round: a fresh id no round of the chain has used.
        case new
        /// Two or more of the previous round's subjects could be this person; the clerk picks.
        case ambiguous([String])
    }

    /// A roster whose ids follow the chain: each member matched to the previous round (first
    /// by name and branch, then by a name unique in both), matched people and branches keep
    /// their old ids, everyone else gets a fresh one; `left` are the previous round's
    /// subjects nobody in the roster matched. A roster with its own 编号 column keeps them.
    public func match(_ roster: Roster) -> (roster: Roster, matches: [Match], left: [Subject]) {
        guard let previous = rounds.first else {
            return (roster, roster.members.map { _ in .new }, [])
        }
        let known = known
        // A roster's own m-001, o-1 numbering is replaced; ids from its 编号 column are kept.
        var fresh = FreshIDs(used: Set(known.keys).union(roster.idsGiven ? roster.members.map(\.id) : []))
        var result = roster

        // Branches: by name in the previous round, else a fresh o-N.
        let previousOrganizations = Dictionary(previous.organizations.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
        var organizationIDs: [String: String] = [:]  // roster id → chain id
        for (index, organization) in roster.organizations.enumerated() {
            let id = previousOrganizations[organization.name] ?? (roster.idsGiven ? organization.id : fresh.next(prefix: "o-", width: 1))
            organizationIDs[organization.id] = id
            result.organizations[index].id = id
        }
        for index in result.members.indices {
            result.members[index].organization = result.members[index].organization.flatMap { organizationIDs[$0] }
        }

        // Members: by name and branch, then by a name unique in both rounds.
        let branchName = Dictionary(previous.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rosterBranch = Dictionary(roster.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rosterNameCount = Dictionary(roster.members.map { ($0.name, 1) }, uniquingKeysWith: +)
        var matches: [Match] = []
        var claimed: [String: Int] = [:]  // previous id → the row index that took it
        for (index, member) in roster.members.enumerated() {
            if roster.idsGiven {
                matches.append(known[member.id].map { $0.name == member.name ? .matched(member.id) : .new } ?? .new)
                continue
            }
            let sameName = previous.members.filter { $0.name == member.name }
            let branch = member.organization.flatMap { rosterBranch[$0] }
            let sameBranch = sameName.filter { $0.organization.flatMap { branchName[$0] } == branch }
            let candidates: [Member]
            if sameBranch.count == 1 || (sameBranch.isEmpty && sameName.count == 1 && rosterNameCount[member.name] == 1) {
                candidates = sameBranch.count == 1 ? sameBranch : sameName
                let id = candidates[0].id
                if let other = claimed[id] {
                    // Two rows claim one person: neither is sure.
                    matches[other] = .ambiguous([id])
                    matches.append(.ambiguous([id]))
                } else {
                    claimed[id] = index
                    matches.append(.matched(id))
                }
            } else if sameBranch.count > 1 || sameName.count > 1 {
                matches.append(.ambiguous((sameBranch.count > 1 ? sameBranch : sameName).map(\.id)))
            } else {
                matches.append(.new)
            }
        }
        for (index, match) in matches.enumerated() {
            switch match {
            case let .matched(id): result.members[index].id = id
            case .new, .ambiguous:
                if !roster.idsGiven { result.members[index].id = fresh.next(prefix: "m-", width: 3) }
            }
        }
        // Cadres: by a name unique in both rounds, else a fresh c-NN.
        let previousCadres = Dictionary(grouping: previous.cadres, by: \.name)
        let rosterCadreNames = Dictionary(roster.cadres.map { ($0.name, 1) }, uniquingKeysWith: +)
        for index in result.cadres.indices {
            let cadre = result.cadres[index]
            if let earlier = previousCadres[cadre.name], earlier.count == 1, rosterCadreNames[cadre.name] == 1 {
                result.cadres[index].id = earlier[0].id
            } else if !roster.idsGiven {
                result.cadres[index].id = fresh.next(prefix: "c-", width: 2)
            }
        }
        let kept = Set(result.members.map(\.id)).union(result.organizations.map(\.id)).union(result.cadres.map(\.id))
        let left = previous.subjects.filter { !kept.contains($0.id) }
        return (result, matches, left)
    }

    /// Ids like m-001 and o-1 that no round of the chain and no row has used.
    struct FreshIDs {
        var used: Set<String>
        var counters: [String: Int] = [:]

        mutating func next(prefix: String, width: Int) -> String {
            var number = counters[prefix] ?? 0
            while true {
                number += 1
                let digits = String(number)
                let id = prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits
                if used.insert(id).inserted {
                    counters[prefix] = number
                    return id
                }
            }
        }
    }
}

extension EvaluationDefinition {
    /// The definition with what a published `correct` remedy changed (SPEC §6): the names and
    /// branches its subjects truly have. The next round follows these, not the misspellings
    /// they replaced: the person keeps the id, the roster's right name matches it.
    public func corrected(by results: EvaluationResults?) -> EvaluationDefinition {
        let corrected = Dictionary((results?.subjects ?? []).filter { $0.corrected != nil }.map { ($0.id, $0) },
                                   uniquingKeysWith: { first, _ in first })
        guard !corrected.isEmpty else { return self }
        var copy = self
        for index in copy.members.indices {
            guard let subject = corrected[copy.members[index].id] else { continue }
            copy.members[index].name = subject.name
            copy.members[index].organization = subject.organization
        }
        for index in copy.organizations.indices {
            if let subject = corrected[copy.organizations[index].id] { copy.organizations[index].name = subject.name }
        }
        for index in copy.cadres.indices {
            if let subject = corrected[copy.cadres[index].id] { copy.cadres[index].name = subject.name }
        }
        return copy
    }
}
