import Foundation
import MinpingCore
import MinpingKeys
import MinpingLog
import MinpingService
import MinpingSQLite
import MinpingStore
import Testing

/// `minping migrate` between two SQLite files (PostgreSQL is covered by tools/tests/test_migrate.py
/// on the cluster tools/test starts): every row copied, bundles byte-identical, pending
/// ballots kept pending, forms waiting at the tellers' desk kept waiting, an occupied target refused.
@Suite("Store migration")
struct MigrationTests {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("minping-migrate-\(UUID().uuidString).sqlite").path
    }

    @Test("an evaluation with integrated and pending ballots and forms at the desk is copied row for row and votes on")
    func sqliteToSQLite() async throws {
        let (from, to) = (Self.path(), Self.path())
        defer { for path in [from, to] { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } } }
        let keys = KeyEncryptionKey()
        let source = try SQLiteStore(path: from, keys: keys)
        let service = EvaluationService(store: source, keys: keys)
        _ = try await service.createAPIKey(role: .admin, street: "chengqu")
        let code = try #require(try await service.prepareSetup())
        _ = try await service.setUp(code: code, user: "zhang", password: "correct horse")
        let clerkPassword = try await service.createAccount(by: "zhang", user: "clerk", role: .admin, street: "chengqu")
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let tokens = try await service.issueSlips("lz-2026", count: 6)
        _ = try await service.createEnrollmentCodes("lz-2026", count: 2)
        _ = try await service.open("lz-2026")
        let ratings = ["m-1": "satisfied", "m-2": "dissatisfied", "lz-1": "satisfied"]
        for token in tokens.prefix(3) { _ = try await service.castBallot("lz-2026", token: token.base64URL, ratings: ratings) }
        _ = try await service.integratePending("lz-2026")
        for token in tokens[3..<5] { _ = try await service.castBallot("lz-2026", token: token.base64URL, ratings: ratings) }
        // Two paper forms waiting at the tellers' desk: one keyed once, one the tellers disagree on.
        #expect(try await source.addCountEntry(CountEntry(evaluation: "lz-2026", form: "003", token: "paper-3", ratings: ratings, teller: "clerk")))
        #expect(try await source.addCountEntry(CountEntry(evaluation: "lz-2026", form: "017", token: "paper-17", ratings: ratings, teller: "clerk")))
        try await source.setSecondCountEntry(evaluation: "lz-2026", form: "017", ratings: ["m-1": "dissatisfied"], teller: "zhang")

        let target = try SQLiteStore(path: to, keys: keys)
        var lines: [String] = []
        let summary = try await StoreMigration.run(from: source, to: target, keys: keys) { lines.append($0) }
        #expect(summary.evaluations == 1 && summary.ballots == 5 && summary.apiKeys == 1 && summary.accounts == 2 && summary.deskForms == 2)
        #expect(lines.contains { $0.contains("lz-2026: 5 ballots") && $0.contains("2 forms at the desk") } && lines.last?.contains("byte-identical") == true)
        let desk = try await target.countEntries(evaluation: "lz-2026")
        #expect(desk == (try await source.countEntries(evaluation: "lz-2026")) && desk.map(\.form) == ["003", "017"])
        #expect(desk.last?.secondRatings == ["m-1": "dissatisfied"] && desk.last?.secondTeller == "zhang")
        #expect(try await target.pendingBallots(evaluation: "lz-2026").count == 2)
        #expect(try await source.dump(evaluation: "lz-2026").normalized == target.dump(evaluation: "lz-2026").normalized)

        await #expect(throws: StoreMigration.Failure.targetNotEmpty) {
            try await StoreMigration.run(from: source, to: target, keys: keys) { _ in }
        }

        // The target votes on: a spent slip stays spent, the last one counts, the bundle verifies.
        let moved = EvaluationService(store: target, keys: keys)
        // People sign in as before, and the operator's activity list came along.
        #expect(try await moved.signIn(user: "clerk", password: clerkPassword).0.account.street == "chengqu")
        #expect(try await moved.accountActivity().map(\.user) == ["clerk", "zhang"])
        await #expect(throws: ServiceError.tokenSpent) {
            try await moved.castBallot("lz-2026", token: tokens[0].base64URL, ratings: ratings)
        }
        _ = try await moved.castBallot("lz-2026", token: tokens[5].base64URL, ratings: ratings)
        _ = try await moved.close("lz-2026")
        #expect(try await moved.publish("lz-2026", stage: .preliminary).ballots == 6)
        #expect(try BundleVerifier().verify(try await moved.bundle("lz-2026")).ballots == 6)
    }
}
