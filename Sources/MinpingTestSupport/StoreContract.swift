import Foundation
import MinpingCore
import MinpingKeys
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
        EvaluationRecord(id: id, street: "chengqu", definitionJSON: Array(#"{"id":"e1"}"#.utf8),
                         lifecycle: Lifecycle(electorate: electorate, publicityDays: 5, state: state), createdAt: at)
    }

    static let sealedKey = Data("sealed".utf8)

    static func create(_ store: any EvaluationStore, _ record: EvaluationRecord = record()) async throws {
        try await store.createEvaluation(record, sealedTokenKey: sealedKey, created: entry(0), checkpoint: "cp1")
    }

    static func refused(_ refusal: LifecycleRefusal) -> StoreError { .refused(refusal) }

    public static func entry(_ seq: Int, _ type: String = "x") -> StoredEntry {
        StoredEntry(seq: seq, type: type, bytes: Array("{\"seq\":\(seq)}".utf8), leafHash: Data(repeating: UInt8(seq & 0xFF), count: 32))
    }

    public static func ballot(_ nonce: UInt8, evaluation: String = "e1", tracker: String? = nil) -> BallotRecord {
        BallotRecord(evaluation: evaluation, nonce: Data(repeating: nonce, count: 32), token: "token-\(nonce)",
                     ratings: ["m-1": "satisfied", "o-1": "unknown"], tracker: tracker ?? "tracker-\(nonce)")
    }

    /// Creates e1 and opens it (entries 0 and 1), with `slips` slips issued first.
    public static func openEvaluation(_ store: any EvaluationStore, electorate: Int = 10, slips: Int = 0) async throws {
        try await create(store, record(electorate: electorate))
        try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp2",
                                       effects: (slips > 0 ? [.lifecycle(.slipsIssued(count: slips))] : []) + [.lifecycle(.opened(at: at))]))
    }

    public static let cases: [Case] = [
        Case(name: "an evaluation is stored once, with its created entry and checkpoint") { store in
            try await create(store)
            await #expect(throws: StoreError.evaluationExists("e1")) {
                try await create(store)
            }
            #expect(try await store.evaluation(id: "e1") == record())
            #expect(try await store.sealedTokenKey(evaluation: "e1") == sealedKey)
            #expect(try await store.sealedTokenKey(evaluation: "nope") == nil)
            #expect(try await store.evaluation(id: "nope") == nil)
            #expect(try await store.evaluationIDs() == ["e1"])
            #expect(try await store.evaluationIDs(street: "chengqu") == ["e1"])
            #expect(try await store.evaluationIDs(street: "xinqu").isEmpty)
            #expect(try await store.checkpointCount() == 1)
            #expect(try await store.leafHashes(evaluation: "e1") == [entry(0).leafHash])
            #expect(try await store.logSize(evaluation: "e1") == 1)
            #expect(try await store.logSize(evaluation: "nope") == 0)
            #expect(try await store.checkpoints(evaluation: "e1") == ["cp1"])
        },
        Case(name: "accounts: added once, read back as written, updated whole; the setup code claimed once; activity newest first") { store in
            let account = AccountRecord(user: "王芳", role: .admin, street: "chengqu", passwordHash: "$2b$10$x", createdAt: at)
            #expect(try await store.addAccount(account))
            #expect(try await !store.addAccount(account), "a user name is taken once")
            #expect(try await store.account(user: "王芳") == account)
            #expect(try await store.account(user: "nobody") == nil)
            var changed = account
            changed.disabled = true
            changed.failedSignIns = 3
            changed.lockedUntil = at.addingTimeInterval(900)
            changed.sessionEpoch = 2
            changed.lastSignInAt = at.addingTimeInterval(60)
            try await store.updateAccount(changed)
            #expect(try await store.account(user: "王芳") == changed)
            var missing = account
            missing.user = "nobody"
            await #expect(throws: StoreError.self) { try await store.updateAccount(missing) }
            // The first run: the code works only while no account exists, and once.
            let first = AccountRecord(user: "op", role: .operator, street: nil, passwordHash: "h", createdAt: at)
            try await store.setSetupCode(hash: "code")
            #expect(try await !store.claimSetup(codeHash: "code", operator: first), "an account exists already")
            #expect(try await store.accounts().map(\.user) == ["王芳"])
            try await store.addActivity(ActivityRecord(at: at, actor: "op", action: "created", user: "王芳", detail: "admin chengqu"))
            try await store.addActivity(ActivityRecord(at: at.addingTimeInterval(1), actor: "op", action: "disabled", user: "王芳"))
            #expect(try await store.activity(limit: 10).map(\.action) == ["disabled", "created"])
            #expect(try await store.activity(limit: 1).count == 1)
        },
        Case(name: "the setup code is claimed by exactly one of many racing first visitors") { store in
            try await store.setSetupCode(hash: "code")
            try await store.setSetupCode(hash: "newer")
            #expect(try await !store.claimSetup(codeHash: "code", operator: AccountRecord(user: "old", role: .operator, street: nil,
                                                                                          passwordHash: "h", createdAt: at)),
                    "a newer link replaces the older")
            let claims = try await withThrowingTaskGroup(of: Bool.self) { group in
                for visitor in 0..<10 {
                    group.addTask {
                        try await store.claimSetup(codeHash: "newer", operator: AccountRecord(user: "op\(visitor)", role: .operator, street: nil,
                                                                                             passwordHash: "h", createdAt: at))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(claims.count { $0 } == 1)
            #expect(try await store.accounts().count == 1)
        },
        Case(name: "API keys are found by hash; sealed log keys are made once per street") { store in
            let key = APIKeyRecord(hash: "abc", role: .admin, street: "chengqu", createdAt: at)
            try await store.addAPIKey(key)
            #expect(try await store.apiKey(hash: "abc") == key)
            #expect(try await store.apiKey(hash: "abd") == nil)
            // Listed oldest first; a revoked key is gone at once, and revoking it again says so.
            let reviewer = APIKeyRecord(hash: "def", role: .reviewer, street: "chengqu", createdAt: at.addingTimeInterval(60))
            try await store.addAPIKey(reviewer)
            #expect(try await store.apiKeys() == [key, reviewer])
            #expect(try await store.revokeAPIKey(hash: "def"))
            #expect(try await store.apiKey(hash: "def") == nil)
            #expect(try await !store.revokeAPIKey(hash: "def"))
            #expect(try await store.apiKeys() == [key])
            // Before any signing key, a store holds at most its check value.
            #expect(try await store.anySealedKey().map { $0.purpose == KeyEncryptionKey.checkPurpose } ?? true)
            let first = try await store.sealedLogKey(street: "chengqu") { Data(repeating: 1, count: 32) }
            let second = try await store.sealedLogKey(street: "chengqu") { Data(repeating: 2, count: 32) }
            #expect(first == second && first == Data(repeating: 1, count: 32))
            let any = try await store.anySealedKey()
            #expect(any?.sealed == first && any?.purpose == KeyEncryptionKey.logKeyPurpose(street: "chengqu"))
        },
        Case(name: "ballots stored by many concurrent batches are counted exactly, before and after a lifecycle step folds the count") { store in
            try await openEvaluation(store, electorate: 200, slips: 150)
            // 20 batches of 5 at once: on PostgreSQL each adds to one of a few tally rows (issue 35).
            let stored = try await withThrowingTaskGroup(of: Int.self) { group in
                for batch in 0..<20 {
                    group.addTask {
                        try await store.spendTokensAndStoreBallots((0..<5).map { ballot(UInt8(batch * 5 + $0)) }).count { $0 == .stored }
                    }
                }
                return try await group.reduce(0, +)
            }
            let counted = try await store.evaluation(id: "e1")?.ballots
            #expect(stored == 100 && counted == 100)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                           effects: [.lifecycle(.slipsIssued(count: 10))]))
            let folded = try await store.evaluation(id: "e1")
            #expect(folded?.ballots == 100 && folded?.issued == 160)
            #expect(try await store.spendTokensAndStoreBallots((100..<105).map { ballot(UInt8($0)) }) == Array(repeating: .stored, count: 5))
            #expect(try await store.evaluation(id: "e1")?.ballots == 105)
        },
        Case(name: "a token is spent once; ballots only while open") { store in
            try await create(store)
            #expect(try await store.spendTokensAndStoreBallots([ballot(1)]) == [.refused(.notOpen(.draft))])
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp2",
                                           effects: [.lifecycle(.slipsIssued(count: 3)), .lifecycle(.opened(at: at))]))
            let outcomes = try await store.spendTokensAndStoreBallots([ballot(1), ballot(2), ballot(1), ballot(3, evaluation: "e9")])
            #expect(outcomes == [.stored, .stored, .tokenSpent, .unknownEvaluation])
            #expect(try await store.spendTokensAndStoreBallots([ballot(2)]) == [.tokenSpent])
            #expect(try await store.evaluation(id: "e1")?.ballots == 2)
            #expect(Set(try await store.pendingBallots(evaluation: "e1").map(\.nonce)) == [ballot(1).nonce, ballot(2).nonce])
            #expect(Set(try await store.pendingBallots(evaluation: "e1").map(\.storedRatings)) == [ballot(1).storedRatings, ballot(2).storedRatings])
            #expect(try await store.ballotPlace(evaluation: "e1", tracker: "tracker-2") == .pending)
            #expect(try await store.ballotPlace(evaluation: "e1", tracker: "tracker-9") == nil)
        },
        Case(name: "a refused step changes nothing: stale size, over-issue, wrong state") { store in
            try await openEvaluation(store, electorate: 10)
            await #expect(throws: StoreError.logConflict) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp", effects: []))
            }
            await #expect(throws: refused(.electorateExceeded(electorate: 10, wanted: 11))) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                               effects: [.lifecycle(.slipsIssued(count: 11))]))
            }
            await #expect(throws: refused(.invalidTransition(from: .open, action: "open"))) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                               effects: [.lifecycle(.slipsIssued(count: 1)), .lifecycle(.opened(at: at))]))
            }
            #expect(try await store.leafHashes(evaluation: "e1").count == 2)
            #expect(try await store.logSize(evaluation: "e1") == 2)
            #expect(try await store.checkpoints(evaluation: "e1") == ["cp1", "cp2"])
            #expect(try await store.evaluation(id: "e1")?.lifecycle.slips == 0)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp3",
                                           effects: [.lifecycle(.slipsIssued(count: 10))]))
            #expect(try await store.evaluation(id: "e1")?.issued == 10)
            await #expect(throws: refused(.electorateExceeded(electorate: 10, wanted: 11))) {
                try await store.addEnrollmentCodes(evaluation: "e1", hashes: ["h"])
            }
        },
        Case(name: "pending ballots are integrated once, only while open; closing requires none pending") { store in
            try await create(store)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp2",
                                           effects: [.lifecycle(.slipsIssued(count: 2)), .lifecycle(.opened(at: at))]))
            _ = try await store.spendTokensAndStoreBallots([ballot(1), ballot(2)])
            #expect(try await store.spendTokensAndStoreBallots([ballot(3)]) == [.refused(.moreBallotsThanIssued(issued: 2))])
            await #expect(throws: StoreError.ballotsPending) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp",
                                               effects: [.integrateBallots([ballot(1).nonce: 2]), .requireNoPendingBallots]))
            }
            #expect(try await store.pendingBallots(evaluation: "e1").count == 2)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2), entry(3), entry(4)], checkpoint: "cp",
                                           effects: [.lifecycle(.ballotsLogged), .integrateBallots([ballot(1).nonce: 3, ballot(2).nonce: 2]),
                                                     .requireNoPendingBallots, .lifecycle(.closed(at: at))]))
            #expect(try await store.pendingBallots(evaluation: "e1").isEmpty)
            #expect(try await store.ballotPlace(evaluation: "e1", tracker: "tracker-1") == .logged(seq: 3))
            #expect(try await store.ballotPlace(evaluation: "e1", tracker: "tracker-2") == .logged(seq: 2))
            #expect(try await store.evaluation(id: "e1")?.state == .closed)
            #expect(try await store.entries(evaluation: "e1", range: 1..<3).map(\.seq) == [1, 2])
            #expect(try await store.spendTokensAndStoreBallots([ballot(5)]) == [.refused(.notOpen(.closed))])
            await #expect(throws: refused(.invalidTransition(from: .closed, action: "log ballots of"))) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 5, entries: [entry(5)], checkpoint: "cp",
                                               effects: [.lifecycle(.ballotsLogged), .integrateBallots([:])]))
            }
        },
        Case(name: "an enrollment code is redeemed once and keeps the answer it got") { store in
            try await openEvaluation(store, electorate: 3)
            try await store.addEnrollmentCodes(evaluation: "e1", hashes: ["h1", "h2"])
            #expect(try await store.evaluation(id: "e1")?.lifecycle.codes == 2)
            #expect(try await store.enrollmentCodeUnused(evaluation: "e1", hash: "h1"))
            #expect(try await !store.enrollmentCodeUnused(evaluation: "e1", hash: "h9"))
            #expect(try await store.enrollmentCodeAnswer(evaluation: "e1", hash: "h1") == nil)
            let answer = CodeAnswer(request: "r1", response: Data([1, 2, 3]))
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp",
                                           effects: [.lifecycle(.tokenIssued), .redeemEnrollmentCode(hash: "h1", answer: answer)]))
            let other = CodeAnswer(request: "r2", response: Data([4]))
            await #expect(throws: StoreError.codeInvalid) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp",
                                               effects: [.lifecycle(.tokenIssued), .redeemEnrollmentCode(hash: "h1", answer: other)]))
            }
            await #expect(throws: StoreError.codeInvalid) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp",
                                               effects: [.lifecycle(.tokenIssued), .redeemEnrollmentCode(hash: "nope", answer: other)]))
            }
            #expect(try await store.evaluation(id: "e1")?.issued == 1)
            #expect(try await !store.enrollmentCodeUnused(evaluation: "e1", hash: "h1"))
            #expect(try await store.enrollmentCodeAnswer(evaluation: "e1", hash: "h1") == answer)
            #expect(try await store.enrollmentCodeAnswer(evaluation: "e1", hash: "h2") == nil)
            #expect(try await store.enrollmentCodeAnswer(evaluation: "e2", hash: "h1") == nil)
        },
        Case(name: "appeals are filed once and resolved once; preliminary time is kept") { store in
            try await create(store, record(state: .closed))
            let later = at.addingTimeInterval(60)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp",
                                           effects: [.lifecycle(.published(.preliminary, at: later))]))
            #expect(try await store.evaluation(id: "e1")?.lifecycle.preliminaryAt == later)
            let appeal = AppealRecord(evaluation: "e1", id: "a-1", subject: "m-1", text: "申诉", filedAt: later)
            let file: [LogEffect] = [.lifecycle(.appealFiled(id: "a-1")), .storeAppeal(appeal)]
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp", effects: file))
            await #expect(throws: refused(.appealExists("a-1"))) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp", effects: file))
            }
            #expect(try await store.evaluation(id: "e1")?.lifecycle.unresolvedAppeals == 1)
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 3, entries: [entry(3)], checkpoint: "cp",
                                           effects: [.lifecycle(.appealResolved(id: "a-1")),
                                                     .storeResolution(id: "a-1", outcome: .dismissed, note: "维持")]))
            await #expect(throws: refused(.alreadyResolved("a-1"))) {
                try await store.commit(LogStep(evaluation: "e1", expectedSize: 4, entries: [entry(4)], checkpoint: "cp",
                                               effects: [.lifecycle(.appealResolved(id: "a-1")),
                                                         .storeResolution(id: "a-1", outcome: .upheld, note: "")]))
            }
            let stored = try await store.appeals(evaluation: "e1")
            #expect(stored.count == 1 && stored.first?.outcome == .dismissed && stored.first?.text == "申诉")
            #expect(try await store.evaluation(id: "e1")?.lifecycle.unresolvedAppeals == 0)
        },
        Case(name: "a remedy's round keeps its key, voids unused codes, restarts the counts; republication is kept") { store in
            try await create(store, record(state: .open))
            try await store.addEnrollmentCodes(evaluation: "e1", hashes: ["h-old"])
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp",
                                           effects: [.lifecycle(.closed(at: at)), .lifecycle(.published(.preliminary, at: at)),
                                                     .lifecycle(.amended)]))
            #expect(try await store.evaluation(id: "e1")?.lifecycle.republicationDue == true)
            let key = RoundKey(round: 2, sealed: Data([1, 2, 3]), subjects: ["m-1", "机构-2"])
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2)], checkpoint: "cp",
                                           effects: [.lifecycle(.revoteOpened(round: 2)), .storeRoundKey(key), .voidUnusedCodes]))
            let lifecycle = try #require(try await store.evaluation(id: "e1")?.lifecycle)
            #expect(lifecycle.round == 2 && lifecycle.state == .open && lifecycle.issued == 0 && lifecycle.codes == 0)
            #expect(lifecycle.republicationDue)
            #expect(try await store.roundKeys(evaluation: "e1") == [key])
            #expect(try await !store.enrollmentCodeUnused(evaluation: "e1", hash: "h-old"))
            try await store.addEnrollmentCodes(evaluation: "e1", hashes: ["h-new"])
            #expect(try await store.enrollmentCodeUnused(evaluation: "e1", hash: "h-new"))
        },
        Case(name: "the tellers' desk: a form's first entry is kept once, a differing second beside it, removed when cast; a teller key and a teller account keep their evaluation") { store in
            try await create(store)
            let first = CountEntry(evaluation: "e1", form: "ABCDEFGH", token: "tok", ratings: ["m-1": "satisfied", "m-2": "unknown"], teller: "key:1")
            #expect(try await store.addCountEntry(first))
            #expect(try await !store.addCountEntry(CountEntry(evaluation: "e1", form: "ABCDEFGH", token: "tok", ratings: [:], teller: "key:2")),
                    "a form has one first entry")
            #expect(try await store.countEntry(evaluation: "e1", form: "ABCDEFGH") == first)
            try await store.setSecondCountEntry(evaluation: "e1", form: "ABCDEFGH", ratings: ["m-1": "dissatisfied"], teller: "key:2")
            var disputed = first
            disputed.secondRatings = ["m-1": "dissatisfied"]
            disputed.secondTeller = "key:2"
            #expect(try await store.countEntry(evaluation: "e1", form: "ABCDEFGH") == disputed)
            #expect(try await store.addCountEntry(CountEntry(evaluation: "e1", form: "AAAAAAAA", token: "t2", ratings: [:], teller: "key:1")))
            #expect(try await store.countEntries(evaluation: "e1").map(\.form) == ["AAAAAAAA", "ABCDEFGH"])
            try await store.removeCountEntry(evaluation: "e1", form: "ABCDEFGH")
            #expect(try await store.countEntry(evaluation: "e1", form: "ABCDEFGH") == nil)
            #expect(try await store.countEntries(evaluation: "e1").count == 1)
            let teller = APIKeyRecord(hash: "teller-hash", role: .teller, street: "chengqu", evaluation: "e1", createdAt: at)
            try await store.addAPIKey(teller)
            #expect(try await store.apiKey(hash: "teller-hash") == teller)
            var account = AccountRecord(user: "jishu", role: .teller, street: "chengqu", passwordHash: "$2b$10$x", createdAt: at, evaluation: "e1")
            #expect(try await store.addAccount(account))
            #expect(try await store.account(user: "jishu") == account)
            account.failedSignIns = 1
            try await store.updateAccount(account)
            #expect(try await store.account(user: "jishu")?.evaluation == "e1")
        },
        Case(name: "a street's display name is set and renamed") { store in
            #expect(try await store.streetNames().isEmpty)
            try await store.setStreetName(street: "chengqu", name: "城区")
            try await store.setStreetName(street: "chengqu", name: "城区街道")
            try await store.setStreetName(street: "xincheng", name: "新城街道")
            #expect(try await store.streetNames() == ["chengqu": "城区街道", "xincheng": "新城街道"])
        },
        Case(name: "one token cast by 50 callers at once is stored once (several instances, one database)") { store in
            try await create(store, record(electorate: 60))
            try await store.commit(LogStep(evaluation: "e1", expectedSize: 1, entries: [entry(1)], checkpoint: "cp2",
                                           effects: [.lifecycle(.slipsIssued(count: 50)), .lifecycle(.opened(at: at))]))
            let outcomes = try await withThrowingTaskGroup(of: [BallotOutcome].self) { group in
                for _ in 0..<50 { group.addTask { try await store.spendTokensAndStoreBallots([ballot(7)]) } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(outcomes.count { $0 == .stored } == 1 && outcomes.count { $0 == .tokenSpent } == 49)
            #expect(try await store.evaluation(id: "e1")?.ballots == 1)
            #expect(try await store.pendingBallots(evaluation: "e1").count == 1)
        },
        Case(name: "steps racing for one log size: exactly one is appended, the log stays linear") { store in
            try await openEvaluation(store)
            let results = await withTaskGroup(of: Bool.self) { group in
                for writer in 0..<10 {
                    group.addTask {
                        (try? await store.commit(LogStep(evaluation: "e1", expectedSize: 2, entries: [entry(2, "w\(writer)")],
                                                         checkpoint: "cp3-\(writer)", effects: []))) != nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count { $0 } == 1)
            #expect(try await store.logSize(evaluation: "e1") == 3)
            let checkpoints = try await store.checkpoints(evaluation: "e1")
            #expect(checkpoints.count == 3 && checkpoints[2].hasPrefix("cp3-"))
            let winner = try #require(try await store.entries(evaluation: "e1", range: 2..<3).first)
            #expect(checkpoints[2] == "cp3-" + winner.type.dropFirst())
        },
    ]
}
