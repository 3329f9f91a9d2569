import Foundation
import MinpingCore

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

/// What became of one ballot in a group commit.
public enum BallotOutcome: Sendable, Equatable {
    case stored
    case tokenSpent
    /// The lifecycle refused it (voting is not open).
    case refused(LifecycleRefusal)
    case unknownEvaluation
}
