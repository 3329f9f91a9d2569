import Foundation
import Testing

@Suite("minping audit")
struct AuditCommandTests {
    @Test("a sample bundle verifies (exit 0), a tampered copy fails (exit 1), a missing one is bad input (exit 2)")
    func verify() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-audit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sample = try CLI.run(["audit", "sample", "--ballot", "Ballots/songxing-2016.yaml", "--votes", "Ballots/votes/songxing-2016.jsonl", "--out", directory])
        #expect(sample.status == 0, "\(sample.stderr)")
        let key = try #require(sample.stdout.split(separator: "\n").last.map(String.init))

        let good = try CLI.run(["audit", "verify", directory, "--log-key", key, "--checkpoint", "\(directory)/checkpoints/3.txt"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasPrefix("OK minping/kanjia/songxing-2016: "))

        let entries = URL(fileURLWithPath: "\(directory)/entries.jsonl")
        var lines = try String(contentsOf: entries, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines.swapAt(4, 5)
        try lines.joined(separator: "\n").write(to: entries, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["audit", "verify", directory])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("FAIL seq 4: seq:"))

        // A checkpoint file named for another size is a failed check, never a crash.
        lines.swapAt(4, 5)
        try lines.joined(separator: "\n").write(to: entries, atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: "\(directory)/checkpoints/3.txt", toPath: "\(directory)/checkpoints/70.txt")
        let misnamed = try CLI.run(["audit", "verify", directory, "--log-key", key])
        #expect(misnamed.status == 1, "\(misnamed.stderr)")
        #expect(misnamed.stdout.hasPrefix("FAIL seq 70: checkpoint: checkpoints/70.txt holds a checkpoint of size 3"))

        let missing = try CLI.run(["audit", "verify", "\(directory)-nope"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("definition.json"))
    }
}
