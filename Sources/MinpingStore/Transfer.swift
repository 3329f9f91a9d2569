import Foundation

/// What `minping migrate` moves from one store to another (SPEC §8): rows as they are stored,
/// signing keys still sealed, nothing re-signed or re-encoded, so the target's bundles are
/// byte for byte the source's.
public protocol TransferableStore: EvaluationStore {
    /// Whether the store holds no API key, log key or evaluation (a migration's target must not).
    func isEmpty() async throws -> Bool
    /// The rows that belong to no evaluation: API keys (hashed) and the streets' sealed log keys.
    func streetRows() async throws -> StreetRows
    /// Everything one evaluation has.
    func dump(evaluation: String) async throws -> EvaluationDump
    /// Stores the street rows in one transaction.
    func load(_ rows: StreetRows) async throws
    /// Stores one evaluation and everything it has, in one transaction.
    func load(_ dump: EvaluationDump) async throws
}

public struct StreetRows: Sendable, Equatable {
    public var apiKeys: [APIKeyRecord]
    public var logKeys: [LogKeyRow]
    /// Display names by slug.
    public var names: [String: String]

    public init(apiKeys: [APIKeyRecord], logKeys: [LogKeyRow], names: [String: String] = [:]) {
        self.apiKeys = apiKeys
        self.logKeys = logKeys
        self.names = names
    }
}

public struct LogKeyRow: Sendable, Equatable {
    public var street: String
    public var sealedSeed: Data

    public init(street: String, sealedSeed: Data) {
        self.street = street
        self.sealedSeed = sealedSeed
    }
}

public struct EvaluationDump: Sendable, Equatable {
    public var record: EvaluationRecord
    public var sealedTokenKey: Data
    public var codes: [CodeRow]
    public var ballots: [BallotRecord]
    public var entries: [StoredEntry]
    public var checkpoints: [CheckpointRow]
    public var appeals: [AppealRecord]
    public var roundKeys: [RoundKey]
    public var batches: [SlipBatch]

    public init(record: EvaluationRecord, sealedTokenKey: Data, codes: [CodeRow], ballots: [BallotRecord], entries: [StoredEntry],
                checkpoints: [CheckpointRow], appeals: [AppealRecord], roundKeys: [RoundKey] = [], batches: [SlipBatch] = []) {
        self.roundKeys = roundKeys
        self.batches = batches
        self.record = record
        self.sealedTokenKey = sealedTokenKey
        self.codes = codes
        self.ballots = ballots
        self.entries = entries
        self.checkpoints = checkpoints
        self.appeals = appeals
    }

    /// Rows in a fixed order, so two dumps of the same data compare equal.
    public var normalized: EvaluationDump {
        var copy = self
        copy.codes.sort { $0.hash < $1.hash }
        copy.ballots.sort { $0.nonce.lexicographicallyPrecedes($1.nonce) }
        copy.appeals.sort { $0.id < $1.id }
        copy.batches.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return copy
    }
}

public struct CodeRow: Sendable, Equatable {
    public var hash: String
    public var used: Bool
    public var answer: CodeAnswer?
    public var batch: String?

    public init(hash: String, used: Bool, answer: CodeAnswer? = nil, batch: String? = nil) {
        self.hash = hash
        self.used = used
        self.answer = answer
        self.batch = batch
    }
}

public struct CheckpointRow: Sendable, Equatable {
    public var size: Int
    public var note: String

    public init(size: Int, note: String) {
        self.size = size
        self.note = note
    }
}
