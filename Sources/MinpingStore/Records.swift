import Foundation
import MinpingCore

/// Who may do what (SPEC §7): an operator acts on every street, an admin or a reviewer on one.
public enum Role: String, Sendable, CaseIterable, Codable {
    case `operator`, admin, reviewer

    /// "an admin", "a reviewer": the role in an English sentence.
    public var withArticle: String {
        switch self {
        case .operator: "an operator"
        case .admin: "an admin"
        case .reviewer: "a reviewer"
        }
    }
}

/// An API key as stored: only the SHA-256 of the secret (the secret is 256 random bits, so a
/// plain hash is enough), never the key itself.
public struct APIKeyRecord: Sendable, Equatable {
    public var hash: String
    public var role: Role
    /// nil for operators.
    public var street: String?
    public var createdAt: Date

    /// What `minping keys list` shows and `keys revoke --id` takes: the hash's first 12 hex
    /// digits, which say nothing about the secret.
    public var id: String { String(hash.prefix(12)) }

    public init(hash: String, role: Role, street: String?, createdAt: Date) {
        self.hash = hash
        self.role = role
        self.street = street
        self.createdAt = createdAt
    }
}

/// An evaluation's row: its definition (canonical JSON), where it is in its ``Lifecycle``,
/// and when it was made. Its issuing key is kept apart (``EvaluationStore/sealedTokenKey(evaluation:)``),
/// sealed, and never travels with the record.
public struct EvaluationRecord: Sendable, Equatable {
    public var id: String
    public var street: String
    /// The definition's canonical JSON, as in the `created` entry and `definition.json`.
    public var definitionJSON: [UInt8]
    public var lifecycle: Lifecycle
    public var createdAt: Date

    public init(id: String, street: String, definitionJSON: [UInt8], lifecycle: Lifecycle, createdAt: Date) {
        self.id = id
        self.street = street
        self.definitionJSON = definitionJSON
        self.lifecycle = lifecycle
        self.createdAt = createdAt
    }

    public var state: EvaluationState { lifecycle.state }
    public var electorate: Int { lifecycle.electorate }
    public var issued: Int { lifecycle.issued }
    public var ballots: Int { lifecycle.ballots }
}

/// A ballot accepted and durable but perhaps not yet in the log. Nothing here says when it
/// came or from where; the store keys it by its random nonce, so storage order is random too.
public struct BallotRecord: Sendable, Equatable {
    public var evaluation: String
    /// The token's nonce: spending it is inserting this record.
    public var nonce: Data
    public var token: String
    /// Subject id -> option id.
    public var ratings: [String: String]
    /// `ratings` as the stores keep them: canonical JSON (``StoredRatings``), encoded once.
    public let storedRatings: String
    public var tracker: String
    /// The log position once integrated.
    public var seq: Int?
    /// The round whose key signed the token (SPEC §4): stored only while that round is open.
    public var round: Int

    /// `storedRatings`, when the caller has it already, must be `StoredRatings.encode(ratings)`.
    public init(evaluation: String, nonce: Data, token: String, ratings: [String: String], storedRatings: String? = nil,
                tracker: String, seq: Int? = nil, round: Int = 1) {
        self.round = round
        self.evaluation = evaluation
        self.nonce = nonce
        self.token = token
        self.ratings = ratings
        self.storedRatings = storedRatings ?? StoredRatings.encode(ratings)
        self.tracker = tracker
        self.seq = seq
    }
}

/// Where a ballot found by its tracker stands.
public enum BallotPlace: Sendable, Equatable {
    /// Accepted and durable, not yet in the log.
    case pending
    /// In the log at this position.
    case logged(seq: Int)
}

/// A ballot awaiting integration, as the integrator needs it: its ratings stay in their
/// stored canonical form, spliced into the log entry without being decoded and re-encoded.
public struct PendingBallot: Sendable, Equatable {
    public var nonce: Data
    public var token: String
    /// Canonical JSON of the ratings object (``StoredRatings``).
    public var storedRatings: String

    public init(nonce: Data, token: String, storedRatings: String) {
        self.nonce = nonce
        self.token = token
        self.storedRatings = storedRatings
    }
}

