import Foundation

/// One issuance of slips, codes or forms (SPEC §4 slip batches): what the console lists and
/// what a lost batch is voided by. Token slips are not stored, so their batches cannot be voided.
public struct SlipBatch: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Code slips (enrollment codes), token slips, paper forms (测评表: a token each).
        case code, token, paper
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
