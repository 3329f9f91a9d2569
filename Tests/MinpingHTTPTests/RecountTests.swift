import Foundation
import GRDB
import MinpingCore
import MinpingLog
@testable import MinpingService
import MinpingSQLite
import MinpingStore
import MinpingTestSupport
import Testing

@Suite("Recount: read on every core, counted in log order")
struct RecountTests {
    @Test("any slice width counts the same; the first bad ballot in log order is the one reported")
    func slicesAgree() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-recount-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let log = CapturedLog()
        let server = try await TestServer(store: try SQLiteStore(path: path, keys: TestServer.keys), logger: log.logger)
        let service = server.service
        let definition = try DefinitionParser.parse(testDefinition, file: "test")
        _ = try await service.create(definition)
        let tokens = try await service.issueSlips("lz-2026", count: 40)
        _ = try await service.open("lz-2026")
        for (index, token) in tokens.enumerated() {
            let options = ["satisfied", "dissatisfied", "unknown"]
            _ = try await service.castBallot("lz-2026", token: token.base64URL,
                                             ratings: ["m-1": options[index % 3], "m-2": options[index % 2]])
        }
        _ = try await service.close("lz-2026")

        // m-1: 14 satisfied, 13 dissatisfied, 13 unknown; m-2: 20 satisfied, 20 dissatisfied.
        let whole = try await service.recount("lz-2026", definition: definition).tallies[0]
        #expect(whole.ballots == 40)
        let options = definition.options.map(\.id)
        let m1 = try #require(whole.subjects.firstIndex { $0.id == "m-1" })
        let m2 = try #require(whole.subjects.firstIndex { $0.id == "m-2" })
        for (option, expected) in [("satisfied", 14), ("dissatisfied", 13), ("unknown", 13)] {
            #expect(whole.count(subject: m1, option: try #require(options.firstIndex(of: option))) == expected)
        }
        #expect(whole.count(subject: m2, option: try #require(options.firstIndex(of: "satisfied"))) == 20)
        for width in [1, 3, 7, 64] {
            let sliced = try await service.recount("lz-2026", definition: definition, width: width)
            #expect(sliced.results().jsonValue == whole.results().jsonValue && sliced.tallies.count == 1, "width \(width)")
        }

        // Two ballots far apart rate an unknown option: the earlier one is reported (and logged,
        // once), whatever slice finishes first.
        let seqs = try await DatabaseQueue(path: path).write { db in
            let seqs = try Int.fetchAll(db, sql: "SELECT seq FROM log_entry WHERE type = 'ballot' ORDER BY seq")
            for seq in [seqs[5], seqs[35]] {
                let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM log_entry WHERE seq = ?", arguments: [seq]) ?? Data()
                let text = String(decoding: bytes, as: UTF8.self)
                    .replacingOccurrences(of: #""m-2":"satisfied""#, with: #""m-2":"nope""#)
                    .replacingOccurrences(of: #""m-2":"dissatisfied""#, with: #""m-2":"nope""#)
                let entry = try LogEntry(bytes: Array(text.utf8))
                try db.execute(sql: "UPDATE log_entry SET bytes = ?, leaf_hash = ? WHERE seq = ?",
                               arguments: [Data(text.utf8), entry.leafHash, seq])
            }
            return [seqs[5], seqs[35]]
        }
        for width in [1, 3, 64, 5_000] {
            do {
                _ = try await service.recount("lz-2026", definition: definition, width: width)
                Issue.record("a ballot rating an unknown option was counted (width \(width))")
            } catch let ServiceError.integrity(message) {
                #expect(message.hasPrefix("entry \(seqs[0]):"), "width \(width): \(message)")
            }
        }
        let logged = log.all.filter { $0.contains("integrity check failed") }
        #expect(logged.count == 4 && logged.allSatisfy { $0.contains(#""seq": \#(seqs[0]),"#) || $0.contains(#""seq": \#(seqs[0])]"#) }, "\(logged)")
    }
}
