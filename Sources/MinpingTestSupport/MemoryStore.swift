import Foundation
import MinpingCore
import MinpingKeys
import MinpingStore
import Synchronization

/// An in-memory `EvaluationStore` for tests: the same contract as SQLite, no durability.
public final class MemoryStore: EvaluationStore {
    struct State {
        var keys: [String: APIKeyRecord] = [:]
        var logSeeds: [String: Data] = [:]
        var tokenKeys: [String: Data] = [:]
        var evaluations: [String: EvaluationRecord] = [:]
        var codes: [String: [String: Bool]] = [:]  // evaluation -> hash -> used
        var answers: [String: [String: CodeAnswer]] = [:]  // evaluation -> hash -> the answer it got
        var ballots: [String: [Data: BallotRecord]] = [:]
        var entries: [String: [StoredEntry]] = [:]
        var checkpoints: [String: [Int: String]] = [:]
        var appeals: [String: [AppealRecord]] = [:]
        var roundKeys: [String: [RoundKey]] = [:]
        var streetNames: [String: String] = [:]
        var accounts: [String: AccountRecord] = [:]
        var setupCode: String?
        var activity: [ActivityRecord] = []
        var batches: [String: [SlipBatch]] = [:]
        var countEntries: [String: [String: CountEntry]] = [:]  // evaluation -> form -> entry
        var codeBatch: [String: [String: String]] = [:]  // evaluation -> hash -> batch
    }

    private let state = Mutex(State())

    public init() {}

    public func addAPIKey(_ key: APIKeyRecord) async throws {
        state.withLock { $0.keys[key.hash] = key }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        state.withLock { $0.keys[hash] }
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        state.withLock { $0.keys.values.sorted { ($0.createdAt, $0.hash) < ($1.createdAt, $1.hash) } }
    }

    public func revokeAPIKey(hash: String) async throws -> Bool {
        state.withLock { $0.keys.removeValue(forKey: hash) != nil }
    }

    public func accounts() async throws -> [AccountRecord] {
        state.withLock { $0.accounts.values.sorted { $0.user < $1.user } }
    }

    public func account(user: String) async throws -> AccountRecord? {
        state.withLock { $0.accounts[user] }
    }

    public func addAccount(_ account: AccountRecord) async throws -> Bool {
        state.withLock { state in
            guard state.accounts[account.user] == nil else { return false }
            state.accounts[account.user] = account
            return true
        }
    }

    public func updateAccount(_ account: AccountRecord) async throws {
        try state.withLock { state throws(StoreError) in
            guard state.accounts[account.user] != nil else { throw .notFound("account \(account.user)") }
            state.accounts[account.user] = account
        }
    }

    public func setSetupCode(hash: String?) async throws {
        state.withLock { $0.setupCode = hash }
    }

    public func claimSetup(codeHash: String, operator account: AccountRecord) async throws -> Bool {
        state.withLock { state in
            guard state.setupCode == codeHash, state.accounts.isEmpty else { return false }
            state.accounts[account.user] = account
            state.setupCode = nil
            return true
        }
    }

    public func addActivity(_ activity: ActivityRecord) async throws {
        state.withLock { $0.activity.append(activity) }
    }

    public func activity(limit: Int) async throws -> [ActivityRecord] {
        state.withLock { Array($0.activity.reversed().prefix(limit)) }
    }

    public func streetNames() async throws -> [String: String] {
        state.withLock { $0.streetNames }
    }

    public func setStreetName(street: String, name: String) async throws {
        state.withLock { $0.streetNames[street] = name }
    }

    public func sealedLogKey(street: String, makeSealedSeed: @Sendable () throws -> Data) async throws -> Data {
        try state.withLock { state in
            if let seed = state.logSeeds[street] { return seed }
            let seed = try makeSealedSeed()
            state.logSeeds[street] = seed
            return seed
        }
    }

    public func sealedTokenKey(evaluation: String) async throws -> Data? {
        state.withLock { $0.tokenKeys[evaluation] }
    }

    public func roundKeys(evaluation: String) async throws -> [RoundKey] {
        state.withLock { $0.roundKeys[evaluation] ?? [] }
    }

    public func anySealedKey() async throws -> (purpose: String, sealed: Data)? {
        state.withLock { state in
            state.logSeeds.first.map { (KeyEncryptionKey.logKeyPurpose(street: $0.key), $0.value) }
        }
    }

    public func createEvaluation(_ record: EvaluationRecord, sealedTokenKey: Data, created: StoredEntry, checkpoint: String) async throws {
        try state.withLock { state throws(StoreError) in
            guard state.evaluations[record.id] == nil else { throw .evaluationExists(record.id) }
            state.evaluations[record.id] = record
            state.tokenKeys[record.id] = sealedTokenKey
            state.entries[record.id] = [created]
            state.checkpoints[record.id] = [1: checkpoint]
        }
    }

