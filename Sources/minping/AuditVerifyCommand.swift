import ArgumentParser
import Foundation
import MinpingLog

/// `minping audit verify DIR [--log-key VKEY] [--checkpoint FILE]... [--witness-key VKEY]...
/// [--witness-quorum K]` (SPEC §5, §8).
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every entry, checkpoint and published result of a bundle.",
        discussion: "Exit 0 with a one-line summary when all checks hold; exit 1 naming the first failing entry (seq) and check."
    )

    @Argument(help: "The bundle directory (definition.json, entries.jsonl, checkpoints/, keys.json, results.json).")
    var directory: String

    @Option(name: .customLong("log-key"), help: "The log's verifier key published before voting (otherwise keys.json is trusted).")
    var logKey: String?

    @Option(name: .customLong("checkpoint"), help: "A checkpoint seen earlier (e.g. on the 公示栏) the bundle must be consistent with.")
    var checkpoints: [String] = []

    @Option(name: .customLong("witness-key"),
            help: "A witness's verifier key: the full checkpoint must carry its valid cosignature (repeatable; see --witness-quorum).")
    var witnessKeys: [String] = []

    @Option(name: .customLong("witness-quorum"), help: "How many of the --witness-key witnesses must have cosigned (default: all).")
    var witnessQuorum: Int?

    func validate() throws {
        _ = try witnesses()
        if let witnessQuorum {
            guard !witnessKeys.isEmpty else { throw ValidationError("--witness-quorum needs at least one --witness-key") }
            let distinct = Set(witnessKeys).count
            guard (1...distinct).contains(witnessQuorum) else {
                throw ValidationError("--witness-quorum must be between 1 and the number of witness keys (\(distinct)), got \(witnessQuorum)")
            }
        }
    }

    func witnesses() throws -> [CosignatureVerifier] {
        try witnessKeys.map { key in
            guard let verifier = try? CosignatureVerifier(verifierKey: key) else {
                throw ValidationError("--witness-key: '\(key)' is not a witness verifier key (name+hexid+base64 of 0x04 and an Ed25519 key)")
            }
            return verifier
        }
    }

    func run() throws {
        let bundle: AuditBundle
        do {
            bundle = try AuditBundle.read(from: URL(fileURLWithPath: directory))
        } catch {
            throw CLIError(message: "\(directory)/\(error)")
        }
        let earlier = try checkpoints.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError(message: "\(path): cannot read the checkpoint file")
            }
            // Not UTF-8: read lossily, so it fails as a signature (a check), not as usage.
            return String(decoding: data, as: UTF8.self)
        }
        // The verdict, OK or FAIL, is the command's output (stdout), as in tools/verify_bundle.py.
        do {
            let summary = try BundleVerifier(pinnedLogKey: logKey, earlierCheckpoints: earlier, witnessKeys: try witnesses(),
                                             witnessQuorum: witnessQuorum).verify(bundle)
            Console.out(summary.description)
        } catch {
            Console.out("FAIL \(error)")
            throw ExitCode(CLIError.checkFailed)
        }
    }
}
