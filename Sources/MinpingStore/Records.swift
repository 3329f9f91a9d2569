import Foundation
import MinpingCore

/// Who may do what (SPEC §7): an operator acts on every street, an admin or a reviewer on one.
public enum Role: String, Sendable, CaseIterable, Codable {
    case `operator`, admin, reviewer
}

/// An API key as stored: only the SHA-256 of the secret (the secret is 256 random bits, so a
/// plain hash is enough), never the key itself.
public struct APIKeyRecord: Sendable, Equatable {
    public var hash: String
    public var role: Role
    /// nil for operators.
    public var street: String?
    public var createdAt: Date

    public init(hash: String, role: Role, street: String?, createdAt: Date) {
        self.hash = hash
        self.role = role
        self.street = street
        self.createdAt = createdAt
    }
}

/// An evaluation's row: its definition (canonical JSON), its issuing key, where it is in the
/// lifecycle, and its counts.
public struct EvaluationRecord: Sendable, Equatable {
    public var id: String
    public var street: String
    /// The definition's canonical JSON, as in the `created` entry and `definition.json`.
    public var definitionJSON: [UInt8]
    /// The RSA issuing key, PKCS#8 PEM. The only secret of the evaluation.
    public var tokenKeyPEM: String
    public var state: EvaluationState
    /// Paper slips issued.
    public var slips: Int
    /// Enrollment codes created (redeemed or not); slips + codes never exceed the electorate.
    public var codes: Int
    /// Tokens issued: slips plus redeemed codes (the log's `issued`).
    public var issued: Int
    /// Ballots accepted (integrated into the log or still pending).
    public var ballots: Int
    public var electorate: Int
    public var createdAt: Date
    public var preliminaryAt: Date?

    public init(id: String, street: String, definitionJSON: [UInt8], tokenKeyPEM: String, state: EvaluationState = .draft,
                slips: Int = 0, codes: Int = 0, issued: Int = 0, ballots: Int = 0, electorate: Int, createdAt: Date,
                preliminaryAt: Date? = nil) {
        self.id = id
        self.street = street
        self.definitionJSON = definitionJSON
        self.tokenKeyPEM = tokenKeyPEM
        self.state = state
        self.slips = slips
        self.codes = codes
        self.issued = issued
        self.ballots = ballots
        self.electorate = electorate
        self.createdAt = createdAt
        self.preliminaryAt = preliminaryAt
    }
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
    public var tracker: String
    /// The log position once integrated.
    public var seq: Int?

    public init(evaluation: String, nonce: Data, token: String, ratings: [String: String], tracker: String, seq: Int? = nil) {
        self.evaluation = evaluation
        self.nonce = nonce
        self.token = token
        self.ratings = ratings
        self.tracker = tracker
        self.seq = seq
    }
}

/// What became of one ballot in a group commit.
public enum BallotOutcome: Sendable, Equatable {
    case stored
    case tokenSpent
    case notOpen
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
    /// "dismissed" or "upheld" once resolved.
    public var outcome: String?
    public var note: String?

    public init(evaluation: String, id: String, subject: String?, text: String, filedAt: Date, outcome: String? = nil, note: String? = nil) {
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
}

/// The state changes a log step records.
public enum LogEffect: Sendable, Equatable {
    /// Moves the lifecycle; refused unless the evaluation is in `from`.
    case transition(from: EvaluationState, to: EvaluationState, at: Date)
    /// Counts slips; refused past the electorate.
    case issueSlips(count: Int)
    /// Consumes an unused enrollment code (by hash) and counts one token.
    case redeemEnrollmentCode(hash: String)
    /// Gives pending ballots (by nonce) their log positions.
    case integrateBallots([Data: Int])
    /// Refused if any ballot is still pending: close and annul integrate them all first.
    case requireNoPendingBallots
    case fileAppeal(AppealRecord)
    /// Refused if the appeal is unknown or already resolved.
    case resolveAppeal(evaluation: String, id: String, outcome: String, note: String)
}

/// Store failures with a testable identity; the HTTP layer maps them to problem codes.
public enum StoreError: Error, Equatable, Sendable {
    case evaluationExists(String)
    case notFound(String)
    case electorateExceeded(electorate: Int, wanted: Int)
    case codeInvalid
    case invalidTransition(from: EvaluationState, to: EvaluationState)
    /// The log changed since the step was built; rebuild and retry.
    case logConflict
    case ballotsPending
    case alreadyResolved(String)
    case appealExists(String)
}

extension EvaluationRecord {
    /// The rules every store applies to the evaluation's own row, so they are written once:
    /// lifecycle moves, slips and codes within the electorate, tokens only in draft and open.
    /// A store applies the rest of an effect (codes, ballots, appeals) in its own tables.
    public mutating func apply(_ effect: LogEffect) throws(StoreError) {
        switch effect {
        case let .transition(from, to, at):
            guard state == from, from.canMove(to: to) else { throw .invalidTransition(from: state, to: to) }
            if to == .preliminary, from == .closed { preliminaryAt = at }
            state = to
        case let .issueSlips(count):
            try reserve(count)
            guard state.issuesTokens else { throw .invalidTransition(from: state, to: state) }
            slips += count
            issued += count
        case .redeemEnrollmentCode:
            guard state.issuesTokens else { throw .invalidTransition(from: state, to: state) }
            issued += 1
        case .integrateBallots:
            // Ballots enter the log only while voting is open (close and annul take the rest
            // in, in batches with their checkpoints, before their transition).
            guard state == .open else { throw .invalidTransition(from: state, to: state) }
        case .requireNoPendingBallots, .fileAppeal, .resolveAppeal:
            break
        }
    }

    /// Counts `count` new enrollment codes, refused past the electorate.
    public mutating func addCodes(_ count: Int) throws(StoreError) {
        try reserve(count)
        codes += count
    }

    /// Slips and codes together never exceed the electorate (SPEC §4).
    private func reserve(_ count: Int) throws(StoreError) {
        let wanted = slips + codes + count
        guard wanted <= electorate else { throw .electorateExceeded(electorate: electorate, wanted: wanted) }
    }
}
