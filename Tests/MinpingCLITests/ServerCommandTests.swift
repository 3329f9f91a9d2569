import Foundation
import Testing

@Suite("minping keys, slips, demo")
struct ServerCommandTests {
    @Test("what the service refuses is bad input: exit 2 with the reason, never a stack trace")
    func refusals() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("minping-cli-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let noStreet = try CLI.run(["keys", "create", "--role", "admin", "--db", db])
        #expect(noStreet.status == 2 && noStreet.stderr.contains("--street"))
        let key = try CLI.run(["keys", "create", "--role", "reviewer", "--street", "chengqu", "--db", db])
        #expect(key.status == 0 && key.stdout.hasPrefix("mp_"))
        let unknown = try CLI.run(["slips", "--evaluation", "nope", "--count", "1", "--out", db + ".html", "--db", db])
        #expect(unknown.status == 2 && unknown.stderr.contains("evaluation 'nope' not found"))
    }

    @Test("the demo runs a whole evaluation and verifies its bundle")
    func demo() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("minping-demo-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let run = try CLI.run(["demo", "--ballot", "Ballots/songxing-2016.yaml", "--voters", "20", "--db", db, "--out", db + "-bundle"])
        defer { try? FileManager.default.removeItem(atPath: db + "-bundle") }
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("重复投票 a reused token was refused"))
        #expect(run.stdout.contains("OK minping/kanjia/songxing-2016: ") && run.stdout.contains("state final"))
    }
}
