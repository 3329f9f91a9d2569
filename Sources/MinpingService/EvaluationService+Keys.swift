import Crypto
import Foundation
import Logging
import MinpingCore
import MinpingKeys
import MinpingLog
import MinpingStore
import MinpingTokens
import Synchronization

// API keys (stored hashed; listed and revoked by id), the streets' log keys and the key file:
// the service's keys, apart from its evaluations.
extension EvaluationService {
    // MARK: API keys

    /// Makes an API key; only its hash is stored. Returns the key (shown once).
    public nonisolated func createAPIKey(role: Role, street: String?) async throws -> String {
        guard role != .teller else { throw ServiceError.malformed("a teller key counts one evaluation: createTellerKey") }
        if role != .operator {
            guard let street, DefinitionParser.isSlug(street) else {
                throw ServiceError.malformed("\(role.withArticle) key needs --street with a street slug [a-z0-9-]{1,64}")
            }
        }
        let secret = "mp_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64URLEncodedString
        try await store.addAPIKey(APIKeyRecord(hash: Self.hash(secret), role: role,
                                               street: role == .operator ? nil : street, createdAt: now()))
        return secret
    }

    /// A teller's key (计票人, SPEC §4): it may only count the paper forms of `evaluation`, on
    /// that evaluation's street.
    public nonisolated func createTellerKey(evaluation: String) async throws -> String {
        let record = try await record(evaluation)
        let secret = "mp_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64URLEncodedString
        try await store.addAPIKey(APIKeyRecord(hash: Self.hash(secret), role: .teller, street: record.street, evaluation: record.id,
                                               createdAt: now()))
        return secret
    }

    public nonisolated func authenticate(key: String) async throws -> APIKeyRecord? {
        try await store.apiKey(hash: Self.hash(key))
    }

    /// Every API key, oldest first: hashes, roles and streets, never a secret.
    public nonisolated func apiKeys() async throws -> [APIKeyRecord] {
        try await store.apiKeys()
    }

    /// Revokes the key whose id (a prefix of its hash, at least 8 hex digits) or secret is
    /// given; it is refused from the next request on. Returns the revoked key.
    public nonisolated func revokeAPIKey(idOrSecret: String) async throws -> APIKeyRecord {
        let text = idOrSecret.trimmingCharacters(in: .whitespaces)
        let matches: [APIKeyRecord]
        if text.hasPrefix("mp_") {
            matches = try await store.apiKey(hash: Self.hash(text)).map { [$0] } ?? []
        } else {
            let prefix = text.lowercased()
            guard prefix.count >= 8, prefix.allSatisfy(\.isHexDigit) else {
                throw ServiceError.malformed("a key id is at least 8 hex digits, as `minping keys list` shows it; got '\(text)'")
            }
            matches = try await store.apiKeys().filter { $0.hash.hasPrefix(prefix) }
        }
        guard let key = matches.first else { throw ServiceError.notFound("API key '\(text)'") }
        guard matches.count == 1 else {
            throw ServiceError.malformed("'\(text)' matches \(matches.count) keys; give more digits of the id")
        }
        guard try await store.revokeAPIKey(hash: key.hash) else { throw ServiceError.notFound("API key '\(text)'") }
        logger.info("API key revoked", metadata: ["key": "\(key.id)", "role": "\(key.role.rawValue)"])
        return key
    }

    nonisolated static func hash(_ text: String) -> String {
        Data(SHA256.hash(data: Data(text.utf8))).hex
    }

    /// The street's log verifier key (created with the street's first evaluation, or now).
    public nonisolated func logVerifierKey(street: String) async throws -> String {
        try await logSigner(street: street).verifier.verifierKey
    }

    /// The street's Ed25519 log key, made (and sealed) on first use.
    nonisolated func logSigner(street: String) async throws -> LogSigner {
        let purpose = KeyEncryptionKey.logKeyPurpose(street: street)
        let sealed = try await store.sealedLogKey(street: street) { [keys] in
            try keys.seal(Curve25519.Signing.PrivateKey().rawRepresentation, purpose: purpose)
        }
        return try LogSigner(name: EvaluationLog.keyName(prefix: configuration.prefix, street: street),
                             seed: try open(sealed, purpose: purpose))
    }

    /// Checks, before serving, that the key file opens the keys the store holds: a wrong key
    /// file is refused at start, never found out at the first signature.
    public nonisolated func checkKeyFile() async throws {
        guard let (purpose, sealed) = try await store.anySealedKey() else { return }
        _ = try keys.open(sealed, purpose: purpose)
    }

    nonisolated func open(_ sealed: Data, purpose: String) throws -> Data {
        do {
            return try keys.open(sealed, purpose: purpose)
        } catch {
            throw ServiceError.integrity("the key file does not open the \(purpose)")
        }
    }
}
