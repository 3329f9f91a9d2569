import Crypto
import CryptoExtras
import Foundation

/// The voter's side of blind issuance: builds a TokenRequest from a fresh nonce and turns
/// the issuer's TokenResponse into a token the issuer has never seen.
/// - Seealso: RFC 9578 §6.1 (client-to-issuer request) and §6.3 (finalization)
public struct TokenClient: Sendable {
    public let publicKey: TokenPublicKey
    public let challenge: TokenChallenge

    public init(publicKey: TokenPublicKey, challenge: TokenChallenge) {
        self.publicKey = publicKey
        self.challenge = challenge
    }

    /// What the client keeps between request and response. Holds the blinding inverse:
    /// never send or store it.
    public struct Pending {
        public let request: TokenRequest
        let nonce: Data
        let prepared: BlindRSA.PreparedMessage
        let inverse: BlindRSA.BlindingInverse
    }

    public func request() throws(TokenError) -> Pending {
        let nonce = Self.freshNonce()
        let input = PublicToken.input(nonce: nonce, challengeDigest: challenge.digest, tokenKeyID: publicKey.tokenKeyID)
        let prepared = publicKey.key.prepare(input)
        let blinded: BlindRSA.BlindingResult
        do {
            blinded = try publicKey.key.blind(prepared)
        } catch {
            throw .signingFailed
        }
        return Pending(
            request: TokenRequest(truncatedTokenKeyID: publicKey.truncatedTokenKeyID, blindedMessage: blinded.blindedMessage),
            nonce: nonce, prepared: prepared, inverse: blinded.inverse)
    }

    /// Unblinds the response; refuses one whose signature does not verify.
    public func finalize(_ response: TokenResponse, for pending: Pending) throws(TokenError) -> PublicToken {
        let authenticator: Data
        do {
            authenticator = try publicKey.key.finalize(
                BlindRSA.BlindSignature(rawRepresentation: response.blindSignature),
                for: pending.prepared, blindingInverse: pending.inverse
            ).rawRepresentation
        } catch {
            throw .badSignature
        }
        return PublicToken(nonce: pending.nonce, challengeDigest: challenge.digest,
                           tokenKeyID: publicKey.tokenKeyID, authenticator: authenticator)
    }

    /// 32 bytes from the system's secure random source.
    static func freshNonce() -> Data {
        var generator = SystemRandomNumberGenerator()
        // Eight bytes per draw: each draw is a getrandom(2) call, once per slip signed.
        var nonce = Data()
        nonce.reserveCapacity(PublicToken.nonceLength)
        for _ in 0..<PublicToken.nonceLength / 8 {
            withUnsafeBytes(of: generator.next() as UInt64) { nonce.append(contentsOf: $0) }
        }
        return nonce
    }
}

/// Checks a token for one evaluation: type, key id, challenge digest and signature.
/// - Seealso: RFC 9578 §6.4, SPEC §4 (redemption)
public struct TokenVerifier: Sendable {
    public let publicKey: TokenPublicKey
    public let challengeDigest: Data

    public init(publicKey: TokenPublicKey, challenge: TokenChallenge) {
        self.publicKey = publicKey
        challengeDigest = challenge.digest
    }

    /// Returns the nonce to spend. Spending it exactly once is the caller's job (the store).
    public func verify(_ token: PublicToken) throws(TokenError) -> Data {
        guard token.tokenKeyID == publicKey.tokenKeyID else { throw .wrongKey }
        guard token.challengeDigest == challengeDigest else { throw .wrongChallenge }
        // For the Deterministic variant `prepare` is the identity, so this verifies the
        // authenticator over exactly the token input (PreparedMessage has no public init).
        let prepared = publicKey.key.prepare(token.input)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: token.authenticator)
        guard publicKey.key.isValidSignature(signature, for: prepared) else { throw .badSignature }
        return token.nonce
    }

    public func verify(base64URL text: String) throws(TokenError) -> Data {
        try verify(PublicToken(base64URL: text))
    }
}
