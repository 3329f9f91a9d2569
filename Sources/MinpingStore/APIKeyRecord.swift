import Foundation

/// An API key as stored: only the SHA-256 of the secret (the secret is 256 random bits, so a
/// plain hash is enough), never the key itself.
public struct APIKeyRecord: Sendable, Equatable {
    public var hash: String
    public var role: Role
    /// nil for operators.
    public var street: String?
    /// A teller's one evaluation (nil for every other role).
    public var evaluation: String?
    public var createdAt: Date

    /// What `minping keys list` shows and `keys revoke --id` takes: the hash's first 12 hex
    /// digits, which say nothing about the secret.
    public var id: String { String(hash.prefix(12)) }

    public init(hash: String, role: Role, street: String?, evaluation: String? = nil, createdAt: Date) {
        self.hash = hash
        self.role = role
        self.street = street
        self.evaluation = evaluation
        self.createdAt = createdAt
    }
}
