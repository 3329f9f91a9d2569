import Foundation
import MinpingCore
import MinpingStore
import Testing

/// The storage contract: every `EvaluationStore` must pass these, so the service behaves the
/// same on SQLite, in memory and (later) on PostgreSQL.
public enum StoreContract {
    public struct Case: Sendable, CustomTestStringConvertible {
        public let name: String
        public let run: @Sendable (any EvaluationStore) async throws -> Void
        public var testDescription: String { name }
    }

    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(_ id: String = "e1", electorate: Int = 10, state: EvaluationState = .draft) -> EvaluationRecord {
        EvaluationRecord(id: id, street: "chengqu", definitionJSON: Array(#"{"id":"e1"}"#.utf8), tokenKeyPEM: "PEM",
                         state: state, electorate: electorate, createdAt: at)
    }

    static func entry(_ seq: Int, _ type: String = "x") -> StoredEntry {
        StoredEntry(seq: seq, type: type, bytes: Array("{\"seq\":\(seq)}".utf8), leafHash: Data(repeating: UInt8(seq & 0xFF), count: 32))
    }

    static func ballot(_ nonce: UInt8, evaluation: String = "e1", tracker: String? = nil) -> BallotRecord {
        BallotRecord(evaluation: evaluation, nonce: Data(repeating: nonce, count: 32), token: "token-\(nonce)",
                     ratings: ["m-1": "satisfied", "o-1": "unknown"], tracker: tracker ?? "tracker-\(nonce)")
    }

    /// Creates e1 and opens it (entries 0 and 1).
    static func openEvaluation(_ store: any EvaluationStore, electorate: Int = 10) async throws {
        try await store.createEvaluation(record(electorate: electorate), created: entry(0), checkpoint: "cp1")
        try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp2",
                                       effects: [.transition(from: .draft, to: .open, at: at)]))
    }

    public static let cases: [Case] = [
        Case(name: "an evaluation is stored once, with its created entry and checkpoint") { store in
            try await store.createEvaluation(record(), created: entry(0), checkpoint: "cp1")
            await #expect(throws: StoreError.evaluationExists("e1")) {
                try await store.createEvaluation(record(), created: entry(0), checkpoint: "cp1")
            }
            #expect(try await store.evaluation(id: "e1") == record())
            #expect(try await store.evaluation(id: "nope") == nil)
            #expect(try await store.evaluationIDs() == ["e1"])
            #expect(try await store.leafHashes(evaluation: "e1") == [entry(0).leafHash])
            #expect(try await store.logSize(evaluation: "e1") == 1)
            #expect(try await store.logSize(evaluation: "nope") == 0)
            #expect(try await store.checkpoints(evaluation: "e1") == ["cp1"])
        },
        Case(name: "API keys are found by hash; log key seeds are made once per street") { store in
            let key = APIKeyRecord(hash: "abc", role: .admin, street: "chengqu", createdAt: at)
            try await store.addAPIKey(key)
            #expect(try await store.apiKey(hash: "abc") == key)
            #expect(try await store.apiKey(hash: "abd") == nil)
            let first = try await store.logKeySeed(street: "chengqu") { Data(repeating: 1, count: 32) }
            let second = try await store.logKeySeed(street: "chengqu") { Data(repeating: 2, count: 32) }
            #expect(first == second && first == Data(repeating: 1, count: 32))
        },
        Case(name: "a token is spent once; ballots only while open") { store in
            try await store.createEvaluation(record(), created: entry(0), checkpoint: "cp1")
            #expect(try await store.spendTokensAndStoreBallots([ballot(1)]) == [.notOpen])
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp2",
                                           effects: [.transition(from: .draft, to: .open, at: at)]))
            let outcomes = try await store.spendTokensAndStoreBallots([ballot(1), ballot(2), ballot(1), ballot(3, evaluation: "e9")])
            #expect(outcomes == [.stored, .stored, .tokenSpent, .unknownEvaluation])
            #expect(try await store.spendTokensAndStoreBallots([ballot(2)]) == [.tokenSpent])
            #expect(try await store.evaluation(id: "e1")?.ballots == 2)
            #expect(Set(try await store.pendingBallots(evaluation: "e1").map(\.nonce)) == [ballot(1).nonce, ballot(2).nonce])
            #expect(try await store.ballot(evaluation: "e1", tracker: "tracker-2")?.ratings == ballot(2).ratings)
        },
        Case(name: "a refused step changes nothing: stale size, over-issue, wrong state") { store in
            try await openEvaluation(store, electorate: 10)
            await #expect(throws: StoreError.logConflict) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp", effects: []))
            }
            await #expect(throws: StoreError.electorateExceeded(electorate: 10, wanted: 11)) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                               effects: [.issueSlips(count: 11)]))
            }
            await #expect(throws: StoreError.invalidTransition(from: .open, to: .open)) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                               effects: [.issueSlips(count: 1), .transition(from: .draft, to: .open, at: at)]))
            }
            #expect(try await store.leafHashes(evaluation: "e1").count == 2)
            #expect(try await store.logSize(evaluation: "e1") == 2)
            #expect(try await store.checkpoints(evaluation: "e1") == ["cp1", "cp2"])
            #expect(try await store.evaluation(id: "e1")?.slips == 0)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                           effects: [.issueSlips(count: 10)]))
            #expect(try await store.evaluation(id: "e1")?.issued == 10)
            await #expect(throws: StoreError.electorateExceeded(electorate: 10, wanted: 11)) {
                try await store.addEnrollmentCodes(evaluation: "e1", hashes: ["h"])
            }
        },
        Case(name: "pending ballots are integrated once, only while open; closing requires none pending") { store in
            try await openEvaluation(store)
            _ = try await store.spendTokensAndStoreBallots([ballot(1), ballot(2)])
            await #expect(throws: StoreError.ballotsPending) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp",
                                               effects: [.integrateBallots([ballot(1).nonce: 2]), .requireNoPendingBallots]))
            }
            #expect(try await store.pendingBallots(evaluation: "e1").count == 2)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2), entry(3), entry(4)], checkpoint: "cp",
                                           effects: [.integrateBallots([ballot(1).nonce: 3, ballot(2).nonce: 2]), .requireNoPendingBallots,
                                                     .transition(from: .open, to: .closed, at: at)]))
            #expect(try await store.pendingBallots(evaluation: "e1").isEmpty)
            #expect(try await store.ballot(evaluation: "e1", tracker: "tracker-1")?.seq == 3)
            #expect(try await store.evaluation(id: "e1")?.state == .closed)
            #expect(try await store.entries(evaluation: "e1", range: 1..<3).map(\.seq) == [1, 2])
            #expect(try await store.spendTokensAndStoreBallots([ballot(5)]) == [.notOpen])
            await #expect(throws: StoreError.invalidTransition(from: .closed, to: .closed)) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 5, entries: [entry(5)], checkpoint: "cp",
                                               effects: [.integrateBallots([:])]))
            }
        },
        Case(name: "an enrollment code is redeemed once") { store in
            try await openEvaluation(store, electorate: 3)
            try await store.addEnrollmentCodes(evaluation: "e1", hashes: ["h1", "h2"])
            #expect(try await store.evaluation(id: "e1")?.codes == 2)
            #expect(try await store.enrollmentCodeUnused(evaluation: "e1", hash: "h1"))
            #expect(try await !store.enrollmentCodeUnused(evaluation: "e1", hash: "h9"))
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp",
                                           effects: [.redeemEnrollmentCode(hash: "h1")]))
            await #expect(throws: StoreError.codeInvalid) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp",
                                               effects: [.redeemEnrollmentCode(hash: "h1")]))
            }
            await #expect(throws: StoreError.codeInvalid) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp",
                                               effects: [.redeemEnrollmentCode(hash: "nope")]))
            }
            #expect(try await store.evaluation(id: "e1")?.issued == 1)
            #expect(try await !store.enrollmentCodeUnused(evaluation: "e1", hash: "h1"))
        },
        Case(name: "appeals are filed once and resolved once; preliminary time is kept") { store in
            try await store.createEvaluation(record(state: .closed), created: entry(0), checkpoint: "cp1")
            let later = at.addingTimeInterval(60)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp",
                                           effects: [.transition(from: .closed, to: .preliminary, at: later)]))
            #expect(try await store.evaluation(id: "e1")?.preliminaryAt == later)
            let appeal = AppealRecord(evaluation: "e1", id: "a-1", subject: "m-1", text: "申诉", filedAt: later)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp", effects: [.fileAppeal(appeal)]))
            await #expect(throws: StoreError.appealExists("a-1")) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp", effects: [.fileAppeal(appeal)]))
            }
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp",
                                           effects: [.resolveAppeal(evaluation: "e1", id: "a-1", outcome: "dismissed", note: "维持")]))
            await #expect(throws: StoreError.alreadyResolved("a-1")) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 4, entries: [entry(4)], checkpoint: "cp",
                                               effects: [.resolveAppeal(evaluation: "e1", id: "a-1", outcome: "upheld", note: "")]))
            }
            let stored = try await store.appeals(evaluation: "e1")
            #expect(stored.count == 1 && stored.first?.outcome == "dismissed" && stored.first?.text == "申诉")
        },
    ]
}
