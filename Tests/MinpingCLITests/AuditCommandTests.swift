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
        #expect(bad.stderr.contains("FAIL seq 4: seq:"))

        let missing = try CLI.run(["audit", "verify", "\(directory)-nope"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("definition.json"))
    }
}