/// How every store keeps a ballot's ratings: compact JSON with sorted keys (Foundation's
/// sortedKeys writer is far too slow for the ballot path), read back strictly.
public enum StoredRatings {
    /// Canonical JSON (RFC 8785, the log's profile) of the ratings object: keys in byte order.
    /// Written directly, not through a JSONValue: this runs once per ballot accepted.
    public static func encode(_ ratings: [String: String]) -> String {
        var out = "{"
        out.reserveCapacity(ratings.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (index, (subject, option)) in ratings.sorted(by: { $0.key.utf8Precedes($1.key) }).enumerated() {
            if index > 0 { out.append(",") }
            JSONValue.writeString(subject, to: &out)
            out.append(":")
            JSONValue.writeString(option, to: &out)
        }
        out.append("}")
        return out
    }

    /// A stored ballot's ratings; anything but an object of strings is an integrity failure.
    public static func decode(_ text: String) throws(StoreError) -> [String: String] {
        guard let ratings = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String] else {
            throw .integrity("a stored ballot's ratings are not an object of option ids")
        }
        return ratings
    }
}

/// What became of one ballot in a group commit.
public enum BallotOutcome: Sendable, Equatable {
    case stored
    case tokenSpent
    /// The lifecycle refused it (voting is not open).
    case refused(LifecycleRefusal)
    case unknownEvaluation
}

/// One log entry as stored: its exact bytes and leaf hash.
public struct StoredEntry: Sendable, Equatable {
    public var seq: Int
    public var type: String
    public var bytes: [UInt8]
    public var leafHash: Data

    public init(seq: Int, type: String, bytes: [UInt8], leafHash: Data) {
        self.seq = seq
        self.type = type
        self.bytes = bytes
        self.leafHash = leafHash
    }
}

public struct AppealRecord: Sendable, Equatable {
    public var evaluation: String
    public var id: String
    public var subject: String?
    public var text: String
    public var filedAt: Date
    /// Set once resolved.
    public var outcome: AppealOutcome?
    public var note: String?

    public init(evaluation: String, id: String, subject: String?, text: String, filedAt: Date, outcome: AppealOutcome? = nil, note: String? = nil) {
        self.evaluation = evaluation
        self.id = id
        self.subject = subject
        self.text = text
        self.filedAt = filedAt
        self.outcome = outcome
        self.note = note
    }
}

/// Entries to append with a checkpoint after them, and the state changes they record, in one
/// transaction: the log and the state never disagree.
public struct LogStep: Sendable {
    public var evaluation: String
    /// How many entries the log must have before this step (optimistic concurrency).
    public var expectedSize: Int
    public var entries: [StoredEntry]
    /// The signed checkpoint of the log after these entries.
    public var checkpoint: String
    public var effects: [LogEffect]

    public init(evaluation: String, expectedSize: Int, entries: [StoredEntry], checkpoint: String, effects: [LogEffect]) {
        self.evaluation = evaluation
        self.expectedSize = expectedSize
        self.entries = entries
        self.checkpoint = checkpoint
        self.effects = effects
    }

    /// The moves of the lifecycle this step records, in order.
    public var lifecycleEvents: [LifecycleEvent] { effects.lifecycleEvents }
}

extension [LogEffect] {
    /// The moves of the lifecycle among these effects, in order.
    public var lifecycleEvents: [LifecycleEvent] {
        compactMap { if case let .lifecycle(event) = $0 { event } else { nil } }
    }
}

/// The state changes a log step records. The evaluation's own row moves only through
/// ``Lifecycle/apply(_:)``; the rest are the rows beside it.
public enum LogEffect: Sendable, Equatable {
    /// Moves the evaluation's lifecycle (refused as the lifecycle refuses).
    case lifecycle(LifecycleEvent)
    /// Consumes an unused enrollment code (by hash), keeping the answer it got, so that the
    /// same request sent again (its answer was lost) gets the same answer.
    case redeemEnrollmentCode(hash: String, answer: CodeAnswer)
    /// Gives pending ballots (by nonce) their log positions.
    case integrateBallots([Data: Int])
    /// Refused if any ballot is still pending: close and annul integrate them all first.
    case requireNoPendingBallots
    case storeAppeal(AppealRecord)
    case storeResolution(id: String, outcome: AppealOutcome, note: String)
    /// A supplementary round's issuing key, sealed, with its subjects (SPEC §6 `revote`).
    case storeRoundKey(RoundKey)
    /// Every enrollment code not yet used stops working: a new round needs new codes.
    case voidUnusedCodes
    /// Records a batch of token slips (codes record theirs with the codes).
    case recordBatch(SlipBatch)
    /// Voids a batch of codes: refused (`batchUsed`) if any of its codes was used.
    case voidBatch(id: String)
}

/// One issuance of slips, codes or forms (SPEC §4 slip batches): what the console lists and
/// what a lost batch is voided by. Token slips are not stored, so their batches cannot be voided.
public struct SlipBatch: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case code, token
    }

    /// `b-` and 8 random hex digits.
    public var id: String
    public var kind: Kind
    public var count: Int
    public var createdAt: Date
    /// Codes of the batch used so far (always 0 for token slips: the server cannot know).
    public var used: Int
    public var voided: Bool

    public init(id: String, kind: Kind, count: Int, createdAt: Date, used: Int = 0, voided: Bool = false) {
        self.id = id
        self.kind = kind
        self.count = count
        self.createdAt = createdAt
        self.used = used
        self.voided = voided
    }

    public static func newID() -> String {
        "b-" + String((0..<8).map { _ in "0123456789abcdef".randomElement()! })
    }
}

