import Foundation
import MinpingCore
import MinpingTokens

/// Runs a whole evaluation through the log in memory, as the service would: created, slips,
/// opened, ballots in batches (shuffled within each), closed, preliminary results, an appeal
/// filed and dismissed, final results. Used by tests, benchmarks and demos to make bundles.
/// With `remedies`, appeals are upheld instead (SPEC §6): a star withheld, a name corrected, a
/// supplementary round on one member with its own key, the street's veto, the results published
/// again and final after a full publicity period from them.
public struct SampleEvaluation: Sendable {
    public let definition: EvaluationDefinition
    public let issuingKey: IssuingKey
    public private(set) var log: EvaluationLog
    public private(set) var tokens: [PublicToken] = []

    public init(definition: EvaluationDefinition, issuingKey: IssuingKey, signer: LogSigner) {
        self.definition = definition
        self.issuingKey = issuingKey
        log = EvaluationLog(
            origin: EvaluationLog.origin(street: definition.street, evaluation: definition.id), signer: signer)
    }

    /// Builds the log. `votes` are the ratings of each ballot; `start` is the opening time.
    public mutating func run(votes: [[String: String]], batchSize: Int = 50, start: Date = Date(timeIntervalSince1970: 1_800_000_000),
                             remedies: Bool = false) throws {
        var generator = SystemRandomNumberGenerator()
        let challenge = TokenChallenge(street: definition.street, evaluation: definition.id)
        try log.append(.created(.init(definition: definition, tokenKey: issuingKey.publicKey, logVerifierKey: log.verifierKey)))
        try log.checkpoint()
        tokens = try (0..<votes.count).map { _ in try issuingKey.signSlip(for: challenge) }
        try log.append(.slipsIssued(count: votes.count, issued: votes.count))
        try log.checkpoint()
        try log.append(.opened(at: start))
        try log.checkpoint()
        let ballots = zip(tokens, votes).map { ($0.base64URL, $1) }
        for batchStart in stride(from: 0, to: ballots.count, by: max(batchSize, 1)) {
            let batch = ballots[batchStart..<min(batchStart + batchSize, ballots.count)].shuffled(using: &generator)
            for (token, ratings) in batch { try log.append(.ballot(token: token, ratings: ratings)) }
            try log.checkpoint()
        }
        var tally = Tally(definition: definition)
        for ratings in votes { try tally.add(ratings: ratings) }
        let closedAt = start.addingTimeInterval(3_600)
        try log.append(.closed(at: closedAt, ballots: votes.count, issued: votes.count))
        try log.checkpoint()
        let preliminaryAt = closedAt.addingTimeInterval(60)
        try log.append(.results(stage: .preliminary, at: preliminaryAt, results: tally.results(stage: .preliminary).jsonValue))
        try log.checkpoint()
        if remedies {
            try runRemedies(votes: votes, results: tally.results(), after: preliminaryAt, tally: tally)
            return
        }
        let subject = definition.subjects.first?.id
        try log.append(.appealFiled(appeal: "a-1", subject: subject, textSHA256: String(repeating: "ab", count: 32)))
        try log.checkpoint()
        try log.append(.appealResolved(appeal: "a-1", outcome: .dismissed, noteSHA256: String(repeating: "cd", count: 32), remedy: nil))
        try log.checkpoint()
        // The first moment the publicity period allows.
        var lifecycle = Lifecycle(electorate: definition.electorate, publicityDays: definition.publicityDays)
        try lifecycle.apply([.slipsIssued(count: votes.count), .opened(at: start), .closed(at: closedAt),
                             .published(.preliminary, at: preliminaryAt)])
        let finalAt = lifecycle.publicityDeadline ?? preliminaryAt
        try log.append(.results(stage: .final, at: finalAt, results: tally.results(stage: .final).jsonValue))
        try log.checkpoint()
    }

    /// After the first preliminary results: a-1 withholds a star the first starred member
    /// earned, a-2 corrects a name, the street withholds a branch's star if one earned it, a-3
    /// opens round 2 on the last member (slips, ballots, closed), then the results are published
    /// again and final after the publicity period from them.
    private mutating func runRemedies(votes: [[String: String]], results: EvaluationResults, after: Date, tally first: Tally) throws {
        struct NoStar: Error, CustomStringConvertible { var description: String { "no member earned a star to withhold" } }
        let hash = String(repeating: "ab", count: 32)
        guard let revoted = definition.members.last?.id,
              let starred = results.subjects.first(where: { $0.kind == .member && !$0.stars.isEmpty && $0.id != revoted })
        else { throw NoStar() }
        try log.append(.appealFiled(appeal: "a-1", subject: starred.id, textSHA256: hash))
        try log.append(.appealResolved(appeal: "a-1", outcome: .upheld, noteSHA256: hash, remedy: .withhold))
        let reason = "经申诉复查，测评期间有拉票行为"
        try log.append(.withheld(subject: starred.id, star: starred.stars[0], reason: reason, appeal: "a-1"))
        try log.checkpoint()
        try log.append(.appealFiled(appeal: "a-2", subject: starred.id, textSHA256: hash))
        try log.append(.appealResolved(appeal: "a-2", outcome: .upheld, noteSHA256: hash, remedy: .correct))
        try log.append(.corrected(subject: starred.id, name: starred.name + "（更正）", organization: nil, appeal: "a-2"))
        try log.checkpoint()
        if let branch = results.subjects.first(where: { $0.kind == .organization && !$0.stars.isEmpty }) {
            try log.append(.withheld(subject: branch.id, star: branch.stars[0], reason: "一票否决", appeal: nil))
            try log.checkpoint()
        }
        // Round 2 on the last member, under a key of its own.
        let roundKey = try IssuingKey()
        try log.append(.appealFiled(appeal: "a-3", subject: revoted, textSHA256: hash))
        try log.append(.appealResolved(appeal: "a-3", outcome: .upheld, noteSHA256: hash, remedy: .revote))
        try log.append(.revoteOpened(.init(round: 2, subjects: [revoted], tokenKey: roundKey.publicKey, appeal: "a-3")))
        try log.checkpoint()
        let challenge = TokenChallenge(street: definition.street, evaluation: definition.id)
        let second = votes.prefix(max(1, votes.count / 2)).map { [revoted: $0[revoted] ?? definition.options[0].id] }
        let tokens = try second.map { _ in try roundKey.signSlip(for: challenge) }
        try log.append(.slipsIssued(count: second.count, issued: second.count))
        for (token, ratings) in zip(tokens, second) { try log.append(.ballot(token: token.base64URL, ratings: ratings)) }
        try log.checkpoint()
        let closedAt = after.addingTimeInterval(86_400)
        try log.append(.closed(at: closedAt, ballots: second.count, issued: second.count))
        var round = Tally(definition: definition)
        for ratings in second { try round.add(ratings: ratings) }
        // What the remedies changed, read back from the log as the service does.
        var recorded = Amendments()
        for entry in log.entries { recorded.record(try entry.event()) }
        let againAt = closedAt.addingTimeInterval(60)
        try log.append(.results(stage: .preliminary, at: againAt, results: recorded.results(of: [first, round], stage: .preliminary).jsonValue))
        try log.checkpoint()
        let finalAt = againAt.addingTimeInterval(Double(definition.publicityDays) * 86_400)
        try log.append(.results(stage: .final, at: finalAt, results: recorded.results(of: [first, round], stage: .final).jsonValue))
        try log.checkpoint()
    }

    public var bundle: AuditBundle {
        log.bundle(definition: definition, tokenKey: issuingKey.publicKey)
    }
}