    public func evaluation(id: String) async throws -> EvaluationRecord? {
        state.withLock { $0.evaluations[id] }
    }

    public func evaluationIDs() async throws -> [String] {
        state.withLock { $0.evaluations.keys.sorted() }
    }

    public func checkpointCount() async throws -> Int {
        state.withLock { $0.checkpoints.values.reduce(0) { $0 + $1.count } }
    }

    public func evaluationIDs(street: String) async throws -> [String] {
        state.withLock { $0.evaluations.values.filter { $0.street == street }.map(\.id).sorted() }
    }

    public func addEnrollmentCodes(evaluation: String, hashes: [String], batch: SlipBatch?) async throws {
        try state.withLock { state throws(StoreError) in
            guard var record = state.evaluations[evaluation] else { throw .notFound("evaluation \(evaluation)") }
            try record.apply([.codesCreated(count: hashes.count)])
            for hash in hashes {
                state.codes[evaluation, default: [:]][hash] = false
                if let batch { state.codeBatch[evaluation, default: [:]][hash] = batch.id }
            }
            if let batch { state.batches[evaluation, default: []].append(batch) }
            state.evaluations[evaluation] = record
        }
    }

    public func slipBatches(evaluation: String) async throws -> [SlipBatch] {
        state.withLock { state in
            (state.batches[evaluation] ?? []).map { batch in
                var batch = batch
                batch.used = (state.codeBatch[evaluation] ?? [:]).filter { $0.value == batch.id && state.answers[evaluation]?[$0.key] != nil }.count
                return batch
            }
        }
    }

    public func enrollmentCodeUnused(evaluation: String, hash: String) async throws -> Bool {
        state.withLock { $0.codes[evaluation]?[hash] == false }
    }

    public func enrollmentCodeAnswer(evaluation: String, hash: String) async throws -> CodeAnswer? {
        state.withLock { $0.answers[evaluation]?[hash] }
    }

    public func spendTokensAndStoreBallots(_ ballots: [BallotRecord]) async throws -> [BallotOutcome] {
        state.withLock { state in
            ballots.map { ballot in
                guard var record = state.evaluations[ballot.evaluation] else { return .unknownEvaluation }
                guard state.ballots[ballot.evaluation]?[ballot.nonce] == nil else { return .tokenSpent }
                do throws(LifecycleRefusal) {
                    try record.lifecycle.apply(.ballotCast(round: ballot.round))
                } catch {
                    return .refused(error)
                }
                var stored = ballot
                stored.seq = nil
                state.ballots[ballot.evaluation, default: [:]][ballot.nonce] = stored
                state.evaluations[ballot.evaluation] = record
                return .stored
            }
        }
    }

    public func pendingBallots(evaluation: String) async throws -> [PendingBallot] {
        state.withLock {
            ($0.ballots[evaluation] ?? [:]).values.filter { $0.seq == nil }
                .map { PendingBallot(nonce: $0.nonce, token: $0.token, storedRatings: $0.storedRatings) }
        }
    }

    public func nonceSpent(evaluation: String, nonce: Data) async throws -> Bool {
        state.withLock { $0.ballots[evaluation]?[nonce] != nil }
    }

    public func ballotPlace(evaluation: String, tracker: String) async throws -> BallotPlace? {
        state.withLock { ($0.ballots[evaluation] ?? [:]).values.first { $0.tracker == tracker } }
            .map { $0.seq.map { .logged(seq: $0) } ?? .pending }
    }

    public func commit(_ step: LogStep) async throws {
        try state.withLock { state throws(StoreError) in
            // Work on a copy, so a refused step changes nothing (a transaction's rollback).
            var copy = state
            guard let locked = copy.evaluations[step.evaluation] else { throw .notFound("evaluation \(step.evaluation)") }
            let (record, writes) = try step.writes(locked: locked, logSize: copy.entries[step.evaluation]?.count ?? 0)
            for write in writes {
                switch write {
                case let .effect(effect): try Self.apply(effect, to: record, &copy)
                case let .entries(entries): copy.entries[record.id, default: []] += entries
                case let .checkpoint(note, size): copy.checkpoints[record.id, default: [:]][size] = note
                case let .lifecycle(lifecycle): copy.evaluations[record.id]?.lifecycle = lifecycle
                }
            }
            state = copy
        }
    }

