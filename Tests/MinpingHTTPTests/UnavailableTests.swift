import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingStore
import MinpingTestSupport
import Synchronization
import Testing

/// A database that stays away (PostgreSQL after every retry): 503 `database_unavailable` with
/// Retry-After, nothing accepted, and the same ballot goes through once it is back.
@Suite("Database unavailable")
struct UnavailableTests {
    let base = "/api/v1/evaluations"

    @Test("a ballot while the database is away gets 503 database_unavailable with Retry-After; once back, the same token is accepted")
    func unavailable() async throws {
        let store = UnreachableStore()
        let server = try await TestServer(store: store)
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).status == 201)
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 1]).json["tokens"] as? [String])
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.admin).status == 200)
            let ballot: [String: Any] = ["token": tokens[0], "ratings": ["m-1": "satisfied"]]

            store.down.withLock { $0 = true }
            let refused = try await client.call(.post, "\(base)/lz-2026/ballots", json: ballot)
            #expect(refused.status == 503 && refused.code == "database_unavailable" && refused.retryAfter == "5", "\(refused.body)")
            #expect(refused.contentType == "application/problem+json" && refused.body.contains("nothing was accepted"))
            let read = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            #expect(read.status == 503 && read.code == "database_unavailable")

            store.down.withLock { $0 = false }
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ballot).status == 202)
        }
    }
}

/// A memory store whose database can be taken away: then every ballot batch and every log
/// step fails as the PostgreSQL store fails once its retries are spent.
final class UnreachableStore: EvaluationStore {
    let inner = MemoryStore()
    let down = Mutex(false)

    private func reachable() throws {
        if down.withLock({ $0 }) { throw StoreError.unavailable("connectionError") }
    }

    func addAPIKey(_ key: APIKeyRecord) async throws { try await inner.addAPIKey(key) }
    func apiKey(hash: String) async throws -> APIKeyRecord? { try await inner.apiKey(hash: hash) }
    func apiKeys() async throws -> [APIKeyRecord] { try await inner.apiKeys() }
    func revokeAPIKey(hash: String) async throws -> Bool { try await inner.revokeAPIKey(hash: hash) }
    func sealedLogKey(street: String, makeSealedSeed: @Sendable () throws -> Data) async throws -> Data {
        try await inner.sealedLogKey(street: street, makeSealedSeed: makeSealedSeed)
    }
    func sealedTokenKey(evaluation: String) async throws -> Data? { try await inner.sealedTokenKey(evaluation: evaluation) }
    func streetNames() async throws -> [String: String] { try await inner.streetNames() }
    func accounts() async throws -> [AccountRecord] { try await inner.accounts() }
    func account(user: String) async throws -> AccountRecord? { try await inner.account(user: user) }
    func addAccount(_ account: AccountRecord) async throws -> Bool { try await inner.addAccount(account) }
    func updateAccount(_ account: AccountRecord) async throws { try await inner.updateAccount(account) }
    func setSetupCode(hash: String?) async throws { try await inner.setSetupCode(hash: hash) }
    func claimSetup(codeHash: String, operator account: AccountRecord) async throws -> Bool {
        try await inner.claimSetup(codeHash: codeHash, operator: account)
    }
    func addActivity(_ activity: ActivityRecord) async throws { try await inner.addActivity(activity) }
    func activity(limit: Int) async throws -> [ActivityRecord] { try await inner.activity(limit: limit) }
    func slipBatches(evaluation: String) async throws -> [SlipBatch] { try await inner.slipBatches(evaluation: evaluation) }
    func setStreetName(street: String, name: String) async throws { try await inner.setStreetName(street: street, name: name) }
    func nonceSpent(evaluation: String, nonce: Data) async throws -> Bool { try await inner.nonceSpent(evaluation: evaluation, nonce: nonce) }
    func roundKeys(evaluation: String) async throws -> [RoundKey] { try await inner.roundKeys(evaluation: evaluation) }
    func anySealedKey() async throws -> (purpose: String, sealed: Data)? { try await inner.anySealedKey() }
    func createEvaluation(_ record: EvaluationRecord, sealedTokenKey: Data, created: StoredEntry, checkpoint: String) async throws {
        try await inner.createEvaluation(record, sealedTokenKey: sealedTokenKey, created: created, checkpoint: checkpoint)
    }
    func evaluation(id: String) async throws -> EvaluationRecord? { try await inner.evaluation(id: id) }
    func evaluationIDs() async throws -> [String] { try await inner.evaluationIDs() }
    func evaluationIDs(street: String) async throws -> [String] { try await inner.evaluationIDs(street: street) }
    func checkpointCount() async throws -> Int { try await inner.checkpointCount() }
    func addEnrollmentCodes(evaluation: String, hashes: [String], batch: SlipBatch?) async throws {
        try await inner.addEnrollmentCodes(evaluation: evaluation, hashes: hashes, batch: batch)
    }
    func enrollmentCodeUnused(evaluation: String, hash: String) async throws -> Bool {
        try await inner.enrollmentCodeUnused(evaluation: evaluation, hash: hash)
    }
    func enrollmentCodeAnswer(evaluation: String, hash: String) async throws -> CodeAnswer? {
        try await inner.enrollmentCodeAnswer(evaluation: evaluation, hash: hash)
    }
    func spendTokensAndStoreBallots(_ ballots: [BallotRecord]) async throws -> [BallotOutcome] {
        try reachable()
        return try await inner.spendTokensAndStoreBallots(ballots)
    }
    func pendingBallots(evaluation: String) async throws -> [PendingBallot] { try await inner.pendingBallots(evaluation: evaluation) }
    func ballotPlace(evaluation: String, tracker: String) async throws -> BallotPlace? {
        try await inner.ballotPlace(evaluation: evaluation, tracker: tracker)
    }
    func commit(_ step: LogStep) async throws {
        try reachable()
        try await inner.commit(step)
    }
    func leafHashes(evaluation: String) async throws -> [Data] { try await inner.leafHashes(evaluation: evaluation) }
    func logSize(evaluation: String) async throws -> Int { try await inner.logSize(evaluation: evaluation) }
    func entries(evaluation: String, range: Range<Int>) async throws -> [StoredEntry] {
        try await inner.entries(evaluation: evaluation, range: range)
    }
    func checkpoints(evaluation: String) async throws -> [String] { try await inner.checkpoints(evaluation: evaluation) }
    func latestCheckpoint(evaluation: String) async throws -> String? { try await inner.latestCheckpoint(evaluation: evaluation) }
    func addCosignatures(evaluation: String, size: Int, lines: [String]) async throws {
        try await inner.addCosignatures(evaluation: evaluation, size: size, lines: lines)
    }
    func appeals(evaluation: String) async throws -> [AppealRecord] { try await inner.appeals(evaluation: evaluation) }
    func addCountEntry(_ entry: CountEntry) async throws -> Bool { try await inner.addCountEntry(entry) }
    func countEntry(evaluation: String, form: String) async throws -> CountEntry? {
        try await inner.countEntry(evaluation: evaluation, form: form)
    }
    func setSecondCountEntry(evaluation: String, form: String, ratings: [String: String], teller: String) async throws {
        try await inner.setSecondCountEntry(evaluation: evaluation, form: form, ratings: ratings, teller: teller)
    }
    func removeCountEntry(evaluation: String, form: String) async throws { try await inner.removeCountEntry(evaluation: evaluation, form: form) }
    func countEntries(evaluation: String) async throws -> [CountEntry] { try await inner.countEntries(evaluation: evaluation) }
}
