import ArgumentParser
import Foundation
import MinpingCore
import MinpingLog
import MinpingTokens

/// `minping audit sample`: a simulated evaluation written as a bundle, for trying the
/// verifiers before a real one exists.
struct AuditSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write the bundle of a simulated evaluation (slips, ballots, results, an appeal).",
        discussion: "Prints the log's verifier key on the last line: pass it to 'audit verify --log-key'."
    )

    @Option(name: .customLong("ballot"), help: "The evaluation definition (Ballots/*.yaml).")
    var ballotPath: String

    @Option(name: .customLong("votes"), help: "The votes file, JSON Lines; at most the electorate.")
    var votesPath: String

    @Option(name: .customLong("out"), help: "The directory to write the bundle to.")
    var out: String

    @Flag(name: .customLong("remedies"),
          help: "Uphold appeals with remedies instead (withhold a star, correct a name, a supplementary round), the street's veto, republication.")
    var remedies = false

    func run() throws {
        let definition = try DefinitionFile.load(ballotPath)
        var votes: [[String: String]] = []
        let data = FileManager.default.contents(atPath: votesPath) ?? Data()
        for (number, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
                  let ratings = object["ratings"] as? [String: String]
            else { throw CLIError(message: "\(votesPath):\(number + 1): not a vote line {\"ratings\":{...}}") }
            votes.append(ratings)
        }
        guard votes.count <= definition.electorate else {
            throw CLIError(message: "\(votesPath): \(votes.count) votes, but the electorate is \(definition.electorate)")
        }
        let signer = try LogSigner(name: EvaluationLog.keyName(street: definition.street))
        var sample = SampleEvaluation(definition: definition, issuingKey: try IssuingKey(), signer: signer)
        do {
            try sample.run(votes: votes, remedies: remedies)
        } catch let error as VoteError {
            throw CLIError(message: "\(votesPath): \(error)")
        }
        try sample.bundle.write(to: URL(fileURLWithPath: out))
        Console.out("wrote \(out): \(sample.log.entries.count) entries, \(sample.log.checkpoints.count) checkpoints")
        Console.out(sample.log.verifierKey)
    }
}
