import Crypto
import Foundation
import Logging
import MinpingCore
import MinpingKeys
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
        /// The witnesses whose cosignatures this server collects (SPEC §5), reported in
        /// `GET /evaluations/{id}` and on the pages.
        public var witnesses: [CosignatureVerifier]
        /// The street's time zone: every time shown to people is in it (SPEC §7; the API keeps
        /// UTC). `serve --timezone`, default Asia/Shanghai.
        public var timeZone: TimeZone
        /// A signed-in session ends after this long unused (SPEC §7; default 30 minutes).
        public var sessionIdle: TimeInterval

        public init(prefix: String = EvaluationLog.defaultPrefix, publicBaseURL: String = "http://127.0.0.1:8080",
                    witnesses: [CosignatureVerifier] = [], timeZone: TimeZone = Configuration.defaultTimeZone,
                    sessionIdle: TimeInterval = 30 * 60) {
            self.prefix = prefix
            self.publicBaseURL = publicBaseURL
            self.witnesses = witnesses
            self.timeZone = timeZone
            self.sessionIdle = sessionIdle
        }

        public static let defaultTimeZone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    }

    public nonisolated let store: any EvaluationStore
    /// Seals and opens the signing keys the store keeps (SPEC §4, keys at rest).
    nonisolated let keys: KeyEncryptionKey
    public nonisolated let configuration: Configuration
    nonisolated let now: @Sendable () -> Date
    nonisolated let logger: Logger
    nonisolated let committer: BallotCommitter
    /// Evaluations with a new checkpoint, for the witness submitters.
    public nonisolated let checkpointFeed = CheckpointFeed()
    private nonisolated let contexts = Mutex<[String: EvaluationContext]>([:])
    /// The street and district views as last read, with the stamp they were read at (viewStamp).
    nonisolated let streetRoundCache = Mutex<[String: (stamp: String, round: StreetRound)]>([:])
    nonisolated let districtCache = Mutex<[String: (stamp: String, streets: [StreetRound])]>([:])
    nonisolated let frontPageCache = Mutex<(stamp: String, page: FrontPage)?>(nil)
    /// Definitions parsed for listings, with the bytes they were parsed from.
    private nonisolated let listedDefinitions = Mutex<[String: (json: [UInt8], definition: EvaluationDefinition)]>([:])
    /// What remedies changed, by evaluation, with the log size it was read at: the log only
    /// grows, so the same size means the same amendments (the appeals list asks on every
    /// console view, and reading them means reading the whole log).
    nonisolated let amendmentsRead = Mutex<[String: (size: Int, amendments: Amendments)]>([:])
    private var heads: [String: LogHead] = [:]
    private var locks: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init(store: any EvaluationStore, keys: KeyEncryptionKey, configuration: Configuration = Configuration(),
                now: @escaping @Sendable () -> Date = Date.init, logger: Logger = Logger(label: "minping.service")) {
        self.store = store
        self.keys = keys
        self.configuration = configuration
        self.now = now
        self.logger = logger
        committer = BallotCommitter(store: store)
    }


    // MARK: Evaluations

    /// Creates an evaluation from its definition: a new issuing key, the `created` entry and
    /// the first checkpoint.
    public func create(_ definition: EvaluationDefinition) async throws -> EvaluationRecord {
        if try await store.evaluation(id: definition.id) != nil { throw ServiceError.evaluationExists(definition.id) }
        if let previous = definition.previous {
            // SPEC §2: the previous round must exist, on the same street.
            guard let earlier = try await store.evaluation(id: previous), earlier.street == definition.street else {
                throw ServiceError.definitionInvalid("previous: no evaluation '\(previous)' on street '\(definition.street)'")
            }
            // SPEC §1: an id names one person for good along the chain.
            let conflicts = try await identityChain(from: previous).conflicts(of: definition)
            if !conflicts.isEmpty { throw ServiceError.identityConflict(conflicts) }
        }
        let issuingKey = try IssuingKey()
        let signer = try await logSigner(street: definition.street)
        let record = EvaluationRecord(
            id: definition.id, street: definition.street, definitionJSON: CanonicalJSON.encode(definition.jsonValue),
            lifecycle: Lifecycle(electorate: definition.electorate, publicityDays: definition.publicityDays), createdAt: now())
        var head = LogHead(origin: EvaluationLog.origin(prefix: configuration.prefix, street: definition.street, evaluation: definition.id),
                           signer: signer, leafHashes: [])
        let created = try head.append(.created(.init(definition: definition, tokenKey: issuingKey.publicKey,
                                                     logVerifierKey: signer.verifier.verifierKey)))
        let sealedKey = try keys.seal(Data(issuingKey.pem.utf8), purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: definition.id))
        do {
            try await store.createEvaluation(record, sealedTokenKey: sealedKey, created: Self.stored(created), checkpoint: head.checkpoint())
        } catch let error as StoreError {
            throw translate(error, evaluation: definition.id)
        }
        heads[definition.id] = head
        checkpointFeed.publish(definition.id)
        logger.info("evaluation created", metadata: ["evaluation": "\(definition.id)", "street": "\(definition.street)"])
        return record
    }

    public nonisolated func record(_ id: String) async throws -> EvaluationRecord {
        let stored: EvaluationRecord?
        do {
            stored = try await store.evaluation(id: id)
        } catch let error as StoreError {
            throw translate(error, evaluation: id)
        }
        guard let record = stored else { throw ServiceError.notFound("evaluation '\(id)'") }
        return record
    }

    /// Every evaluation (of one street, if given) with its definition, ordered by street, then
    /// newest first (SPEC §7 `GET /evaluations`).
    public nonisolated func evaluations(street: String? = nil) async throws -> [(record: EvaluationRecord, definition: EvaluationDefinition)] {
        var found: [(record: EvaluationRecord, definition: EvaluationDefinition)] = []
        let ids = if let street { try await store.evaluationIDs(street: street) } else { try await store.evaluationIDs() }
        for id in ids {
            let record = try await record(id)
            guard street == nil || record.street == street else { continue }
            // A listing reads the stored definition, not the whole context: no signing key is
            // opened to show a title. Parsed once per evaluation (a definition never changes;
            // the bytes are compared, so an id made again is read again).
            if let context = contexts.withLock({ $0[id] }) {
                found.append((record, context.definition))
            } else if let listed = listedDefinitions.withLock({ $0[id] }), listed.json == record.definitionJSON {
                found.append((record, listed.definition))
            } else {
                do {
                    let definition = try EvaluationDefinition(canonicalJSON: record.definitionJSON, file: "evaluation \(id)")
                    listedDefinitions.withLock { $0[id] = (record.definitionJSON, definition) }
                    found.append((record, definition))
                } catch {
                    throw integrityFailure(id, "its stored definition does not read: \(error)")
                }
            }
        }
        // Drills (扫码试投) are listed nowhere: nobody should mistake one for an evaluation.
        return found.filter { !Self.isDrill($0.record.id, title: $0.definition.title) }
            .sorted { ($0.record.street, $1.record.createdAt, $0.record.id) < ($1.record.street, $0.record.createdAt, $1.record.id) }
    }

    nonisolated func context(_ id: String) async throws -> EvaluationContext {
        if let context = contexts.withLock({ $0[id] }) { return context }
        let record = try await record(id)
        let purpose = KeyEncryptionKey.tokenKeyPurpose(evaluation: id)
        guard let sealed = try await store.sealedTokenKey(evaluation: id) else {
            throw ServiceError.integrity("evaluation \(id) has no issuing key")
        }
        var currentRound: (round: Int, pem: String, subjects: [String])?
        if let latest = try await store.roundKeys(evaluation: id).last {
            let pem = try open(latest.sealed, purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: id, round: latest.round))
            currentRound = (latest.round, String(decoding: pem, as: UTF8.self), latest.subjects)
        }
        let context = try EvaluationContext(record: record, tokenKeyPEM: String(decoding: try open(sealed, purpose: purpose), as: UTF8.self),
                                            currentRound: currentRound, signer: try await logSigner(street: record.street),
                                            prefix: configuration.prefix)
        contexts.withLock { $0[id] = context }
        return context
    }

    /// Drops the cached context (a new round has a new key): the next use loads it again.
    nonisolated func forgetContext(_ id: String) {
        _ = contexts.withLock { $0.removeValue(forKey: id) }
    }

    /// The context for a step that needs the current round's key: reloaded when the record
    /// says a later round opened since it was cached (on another instance, too).
    nonisolated func currentContext(_ id: String, round: Int) async throws -> EvaluationContext {
        let context = try await context(id)
        guard context.round < round else { return context }
        forgetContext(id)
        return try await self.context(id)
    }

    public nonisolated func definition(_ id: String) async throws -> EvaluationDefinition {
        try await context(id).definition
    }

    /// The current round's issuing key (the voting page blind-issues and checks with it).
    public nonisolated func tokenPublicKey(_ id: String) async throws -> TokenPublicKey {
        try await currentContext(id, round: record(id).lifecycle.round).issuingKey.publicKey
    }

    /// The current round and, after round 1, the subjects its ballots rate.
    public nonisolated func currentRound(_ id: String) async throws -> (round: Int, subjects: Set<String>?) {
        let context = try await currentContext(id, round: record(id).lifecycle.round)
        return (context.round, context.roundSubjects)
    }

    /// The origin and log verifier key of the evaluation's log.
    public nonisolated func logIdentity(_ id: String) async throws -> (origin: String, verifierKey: String) {
        let context = try await context(id)
        return (context.origin, context.signer.verifier.verifierKey)
    }

    // MARK: Lifecycle

    public func open(_ id: String) async throws -> EvaluationState {
        let at = now()
        try await step(id) { head, _ in
            ([try head.append(.opened(at: at))], [.lifecycle(.opened(at: at))])
        }
        return .open
    }

    /// Closes voting: the state changes, every pending ballot is integrated, and `closed`
    /// records the counts, all in one step.
    public func close(_ id: String) async throws -> EvaluationState {
        let at = now()
        try await endVoting(id) { head, record in
            (try head.append(.closed(at: at, ballots: record.ballots, issued: record.issued)), .closed(at: at))
        }
        try await purgeCountEntries(id)
        return .closed
    }

    /// Annuls an evaluation (from any state but final), recording only the reason's hash.
    /// Ballots accepted before it are integrated first: nothing follows it.
    public func annul(_ id: String, reason: String) async throws -> EvaluationState {
        if let problem = TextRules.freeTextProblem(reason, field: "reason", maximumBytes: Self.maximumFreeTextBytes) {
            throw ServiceError.textInvalid(problem)
        }
        let at = now()
        try await endVoting(id) { head, _ in
            (try head.append(.annulled(at: at, reasonSHA256: Self.hash(reason))), .annulled(at: at))
        }
        try await purgeCountEntries(id)
        return .annulled
    }

    /// Under the evaluation's lock, integrates every pending ballot (batches with their own
    /// checkpoints), then appends the entry `last` builds with its move, in a step of its own.
    /// Ballots are held at the door meanwhile (``BallotCommitter/hold()``), so a steady
    /// stream of voters cannot keep the admin from closing: those accepted before are logged
    /// first, those after are refused once the state has moved. Should another writer still
    /// slip ballots in (another instance), the arrivals are integrated and the step retried.
    private func endVoting(_ id: String, _ last: (inout LogHead, EvaluationRecord) throws -> (LogEntry, LifecycleEvent)) async throws {
        try await locked(id) {
            await committer.hold()
            do {
                for _ in 0..<5 {
                    _ = try await integrateLocked(id, batchSize: Self.closingBatch)
                    do {
                        try await commitStep(id) { head, record in
                            let (entry, move) = try last(&head, record)
                            return ([entry], [.requireNoPendingBallots, .lifecycle(move)])
                        }
                        await committer.release()
                        return
                    } catch StoreError.ballotsPending {
                        continue  // a ballot arrived meanwhile (another instance): take it in too
                    }
                }
                throw ServiceError.busy("ballots kept arriving from another instance; try again")
            } catch {
                await committer.release()
                throw error
            }
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
            // The lifecycle says first whether this stage may be published now (state, appeals,
            // publicity period), before the ballots are read.
            var lifecycle = try await record(id).lifecycle
            try Self.checked { () throws(LifecycleRefusal) in try lifecycle.apply(.published(stage, at: at)) }
            let results = try await recount(id, definition: context.definition).results(stage: stage)
            try await commitStep(id) { head, _ in
                ([try head.append(.results(stage: stage, at: at, results: results.jsonValue))], [.lifecycle(.published(stage, at: at))])
            }
            return results
        }
        logger.info("results published", metadata: ["evaluation": "\(id)", "stage": "\(stage.rawValue)"])
        return published
    }

    /// The latest published results; before `preliminary` only turnout is public.
    public nonisolated func results(_ id: String) async throws -> EvaluationResults {
        let record = try await record(id)
        // Annulled before anything was published: there is no results entry, and looking for
        // one would read the whole log backwards.
        guard record.lifecycle.resultsPublic, record.state != .annulled || record.lifecycle.preliminaryAt != nil,
              case let .results(_, _, json)? = try await latestEvent(id, type: .results)
        else { throw ServiceError.resultsNotPublished }
        do {
            return try EvaluationResults(json: json, definition: try await definition(id))
        } catch {
            throw integrityFailure(id, "the latest results entry: \(error)")
        }
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
    /// of the head and names the effects; the lifecycle checks the step's moves before
    /// anything is signed; the step commits with a checkpoint (the store applies the same moves
    /// in its transaction), then the head advances. On a conflict (another writer) the head is
    /// reloaded and the step rebuilt once.
    func commitStep(_ id: String, _ build: (inout LogHead, EvaluationRecord) throws -> ([LogEntry], [LogEffect])) async throws {
        for attempt in 0..<2 {
            var head = try await head(id, reload: attempt > 0)
            let record = try await record(id)
            let expectedSize = head.size
            let (entries, effects) = try build(&head, record)
            var lifecycle = record.lifecycle
            try Self.checked { () throws(LifecycleRefusal) in try lifecycle.apply(effects.lifecycleEvents) }
            let step = LogStep(evaluation: id, expectedSize: expectedSize, entries: entries.map(Self.stored),
                               checkpoint: try head.checkpoint(), effects: effects)
            do {
                try await store.commit(step)
                heads[id] = head
                checkpointFeed.publish(id)
                return
            } catch StoreError.logConflict where attempt == 0 {
                continue
            } catch StoreError.ballotsPending {
                throw StoreError.ballotsPending  // close and annul take the arrivals in and retry
            } catch let error as StoreError {
                throw translate(error, evaluation: id)
            }
        }
    }

    /// Runs a move of the lifecycle, its refusal as the service's.
    static func checked(_ body: () throws(LifecycleRefusal) -> Void) throws(ServiceError) {
        do {
            try body()
        } catch {
            throw .refused(error)
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
    package func currentHead(_ id: String) async throws -> LogHead {
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

    /// A store's refusal as the service's: every case has a code; none is a bare 500.
    nonisolated func translate(_ error: StoreError, evaluation: String) -> ServiceError {
        switch error {
        case let .evaluationExists(id): .evaluationExists(id)
        case let .notFound(what): .notFound(what)
        case let .batchUsed(id): .batchUsed(id)
        case let .refused(refusal): .refused(refusal)
        case .codeInvalid: .codeInvalid
        case .logConflict, .ballotsPending: .busy("another writer changed the log meanwhile; try again")
        case let .integrity(what): integrityFailure(evaluation, what)
        case let .unavailable(what): .unavailable(what)
        }
    }

    /// Stored data that fails a check: logged at error level with the evaluation, and the
    /// operation refused (STYLE 13: never swallowed).
    package nonisolated func integrityFailure(_ evaluation: String, _ what: String, seq: Int? = nil) -> ServiceError {
        var metadata: Logger.Metadata = ["evaluation": "\(evaluation)", "problem": "\(what)"]
        if let seq { metadata["seq"] = "\(seq)" }
        logger.error("integrity check failed", metadata: metadata)
        return .integrity(seq.map { "entry \($0): \(what)" } ?? what)
    }

    static func stored(_ entry: LogEntry) -> StoredEntry {
        StoredEntry(seq: entry.seq, type: entry.type.rawValue, bytes: entry.bytes, leafHash: entry.leafHash)
    }
}
