import Foundation
import MinpingCore

/// Everything the service keeps. Each write is one transaction named for what it means, so an
/// implementation (SQLite, PostgreSQL, the tests' in-memory store) keeps the invariants by
/// itself: a token is spent once, a ballot once accepted is never lost, the log and the state
/// never disagree.
/// `MinpingTestSupport` runs one contract suite against every implementation.
public protocol EvaluationStore: Sendable {
    // MARK: API keys
    func addAPIKey(_ key: APIKeyRecord) async throws
    func apiKey(hash: String) async throws -> APIKeyRecord?
    /// Every key, oldest first (for `minping keys list`; hashes only, never a secret).
    func apiKeys() async throws -> [APIKeyRecord]
    /// Revokes a key by deleting it: its hash is gone, so it is refused from the next request
    /// on, on every instance. False if no key had this hash.
    func revokeAPIKey(hash: String) async throws -> Bool

    // MARK: Accounts (SPEC §7: people who sign in with a password)
    /// Every account, by user name.
    func accounts() async throws -> [AccountRecord]
    func account(user: String) async throws -> AccountRecord?
    /// Adds an account; false if one of that user name exists.
    func addAccount(_ account: AccountRecord) async throws -> Bool
    /// Writes an existing account's row as given.
    func updateAccount(_ account: AccountRecord) async throws
    /// Replaces the one-time setup code (its hash), or removes it with nil.
    func setSetupCode(hash: String?) async throws
    /// The first run (SPEC §7 `POST /setup`): adds `operator` if `codeHash` is the setup code's
    /// and no account exists yet, and removes the code, all at once. False otherwise.
    func claimSetup(codeHash: String, operator: AccountRecord) async throws -> Bool
    func addActivity(_ activity: ActivityRecord) async throws
    /// The newest `limit` changes, newest first.
    func activity(limit: Int) async throws -> [ActivityRecord]

    // MARK: Streets (SPEC §8 `minping streets`)
    /// Every street's display name (城区街道) by slug; a street without one is shown by its slug.
    func streetNames() async throws -> [String: String]
    /// Sets (or adds) a street's display name.
    func setStreetName(street: String, name: String) async throws

    // MARK: Signing keys, sealed (SPEC §4: keys at rest)
    /// The street's Ed25519 log key seed, sealed; made with `makeSealedSeed` on first use
    /// (atomically: two callers never get different keys).
    func sealedLogKey(street: String, makeSealedSeed: @Sendable () throws -> Data) async throws -> Data
    /// The evaluation's RSA issuing key, sealed.
    func sealedTokenKey(evaluation: String) async throws -> Data?
    /// The issuing keys of its supplementary rounds, sealed, by round.
    func roundKeys(evaluation: String) async throws -> [RoundKey]
    /// One sealed key and what it was sealed for, if the store holds any: to check at start
    /// that the key file opens them.
    func anySealedKey() async throws -> (purpose: String, sealed: Data)?

    // MARK: Evaluations
    /// Stores a new evaluation with its sealed issuing key, its `created` entry and first
    /// checkpoint. Throws `evaluationExists`.
    func createEvaluation(_ record: EvaluationRecord, sealedTokenKey: Data, created: StoredEntry, checkpoint: String) async throws
    func evaluation(id: String) async throws -> EvaluationRecord?
    func evaluationIDs() async throws -> [String]
    /// The ids of one street's evaluations, in id order (a street's views read only its own).
    func evaluationIDs(street: String) async throws -> [String]
    /// How many checkpoints every log holds together: every log step (a lifecycle move, a batch
    /// of ballots, a remedy) adds one, so the street and district views are unchanged while it is.
    func checkpointCount() async throws -> Int

    /// Stores enrollment code hashes, counted by the lifecycle (`codesCreated`): refused past
    /// the electorate or once tokens are no longer issued. `batch`: the issuance they belong to.
    func addEnrollmentCodes(evaluation: String, hashes: [String], batch: SlipBatch?) async throws
    /// Every batch of slips and codes, oldest first, with how many of its codes were used.
    func slipBatches(evaluation: String) async throws -> [SlipBatch]
    /// Whether an unused code with this hash exists (checked before any signing work; the
    /// code is consumed only by the `redeemEnrollmentCode` effect).
    func enrollmentCodeUnused(evaluation: String, hash: String) async throws -> Bool
    /// The answer a used code got (nil: unknown, unused, or used before answers were kept).
    func enrollmentCodeAnswer(evaluation: String, hash: String) async throws -> CodeAnswer?

    // MARK: Ballots
    /// Spends each ballot's nonce and stores it, all in one transaction (group commit): each
    /// is stored only if its evaluation is open and its nonce unspent.
    func spendTokensAndStoreBallots(_ ballots: [BallotRecord]) async throws -> [BallotOutcome]
    /// Accepted ballots not yet in the log, in no particular order (the integrator shuffles).
    func pendingBallots(evaluation: String) async throws -> [PendingBallot]
    /// Whether a ballot spent this token nonce (a token slip's holder asks before voting).
    func nonceSpent(evaluation: String, nonce: Data) async throws -> Bool
    /// Where the ballot with this tracker stands, if there is one (a receipt's question).
    func ballotPlace(evaluation: String, tracker: String) async throws -> BallotPlace?

    // MARK: The log
    /// Appends entries, their checkpoint and their effects in one transaction.
    func commit(_ step: LogStep) async throws
    func leafHashes(evaluation: String) async throws -> [Data]
    /// How many entries the log has.
    func logSize(evaluation: String) async throws -> Int
    func entries(evaluation: String, range: Range<Int>) async throws -> [StoredEntry]
    /// Every checkpoint, oldest first.
    func checkpoints(evaluation: String) async throws -> [String]
    /// The newest checkpoint, if any.
    func latestCheckpoint(evaluation: String) async throws -> String?
    /// Appends witness cosignature lines (SPEC §5) to the stored checkpoint of this size,
    /// skipping lines it already carries. Throws `notFound` when there is no such checkpoint.
    func addCosignatures(evaluation: String, size: Int, lines: [String]) async throws

    // MARK: Appeals
    func appeals(evaluation: String) async throws -> [AppealRecord]

    // MARK: The tellers' desk (SPEC §4)
    /// Keeps a form's first entry; false (nothing changed) when the form already has one.
    func addCountEntry(_ entry: CountEntry) async throws -> Bool
    func countEntry(evaluation: String, form: String) async throws -> CountEntry?
    /// Records a second teller's differing entry beside the first.
    func setSecondCountEntry(evaluation: String, form: String, ratings: [String: String], teller: String) async throws
    func removeCountEntry(evaluation: String, form: String) async throws
    /// Every form waiting, by 表号.
    func countEntries(evaluation: String) async throws -> [CountEntry]
}

extension EvaluationStore {
    /// Codes outside any batch (the tests of the store contract).
    public func addEnrollmentCodes(evaluation: String, hashes: [String]) async throws {
        try await addEnrollmentCodes(evaluation: evaluation, hashes: hashes, batch: nil)
    }
}
