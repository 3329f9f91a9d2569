import Foundation
import MinpingCore
import MinpingTokens

/// Runs a whole evaluation through the log in memory, as the service would: created, slips,
/// opened, ballots in batches (shuffled within each), closed, preliminary results, an appeal
/// filed and dismissed, final results. Used by tests, benchmarks and demos to make bundles.
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
    public mutating func run(votes: [[String: String]], batchSize: Int = 50, start: Date = Date(timeIntervalSince1970: 1_800_000_000)) throws {
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

    public var bundle: AuditBundle {
        log.bundle(definition: definition, tokenKey: issuingKey.publicKey)
    }
}
