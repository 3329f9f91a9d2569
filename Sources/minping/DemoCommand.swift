import ArgumentParser
import Foundation
import Logging
import MinpingCore
import MinpingLog
import MinpingService
import MinpingSQLite
import MinpingStore
import MinpingTokens
import Synchronization

/// `minping demo [--ballot FILE] [--voters N] [--db FILE]`: a whole evaluation in-process on a
/// fresh SQLite file, the first thing a new user runs (SPEC §8).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a whole evaluation in-process: define, issue, vote, close, publish, appeal, final, export and verify.")

    @Option(help: "The definition to run.")
    var ballot = "Ballots/fuyuan-2018.yaml"

    @Option(help: "How many representatives vote (default: the whole electorate).")
    var voters: Int?

    @Option(help: "The SQLite database file (default: a fresh file in the temporary directory).")
    var db: String?

    @Option(help: "Where to write the reviewer's bundle (default: next to the database).")
    var out: String?

    @Option(help: "Seed for the simulated votes.")
    var seed: UInt64 = 2018

    func run() async throws {
        let definition = try DefinitionFile.load(ballot)
        let voters = voters ?? definition.electorate
        guard (1...definition.electorate).contains(voters) else {
            throw CLIError(message: "--voters: must be between 1 and the electorate (\(definition.electorate))")
        }
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("minping-demo-\(UUID().uuidString.prefix(8)).sqlite").path
        if db != nil, FileManager.default.fileExists(atPath: path) {
            throw CLIError(message: "\(path): already exists; the demo needs a fresh database")
        }
        // The rounds `previous` names (动态增星减星), oldest first, from the same folder.
        var earlier: [EvaluationDefinition] = []
        var previous = definition.previous
        let folder = URL(fileURLWithPath: ballot).deletingLastPathComponent()
        while let id = previous, earlier.count < 10 {
            let file = folder.appendingPathComponent("\(id).yaml").path
            guard FileManager.default.fileExists(atPath: file) else {
                throw CLIError(message: "\(ballot): previous round '\(id)' needs its definition at \(file)")
            }
            let round = try DefinitionFile.load(file)
            earlier.insert(round, at: 0)
            previous = round.previous
        }
        let clock = DemoClock()
        let service = try await ServerSupport.openService(db: path, keyFile: nil, now: { clock.now },
                                                          logger: ServerSupport.logger("minping.demo", level: .warning))
        for (index, round) in earlier.enumerated() {
            try await run(round, voters: round.electorate, database: path, service: service, clock: clock,
                          seed: seed &+ UInt64(index + 1), earlierRound: true)
        }
        try await run(definition, voters: voters, database: path, service: service, clock: clock, seed: seed, earlierRound: false)
        if !earlier.isEmpty {
            Console.out("\n" + Self.historyTable(try await service.history(definition.id)))
            Console.out("serve it: minping serve --db \(path), then open /board/\(definition.id) and /history/\(definition.id)")
        }
    }

    /// 历年群众评星 as text: a row per subject, its number of stars per round, and the change.
    static func historyTable(_ history: StarHistory) -> String {
        let heads = history.rounds.map { round in
            round.title.range(of: #"(19|20)[0-9]{2}"#, options: .regularExpression).map { String(round.title[$0]) } ?? round.evaluation
        }
        let changes: [StarHistory.Change: String] = [.gained: "▲ 群众评星增加", .lost: "▼ 群众评星减少", .same: "＝", .new: "✚ 新参评"]
        var lines = ["历年群众评星 vote-based stars over the years (★ per star; - not evaluated):", (["姓名"] + heads + ["较上轮"]).joined(separator: "\t")]
        for subject in history.subjects {
            let cells = subject.stars.map { $0.map { $0.isEmpty ? "0" : String(repeating: "★", count: $0.count) } ?? "-" }
            lines.append(([subject.name] + cells + [changes[subject.change] ?? ""]).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n")
    }

    private func run(_ definition: EvaluationDefinition, voters: Int, database: String, service: EvaluationService, clock: DemoClock,
                     seed: UInt64, earlierRound: Bool) async throws {
        let id = definition.id
        Console.out("民评 demo: \(definition.title)\(earlierRound ? " (上一轮 an earlier round)" : "")\n  database \(database)")
        _ = try await service.create(definition)
        let remote = voters / 10
        let tokens = try await service.issueSlips(id, count: voters - remote)
        Console.out("  建立测评 created; 发放选票 \(tokens.count) slips printed")
        // Remote voters: one-time codes, then blind-signed tokens the server cannot link.
        let codes = remote > 0 ? try await service.createEnrollmentCodes(id, count: remote) : []
        let context = try await service.definition(id)
        let publicKey = try await service.tokenPublicKey(id)
        var remoteTokens: [PublicToken] = []
        for code in codes {
            let client = TokenClient(publicKey: publicKey, challenge: TokenChallenge(street: context.street, evaluation: id))
            let pending = try client.request()
            let response = try await service.issueToken(id, code: code, request: pending.request)
            remoteTokens.append(try client.finalize(response, for: pending))
        }
        Console.out("  远程投票 \(codes.count) enrollment codes redeemed for blind-signed tokens")
        _ = try await service.open(id)
        clock.advance(by: 3_600)

        var generator = SplitMix64(state: seed)
        let ballots = (tokens + remoteTokens).map { ($0.base64URL, Self.ratings(for: definition, using: &generator)) }
        let cast = DemoCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: ballots.count, by: max(1, ballots.count / 8)) {
                let slice = ballots[chunk..<min(chunk + max(1, ballots.count / 8), ballots.count)]
                group.addTask {
                    for (token, ratings) in slice {
                        _ = try await service.castBallot(id, token: token, ratings: ratings)
                        let done = cast.increment()
                        if done % 100 == 0 || done == ballots.count { Console.error("  投票 \(done)/\(ballots.count)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        // A second use of a token is refused.
        if let (token, ratings) = ballots.first {
            do {
                _ = try await service.castBallot(id, token: token, ratings: ratings)
            } catch ServiceError.tokenSpent {
                Console.out("  重复投票 a reused token was refused (token_spent)")
            }
        }
        clock.advance(by: 3_600)
        _ = try await service.close(id)
        Console.out("  投票结束 closed: \(try await service.record(id).ballots) ballots of \(voters) issued")
        clock.advance(by: 600)
        _ = try await service.publish(id, stage: .preliminary)
        Console.out("  公示 preliminary results published; 公示期 \(definition.publicityDays) days")
        let subject = definition.subjects.first
        let appeal = try await service.fileAppeal(id, subject: subject?.id, text: "申诉：对\(subject?.name ?? "测评")的结果有异议，请求复查。")
        clock.advance(by: 86_400)
        try await service.resolveAppeal(id, appeal: appeal, outcome: .dismissed, note: "经复查，选票与计票无误，维持原结果。")
        Console.out("  申诉 appeal \(appeal) filed and dismissed after review")
        if let deadline = try await service.record(id).lifecycle.publicityDeadline { clock.advance(to: deadline) }
        let final = try await service.publish(id, stage: .final)
        if earlierRound {
            Console.out("  最终结果 final results published\n")
            return
        }
        Console.out("  最终结果 final results published\n")
        Console.out(ResultsTable.render(final, definition: definition))

        let bundleDirectory = URL(fileURLWithPath: out ?? database.replacingOccurrences(of: ".sqlite", with: "") + "-bundle")
        let bundle = try await service.bundle(id)
        try bundle.write(to: bundleDirectory)
        let summary = try BundleVerifier(pinnedLogKey: try await service.logVerifierKey(street: definition.street)).verify(bundle)
        Console.out("\n审计包 bundle: \(bundleDirectory.path)\n\(summary)")
        Console.out("check it yourself: minping audit verify \(bundleDirectory.path) --log-key '\(bundle.keys.logVerifierKey)'")
    }

    /// A realistic spread: most representatives are satisfied, some subjects less so, a few
    /// ratings are 不了解 or left out.
    static func ratings(for definition: EvaluationDefinition, using generator: inout SplitMix64) -> [String: String] {
        let satisfied = definition.options.filter(\.satisfied).map(\.id)
        let others = definition.options.filter { !$0.satisfied }.map(\.id)
        var ratings: [String: String] = [:]
        for (index, subject) in definition.subjects.enumerated() {
            let roll = Double(generator.next() % 10_000) / 10_000
            if roll < 0.02 { continue }  // left blank
            // Subjects differ: every seventh is less well known or less liked.
            let satisfiedShare = index % 7 == 3 ? 0.62 : 0.9
            if roll < satisfiedShare || others.isEmpty, let option = satisfied.randomElement(using: &generator) {
                ratings[subject.id] = option
            } else if let option = others.randomElement(using: &generator) {
                ratings[subject.id] = option
            }
        }
        return ratings
    }
}

/// The demo's clock: it advances through the voting day and the publicity period at once.
final class DemoClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
    func advance(to date: Date) { current.withLock { $0 = max($0, date) } }
}

final class DemoCounter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
