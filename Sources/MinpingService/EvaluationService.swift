import Crypto
import Foundation
import Logging
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens
import Synchronization

/// The evaluation service: the lifecycle of SPEC §6 over a store, every step an audit entry
/// followed by a signed checkpoint, ballots accepted exactly once and integrated into the log
/// in shuffled batches.
///
/// Log steps for one evaluation run one at a time (a per-evaluation lock), each built on the
/// log's head and committed with its state change in one store transaction. Ballots do not
/// wait for that lock: they are verified concurrently and stored by a group commit
/// (``BallotCommitter``); integration orders them later.
public actor EvaluationService {
    public struct Configuration: Sendable {
        /// The first part of every log origin and log key name (SPEC §5).
        public var prefix: String
        /// Where slips point: `<publicBaseURL>/vote/<evaluation>#t=<token>`.
        public var publicBaseURL: String

        public init(prefix: String = EvaluationLog.defaultPrefix, publicBaseURL: String = "http://127.0.0.1:8080") {
            self.prefix = prefix
            self.publicBaseURL = publicBaseURL
        }
    }

    public nonisolated let store: any EvaluationStore
    public nonisolated let configuration: Configuration
    nonisolated let now: @Sendable () -> Date
    nonisolated let logger: Logger
    nonisolated let committer: BallotCommitter
    private nonisolated let contexts = Mutex<[String: EvaluationContext]>([:])
    private var heads: [String: LogHead] = [:]
    private var locks: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init(store: any EvaluationStore, configuration: Configuration = Configuration(),
                now: @escaping @Sendable () -> Date = Date.init, logger: Logger = Logger(label: "minping.service")) {
        self.store = store
        self.configuration = configuration
        self.now = now
        self.logger = logger
        committer = BallotCommitter(store: store)
    }


    // MARK: API keys

    /// Makes an API key; only its hash is stored. Returns the key (shown once).
    public nonisolated func createAPIKey(role: Role, street: String?) async throws -> String {
        if role != .operator {
            guard let street, DefinitionParser.isSlug(street) else {
                throw ServiceError.malformed("an \(role.rawValue) key needs --street with a street slug [a-z0-9-]{1,64}")
            }
        }
        let secret = "mp_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64URLEncodedString
        try await store.addAPIKey(APIKeyRecord(hash: Self.hash(secret), role: role,
                                               street: role == .operator ? nil : street, createdAt: now()))
        return secret
    }

    public nonisolated func authenticate(key: String) async throws -> APIKeyRecord? {
        try await store.apiKey(hash: Self.hash(key))
    }

    nonisolated static func hash(_ text: String) -> String {
        Data(SHA256.hash(data: Data(text.utf8))).hex
    }

    /// The street's log verifier key (created with the street's first evaluation, or now).
    public nonisolated func logVerifierKey(street: String) async throws -> String {
        try await logSigner(street: street).verifier.verifierKey
    }

    /// The street's Ed25519 log key, made on first use.
    nonisolated func logSigner(street: String) async throws -> LogSigner {
        let seed = try await store.logKeySeed(street: street) { Curve25519.Signing.PrivateKey().rawRepresentation }
        return try LogSigner(name: EvaluationLog.keyName(prefix: configuration.prefix, street: street), seed: seed)
    }

    // MARK: Evaluations

    /// Creates an evaluation from its definition: a new issuing key, the `created` entry and
    /// the first checkpoint.
    public func create(_ definition: EvaluationDefinition) async throws -> EvaluationRecord {
        if try await store.evaluation(id: definition.id) != nil { throw ServiceError.evaluationExists(definition.id) }
        let issuingKey = try IssuingKey()
        let signer = try await logSigner(street: definition.street)
        let record = EvaluationRecord(
            id: definition.id, street: definition.street, definitionJSON: CanonicalJSON.encode(definition.jsonValue),
            tokenKeyPEM: issuingKey.pem, electorate: definition.electorate, createdAt: now())
        var head = LogHead(origin: EvaluationLog.origin(prefix: configuration.prefix, street: definition.street, evaluation: definition.id),
                           signer: signer, leafHashes: [])
        let created = head.append(.created, Entries.created(definition: definition, tokenKey: issuingKey.publicKey,
                                                            logVerifierKey: signer.verifier.verifierKey))
        do {
            try await store.createEvaluation(record, created: Self.stored(created), checkpoint: head.checkpoint())
        } catch let error as StoreError {
            throw Self.translate(error)
        }
        heads[definition.id] = head
        logger.info("evaluation created", metadata: ["evaluation": "\(definition.id)", "street": "\(definition.street)"])
        return record
    }

    public nonisolated func record(_ id: String) async throws -> EvaluationRecord {
        guard let record = try await store.evaluation(id: id) else { throw ServiceError.notFound("evaluation '\(id)'") }
        return record
    }

    nonisolated func context(_ id: String) async throws -> EvaluationContext {
        if let context = contexts.withLock({ $0[id] }) { return context }
        let record = try await record(id)
        let context = try EvaluationContext(record: record, signer: try await logSigner(street: record.street), prefix: configuration.prefix)
        contexts.withLock { $0[id] = context }
        return context
    }

    public nonisolated func definition(_ id: String) async throws -> EvaluationDefinition {
        try await context(id).definition
    }

    public nonisolated func tokenPublicKey(_ id: String) async throws -> TokenPublicKey {
        try await context(id).issuingKey.publicKey
    }

    /// The origin and log verifier key of the evaluation's log.
    public nonisolated func logIdentity(_ id: String) async throws -> (origin: String, verifierKey: String) {
        let context = try await context(id)
        return (context.origin, context.signer.verifier.verifierKey)
    }

    // MARK: Lifecycle

    public func open(_ id: String) async throws -> EvaluationState {
        let at = now()
        try await step(id) { head, record in
            try Self.require(record, .draft, to: .open, action: "open")
            return ([head.append(.opened, Entries.opened(at: at))], [.transition(from: .draft, to: .open, at: at)])
        }
        return .open
    }

    /// Closes voting: the state changes, every pending ballot is integrated, and `closed`
    /// records the counts, all in one step.
    public func close(_ id: String) async throws -> EvaluationState {
        let at = now()
        try await endVoting(id, action: "close") { head, record in
            try Self.require(record, .open, to: .closed, action: "close")
            return (head.append(.closed, Entries.closed(at: at, ballots: record.ballots, issued: record.issued)),
                    .transition(from: .open, to: .closed, at: at))
        }
        return .closed
    }

    /// Annuls an evaluation (from any state but final), recording only the reason's hash.
    /// Ballots accepted before it are integrated first: nothing follows it.
    public func annul(_ id: String, reason: String) async throws -> EvaluationState {
        let at = now()
        try await endVoting(id, action: "annul") { head, record in
            try Self.require(record, record.state, to: .annulled, action: "annul")
            return (head.append(.annulled, Entries.annulled(at: at, reasonSHA256: Self.hash(reason))),
                    .transition(from: record.state, to: .annulled, at: at))
        }
        return .annulled
    }

    /// Under the evaluation's lock, integrates every pending ballot (batches with their own
    /// checkpoints), then appends the entry `last` builds with its transition, in a step of its
    /// own. The pending ballots are read under the lock, so the integrator cannot take them in
    /// between; a ballot that arrives before the last step makes the store refuse that step,
    /// and the arrivals are integrated before it is tried again.
    private func endVoting(_ id: String, action: String,
                           _ last: (inout LogHead, EvaluationRecord) throws -> (LogEntry, LogEffect)) async throws {
        try await locked(id) {
            for attempt in 0..<5 {
                _ = try await integrateLocked(id)
                do {
                    try await commitStep(id) { head, record in
                        let (entry, transition) = try last(&head, record)
                        return ([entry], [.requireNoPendingBallots, transition])
                    }
                    return
                } catch StoreError.ballotsPending where attempt < 4 {
                    continue  // a ballot arrived meanwhile: take it in too
                }
            }
            throw ServiceError.invalidTransition(from: .open, action: "\(action) (ballots kept arriving; try again)")
        }
    }

    /// Publishes results (SPEC §6): preliminary after closing (again while in preliminary, to
    /// correct after an upheld appeal), final once the publicity period is over and every
    /// appeal resolved.
    public func publish(_ id: String, stage: ResultsStage) async throws -> EvaluationResults {
        let context = try await context(id)
        let at = now()
        // The ballots and appeals are read under the lock: an appeal filed meanwhile holds
        // back `final` instead of slipping in beside it.
        let published: EvaluationResults = try await locked(id) {
            let tally = try await recount(id, definition: context.definition)
            let appeals = try await store.appeals(evaluation: id)
            var published = EvaluationResults?.none
            try await commitStep(id) { head, record in
                switch stage {
                case .preliminary:
                    guard record.state == .closed || record.state == .preliminary else {
                        throw ServiceError.invalidTransition(from: record.state, action: "publish preliminary results of")
                    }
                case .final:
                    try Self.require(record, .preliminary, to: .final, action: "publish final results of")
                    let pending = appeals.filter { $0.outcome == nil }.count
                    guard pending == 0 else { throw ServiceError.appealsPending(pending) }
                    let until = (record.preliminaryAt ?? at).addingTimeInterval(Double(context.definition.publicityDays) * 86_400)
                    guard at >= until else { throw ServiceError.publicityNotOver(until: until) }
                }
                let results = tally.results(stage: stage)
                published = results
                let entry = head.append(.results, Entries.results(results, at: at))
                return ([entry], [.transition(from: record.state, to: stage == .final ? .final : .preliminary, at: at)])
            }
            guard let published else { throw ServiceError.resultsNotPublished }
            return published
        }
        logger.info("results published", metadata: ["evaluation": "\(id)", "stage": "\(stage.rawValue)"])
        return published
    }

    /// The latest published results; before `preliminary` only turnout is public.
    public nonisolated func results(_ id: String) async throws -> JSONValue {
        let record = try await record(id)
        guard record.state.resultsPublic || record.state == .annulled,
              let entry = try await latestEntry(id, type: .results), let results = entry.fields["results"]
        else { throw ServiceError.resultsNotPublished }
        return results
    }

    // MARK: Integration

    /// Integrates the evaluation's pending ballots, shuffled, followed by a checkpoint.
    /// Returns how many were integrated.
    @discardableResult
    public func integratePending(_ id: String) async throws -> Int {
        // Read under the lock: `close` and `annul` integrate the same ballots in their own step.
        try await locked(id) {
            try await integrateLocked(id)
        }
    }

    /// Integrates the pending ballots in batches of at most `integrationBatch`, each its own
    /// step with a checkpoint (SPEC §5: a checkpoint after every batch): the store's single
    /// writer is never held long, so ballots keep their latency. The caller holds the lock.
    private func integrateLocked(_ id: String) async throws -> Int {
        let pending = try await store.pendingBallots(evaluation: id)
        for start in stride(from: 0, to: pending.count, by: Self.integrationBatch) {
            let started = ContinuousClock.now
            let batch = Array(pending[start..<min(start + Self.integrationBatch, pending.count)])
            try await commitStep(id) { head, _ in
                let (entries, positions) = Self.ballotEntries(batch, head: &head)
                return (entries, [.integrateBallots(positions)])
            }
            ServiceMetrics.integrated(count: batch.count, duration: ContinuousClock.now - started)
        }
        return pending.count
    }

    /// Integrates every evaluation's pending ballots: at start-up (ballots accepted before a
    /// crash come first) and on every tick of the integrator.
    @discardableResult
    public func integrateAll() async throws -> Int {
        var total = 0
        for id in try await store.evaluationIDs() {
            do {
                total += try await integratePending(id)
            } catch {
                logger.error("integration failed", metadata: ["evaluation": "\(id)", "error": "\(error)"])
            }
        }
        return total
    }

    static let integrationBatch = 500

    static func ballotEntries(_ pending: [BallotRecord], head: inout LogHead) -> ([LogEntry], [Data: Int]) {
        var entries: [LogEntry] = []
        var positions: [Data: Int] = [:]
        // Random order within the batch: the log's order does not reveal casting order.
        for ballot in pending.shuffled() {
            let entry = head.append(.ballot, Entries.ballot(token: ballot.token, ratings: ballot.ratings))
            positions[ballot.nonce] = entry.seq
            entries.append(entry)
        }
        return (entries, positions)
    }

    // MARK: Steps

    /// Runs one log step for an evaluation under its lock (see `commitStep`).
    func step(_ id: String, _ build: (inout LogHead, EvaluationRecord) throws -> ([LogEntry], [LogEffect])) async throws {
        try await locked(id) { try await commitStep(id, build) }
    }

    /// Runs `body` holding the evaluation's lock: one log writer per evaluation at a time.
    /// What a step decides on (pending ballots, appeals) is read inside it. Not reentrant:
    /// `body` commits with `commitStep`, never `step`.
    func locked<T>(_ id: String, _ body: () async throws -> T) async throws -> T {
        await lock(id)
        defer { unlock(id) }
        return try await body()
    }

    /// One log step; the caller holds the evaluation's lock. `build` appends entries to a copy
    /// of the head and names the effects; the step commits with a checkpoint, then the head
    /// advances. On a conflict (another writer) the head is reloaded and the step rebuilt once.
    func commitStep(_ id: String, _ build: (inout LogHead, EvaluationRecord) throws -> ([LogEntry], [LogEffect])) async throws {
        for attempt in 0..<2 {
            var head = try await head(id, reload: attempt > 0)
            let record = try await record(id)
            let expectedSize = head.size
            let (entries, effects) = try build(&head, record)
            let step = LogStep(evaluation: id, expectedSize: expectedSize, entries: entries.map(Self.stored),
                               checkpoint: try head.checkpoint(), effects: effects)
            do {
                try await store.commit(step)
                heads[id] = head
                return
            } catch StoreError.logConflict where attempt == 0 {
                continue
            } catch let error as StoreError {
                throw Self.translate(error)
            }
        }
    }

    private func head(_ id: String, reload: Bool) async throws -> LogHead {
        if !reload, let head = heads[id] { return head }
        let context = try await context(id)
        let head = LogHead(origin: context.origin, signer: context.signer, leafHashes: try await store.leafHashes(evaluation: id))
        heads[id] = head
        return head
    }

    /// The current head (for receipts and proofs).
    func currentHead(_ id: String) async throws -> LogHead {
        try await head(id, reload: false)
    }

    private func lock(_ id: String) async {
        if locks[id] == nil {
            locks[id] = []
            return
        }
        await withCheckedContinuation { locks[id, default: []].append($0) }
    }

    private func unlock(_ id: String) {
        guard var waiting = locks[id], !waiting.isEmpty else {
            locks[id] = nil
            return
        }
        let next = waiting.removeFirst()
        locks[id] = waiting
        next.resume()
    }

    static func require(_ record: EvaluationRecord, _ from: EvaluationState, to: EvaluationState, action: String) throws {
        guard record.state == from, from.canMove(to: to) else { throw ServiceError.invalidTransition(from: record.state, action: action) }
    }

    static func translate(_ error: StoreError) -> Error {
        switch error {
        case let .evaluationExists(id): ServiceError.evaluationExists(id)
        case let .notFound(what): ServiceError.notFound(what)
        case let .electorateExceeded(electorate, wanted): ServiceError.electorateExceeded(electorate: electorate, wanted: wanted)
        case .codeInvalid: ServiceError.codeInvalid
        case let .invalidTransition(from, to): ServiceError.invalidTransition(from: from, action: "move to \(to.rawValue)")
        case let .alreadyResolved(id): ServiceError.alreadyResolved(id)
        case .logConflict, .ballotsPending, .appealExists: error
        }
    }

    static func stored(_ entry: LogEntry) -> StoredEntry {
        StoredEntry(seq: entry.seq, type: entry.type.rawValue, bytes: entry.bytes, leafHash: entry.leafHash)
    }
}