    /// The rows beside the evaluation's own (which ``Lifecycle`` moved already).
    private static func apply(_ effect: LogEffect, to record: EvaluationRecord, _ state: inout State) throws(StoreError) {
        switch effect {
        case .lifecycle:
            break
        case let .redeemEnrollmentCode(hash, answer):
            guard state.codes[record.id]?[hash] == false else { throw .codeInvalid }
            state.codes[record.id]?[hash] = true
            state.answers[record.id, default: [:]][hash] = answer
        case let .integrateBallots(positions):
            for (nonce, seq) in positions {
                guard state.ballots[record.id]?[nonce]?.seq == nil, state.ballots[record.id]?[nonce] != nil else { throw .logConflict }
                state.ballots[record.id]?[nonce]?.seq = seq
            }
        case .requireNoPendingBallots:
            guard !(state.ballots[record.id] ?? [:]).values.contains(where: { $0.seq == nil }) else { throw .ballotsPending }
        case let .storeAppeal(appeal):
            state.appeals[record.id, default: []].append(appeal)
        case let .storeResolution(id, outcome, note):
            guard let index = state.appeals[record.id]?.firstIndex(where: { $0.id == id }) else { throw .notFound("appeal \(id)") }
            state.appeals[record.id]?[index].outcome = outcome
            state.appeals[record.id]?[index].note = note
        case let .storeRoundKey(key):
            state.roundKeys[record.id, default: []].append(key)
        case .voidUnusedCodes:
            state.codes[record.id] = state.codes[record.id]?.mapValues { _ in true }
        case let .recordBatch(batch):
            state.batches[record.id, default: []].append(batch)
        case let .voidBatch(id):
            guard let index = state.batches[record.id]?.firstIndex(where: { $0.id == id && $0.kind == .code && !$0.voided }) else {
                throw .notFound("batch \(id)")
            }
            let hashes = (state.codeBatch[record.id] ?? [:]).filter { $0.value == id }.map(\.key)
            guard !hashes.contains(where: { state.codes[record.id]?[$0] == true }) else { throw .batchUsed(id) }
            for hash in hashes { state.codes[record.id]?[hash] = true }
            state.batches[record.id]?[index].voided = true
        }
    }

    public func leafHashes(evaluation: String) async throws -> [Data] {
        state.withLock { ($0.entries[evaluation] ?? []).map(\.leafHash) }
    }

    public func logSize(evaluation: String) async throws -> Int {
        state.withLock { $0.entries[evaluation]?.count ?? 0 }
    }

    public func entries(evaluation: String, range: Range<Int>) async throws -> [StoredEntry] {
        state.withLock { state in
            let all = state.entries[evaluation] ?? []
            return Array(all[min(range.lowerBound, all.count)..<min(range.upperBound, all.count)])
        }
    }

    public func checkpoints(evaluation: String) async throws -> [String] {
        state.withLock { ($0.checkpoints[evaluation] ?? [:]).sorted { $0.key < $1.key }.map(\.value) }
    }

    public func latestCheckpoint(evaluation: String) async throws -> String? {
        state.withLock { ($0.checkpoints[evaluation] ?? [:]).max { $0.key < $1.key }?.value }
    }

    public func addCosignatures(evaluation: String, size: Int, lines: [String]) async throws {
        try state.withLock { state in
            guard let note = state.checkpoints[evaluation]?[size] else { throw StoreError.notFound("checkpoint \(size)") }
            state.checkpoints[evaluation]?[size] = CosignedNote.appending(lines, to: note)
        }
    }

    public func appeals(evaluation: String) async throws -> [AppealRecord] {
        state.withLock { $0.appeals[evaluation] ?? [] }
    }

    public func addCountEntry(_ entry: CountEntry) async throws -> Bool {
        state.withLock { state in
            guard state.countEntries[entry.evaluation]?[entry.form] == nil else { return false }
            state.countEntries[entry.evaluation, default: [:]][entry.form] = entry
            return true
        }
    }

    public func countEntry(evaluation: String, form: String) async throws -> CountEntry? {
        state.withLock { $0.countEntries[evaluation]?[form] }
    }

    public func setSecondCountEntry(evaluation: String, form: String, ratings: [String: String], teller: String) async throws {
        state.withLock { state in
            state.countEntries[evaluation]?[form]?.secondRatings = ratings
            state.countEntries[evaluation]?[form]?.secondTeller = teller
        }
    }

    public func removeCountEntry(evaluation: String, form: String) async throws {
        _ = state.withLock { $0.countEntries[evaluation]?.removeValue(forKey: form) }
    }

    public func countEntries(evaluation: String) async throws -> [CountEntry] {
        state.withLock { ($0.countEntries[evaluation] ?? [:]).values.sorted { $0.form < $1.form } }
    }
}
