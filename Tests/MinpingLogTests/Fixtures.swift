import Foundation
import MinpingCore
@testable import MinpingLog
import MinpingTestSupport
import MinpingTokens

enum LogFixtures {
    static let definition: EvaluationDefinition = {
        do {
            return try DefinitionParser.parse("""
                id: lz-2026
                title: 柳庄社区2026年度党员群众满意度测评
                street: chengqu
                community: 柳庄社区
                electorate: 30
                publicity_days: 5
                rules: {quorum_percent: 50}
                organizations:
                  - {id: lz-1, name: 柳庄社区第一党支部}
                members:
                  - {id: m-1, name: 王某, organization: lz-1}
                  - {id: m-2, name: 李某, organization: lz-1}
                  - {id: m-3, name: 张某}
                """, file: "fixture.yaml")
        } catch {
            fatalError("\(error)")
        }
    }()

    static let issuingKey: IssuingKey = {
        do { return try IssuingKey() } catch { fatalError("\(error)") }
    }()

    static let signer: LogSigner = {
        do { return try LogSigner(name: "minping/chengqu") } catch { fatalError("\(error)") }
    }()

    static let votes: [[String: String]] = (0..<20).map { index in
        let options = ["satisfied", "basically_satisfied", "dissatisfied", "unknown"]
        var ratings = ["m-1": options[index % 2], "m-2": options[index % 4], "lz-1": options[index % 3]]
        if index % 5 != 0 { ratings["m-3"] = "satisfied" }
        return ratings
    }

    /// A complete evaluation of 20 ballots in batches of 6.
    static let sample: SampleEvaluation = {
        var sample = SampleEvaluation(definition: definition, issuingKey: issuingKey, signer: signer)
        do { try sample.run(votes: votes, batchSize: 6) } catch { fatalError("\(error)") }
        return sample
    }()

    static var bundle: AuditBundle { sample.bundle }

    /// Rewrites seq and prev of every entry, as an operator with write access to the store
    /// could: the chain is then intact, so only the meaning-level checks can catch the edit.
    static func rechained(_ entries: [[UInt8]]) -> [[UInt8]] {
        var prev = LogEntry.zeroHash
        return entries.enumerated().map { index, bytes in
            guard case var .object(members)? = try? CanonicalJSON.parse(bytes) else { return bytes }
            members = members.map { key, value in
                key == "seq" ? (key, .int(index)) : key == "prev" ? (key, .string(prev)) : (key, value)
            }
            let rebuilt = CanonicalJSON.encode(.object(members))
            prev = Merkle.leafHash(rebuilt).hex
            return rebuilt
        }
    }

    /// What an operator holding the log key can do: rewrite entries, re-chain them, and
    /// re-sign a checkpoint at every size the bundle had (and at the new full size).
    static func forged(_ bundle: AuditBundle, entries: [[UInt8]]) -> AuditBundle {
        var forged = bundle
        forged.entries = rechained(entries)
        let tree = MerkleTree(leafHashes: forged.entries.map { Merkle.leafHash($0) })
        var sizes = bundle.checkpoints.compactMap { note in Checkpoint.unverified(note)?.size }
            .filter { $0 <= tree.size }
        if sizes.last != tree.size { sizes.append(tree.size) }
        let origin = EvaluationLog.origin(street: definition.street, evaluation: definition.id)
        forged.checkpoints = sizes.compactMap { try? Checkpoint(origin: origin, size: $0, root: tree.root(size: $0)).signed(by: signer) }
        return forged
    }

    static func entry(_ bytes: [UInt8]) -> LogEntry? { try? LogEntry(bytes: bytes) }

    /// Sets, adds or (with nil) removes one field of an entry.
    static func setting(_ bytes: [UInt8], _ key: String, to value: JSONValue?) -> [UInt8] {
        guard case let .object(members)? = try? CanonicalJSON.parse(bytes) else { return bytes }
        return CanonicalJSON.encode(.object(members.filter { $0.0 != key } + (value.map { [(key, $0)] } ?? [])))
    }

    static func replacing(_ bytes: [UInt8], _ key: String, with value: JSONValue) -> [UInt8] {
        guard case let .object(members)? = try? CanonicalJSON.parse(bytes) else { return bytes }
        return CanonicalJSON.encode(.object(members.map { $0.0 == key ? ($0.0, value) : $0 }))
    }
}

/// Runs the independent verifier, `tools/verify_bundle.py`, on a bundle written to a
/// temporary directory, so every tamper case is checked by both verifiers.
/// `tools/test` installs Python 3 and `cryptography`, which it needs.
enum PythonVerifier {
    struct Outcome {
        var status: Int32
        var output: String
        /// "FAIL seq 12: double_spend: …" → ("seq 12", "double_spend")
        var failure: (place: String, check: String)? {
            guard output.hasPrefix("FAIL ") else { return nil }
            let parts = output.dropFirst(5).split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count >= 2 ? (parts[0], parts[1]) : nil
        }
    }

    static func run(_ bundle: AuditBundle, arguments: [String] = [], earlierCheckpoints: [String] = []) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-py-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try bundle.write(to: directory)
        var checkpointArguments: [String] = []
        for (index, note) in earlierCheckpoints.enumerated() {
            let file = directory.appendingPathComponent("earlier-\(index).txt")
            try note.write(to: file, atomically: true, encoding: .utf8)
            checkpointArguments += ["--checkpoint", file.path]
        }
        let (status, output) = try IndependentVerifier.run(directory.path, arguments: arguments + checkpointArguments)
        return Outcome(status: status, output: output)
    }
}