/// A supplementary round's sealed issuing key and the subjects its ballots rate.
public struct RoundKey: Sendable, Equatable {
    public var round: Int
    public var sealed: Data
    public var subjects: [String]

    public init(round: Int, sealed: Data, subjects: [String]) {
        self.round = round
        self.sealed = sealed
        self.subjects = subjects
    }
}

/// Store failures with a testable identity; the service maps them to its errors.
/// A storage engine's own error that may mean the database cannot take writes for now (a
/// full disk, an I/O error, a file system gone read-only): then it is answered 503
/// `database_unavailable` with Retry-After, so the voting page retries, never 500. The
/// engine's message is what the log line names.
public protocol StorageFailure: Error {
    var meansUnavailable: Bool { get }
}

public enum StoreError: Error, Equatable, Sendable {
    case evaluationExists(String)
    case notFound(String)
    case refused(LifecycleRefusal)
    case codeInvalid
    /// The log changed since the step was built; rebuild and retry.
    case logConflict
    case ballotsPending
    /// A batch with a used code cannot be voided (409 `batch_used`).
    case batchUsed(String)
    /// Stored data that fails to read back (SPEC §7 `integrity_error`).
    case integrity(String)
    /// The database cannot be reached (it stayed away through every retry); nothing was
    /// changed, or for a step lost at COMMIT, nobody can tell yet.
    case unavailable(String)

    /// The problem code of SPEC §7 this failure answers with, should it reach a caller as it is.
    public var code: ProblemCode {
        switch self {
        case .evaluationExists: .evaluationExists
        case .notFound: .notFound
        case let .refused(refusal): refusal.code
        case .codeInvalid: .codeInvalid
        case .logConflict, .ballotsPending: .busy
        case .batchUsed: .batchUsed
        case .integrity: .integrityError
        case .unavailable: .databaseUnavailable
        }
    }
}

extension StoreError: ProblemCoded {
    public var problemCode: ProblemCode { code }

    public var description: String {
        switch self {
        case let .evaluationExists(id): "evaluation '\(id)' already exists"
        case let .notFound(what): "not found: \(what)"
        case let .refused(refusal): refusal.description
        case .codeInvalid: "the code is not valid or was already used"
        case .logConflict: "the log kept changing under this step; try again"
        case .ballotsPending: "ballots are still being written; try again"
        case let .batchUsed(detail), let .integrity(detail), let .unavailable(detail): detail
        }
    }
}

extension EvaluationRecord {
    /// Moves the lifecycle by a step's events, all or nothing, as ``StoreError/refused(_:)``.
    public mutating func apply(_ events: [LifecycleEvent]) throws(StoreError) {
        do {
            try lifecycle.apply(events)
        } catch {
            throw .refused(error)
        }
    }
}

/// What a used enrollment code was answered: the SHA-256 (hex) of the TokenRequest it came
/// with and the TokenResponse. The server learns nothing from keeping it: both are blinded.
public struct CodeAnswer: Sendable, Equatable {
    public var request: String
    public var response: Data

    public init(request: String, response: Data) {
        self.request = request
        self.response = response
    }
}

/// A stored checkpoint with witness cosignature lines appended (SPEC §5): the log's note is
/// kept as it was signed, and each cosignature line goes after its signature lines.
public enum CosignedNote {
    /// `note` (ending in a newline) with each of `lines` it does not carry yet appended.
    public static func appending(_ lines: [String], to note: String) -> String {
        var note = note
        var present = Set(note.split(separator: "\n").map(String.init))
        for line in lines where !line.isEmpty && !line.contains("\n") && !present.contains(line) {
            note += line + "\n"
            present.insert(line)
        }
        return note
    }
}

extension RoundKey {
    /// A round's subjects as the stores keep them: a JSON array of ids.
    public static func encode(_ subjects: [String]) -> String {
        var out = "["
        for (index, id) in subjects.enumerated() {
            if index > 0 { out.append(",") }
            JSONValue.writeString(id, to: &out)
        }
        return out + "]"
    }

    public static func decode(_ text: String) throws(StoreError) -> [String] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw .integrity("a round's stored subjects do not read back: \(error)")
        }
        guard let ids = parsed as? [String] else { throw .integrity("a round's stored subjects are not an array of ids") }
        return ids
    }
}
