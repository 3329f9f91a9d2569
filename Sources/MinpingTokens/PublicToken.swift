import Foundation

/// An RFC 9578 publicly verifiable token (type 0x0002):
/// `token_type(2) || nonce(32) || challenge_digest(32) || token_key_id(32) || authenticator(256)`.
///
/// Parsing checks only the shape (length and type); ``TokenVerifier`` checks the rest.
/// - Seealso: RFC 9578 §6 ("Token Structure" of RFC 9577 §2.2), SPEC §4
public struct PublicToken: Sendable, Equatable {
    public static let tokenType: UInt16 = 0x0002
    public static let nonceLength = 32
    /// Nk: the RSA-2048 modulus length in bytes.
    public static let authenticatorLength = 256
    /// token_type + nonce + challenge_digest + token_key_id.
    public static let inputLength = 2 + 32 + 32 + 32
    public static let length = inputLength + authenticatorLength

    public let nonce: Data
    public let challengeDigest: Data
    public let tokenKeyID: Data
    public let authenticator: Data
    /// The bytes the authenticator signs: everything before it. Kept, not rebuilt: every
    /// ballot's token is verified over it.
    public let input: Data

    public init(nonce: Data, challengeDigest: Data, tokenKeyID: Data, authenticator: Data) {
        self.nonce = nonce
        self.challengeDigest = challengeDigest
        self.tokenKeyID = tokenKeyID
        self.authenticator = authenticator
        input = Self.input(nonce: nonce, challengeDigest: challengeDigest, tokenKeyID: tokenKeyID)
    }

    /// Parses the binary form, refusing any other length (trailing bytes included) or type.
    public init(bytes: Data) throws(TokenError) {
        let bytes = Data(bytes)  // re-base indices at 0
        guard bytes.count == Self.length else {
            throw .wrongLength(expected: Self.length, actual: bytes.count)
        }
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard type == Self.tokenType else { throw .wrongTokenType(type) }
        nonce = bytes[2..<34]
        challengeDigest = bytes[34..<66]
        tokenKeyID = bytes[66..<98]
        authenticator = bytes[98..<Self.length]
        input = bytes[0..<Self.inputLength]
    }

    /// Parses the text form: base64url without padding.
    public init(base64URL text: String) throws(TokenError) {
        guard let bytes = Data(base64URLEncoded: text) else { throw .badEncoding }
        try self.init(bytes: bytes)
    }

    /// The bytes the authenticator signs: everything before it.
    public static func input(nonce: Data, challengeDigest: Data, tokenKeyID: Data) -> Data {
        var out = Data()
        out.appendUInt16(tokenType)
        out.append(nonce)
        out.append(challengeDigest)
        out.append(tokenKeyID)
        return out
    }

    public var bytes: Data { input + authenticator }

    public var base64URL: String { bytes.base64URLEncodedString }
}

/// `TokenRequest { token_type = 0x0002; truncated_token_key_id; blinded_msg[Nk] }`.
/// - Seealso: RFC 9578 §6.1
public struct TokenRequest: Sendable, Equatable {
    public static let length = 2 + 1 + PublicToken.authenticatorLength

    public let truncatedTokenKeyID: UInt8
    public let blindedMessage: Data

    public init(truncatedTokenKeyID: UInt8, blindedMessage: Data) {
        self.truncatedTokenKeyID = truncatedTokenKeyID
        self.blindedMessage = blindedMessage
    }

    public init(bytes: Data) throws(TokenError) {
        let bytes = Data(bytes)
        guard bytes.count == Self.length else { throw .wrongLength(expected: Self.length, actual: bytes.count) }
        let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard type == PublicToken.tokenType else { throw .wrongTokenType(type) }
        truncatedTokenKeyID = bytes[2]
        blindedMessage = bytes[3...]
    }

    public var bytes: Data {
        var out = Data()
        out.appendUInt16(PublicToken.tokenType)
        out.append(truncatedTokenKeyID)
        out.append(blindedMessage)
        return out
    }
}

/// `TokenResponse { blind_sig[Nk] }`.
/// - Seealso: RFC 9578 §6.2
public struct TokenResponse: Sendable, Equatable {
    public let blindSignature: Data

    public init(blindSignature: Data) {
        self.blindSignature = blindSignature
    }

    public init(bytes: Data) throws(TokenError) {
        guard bytes.count == PublicToken.authenticatorLength else {
            throw .wrongLength(expected: PublicToken.authenticatorLength, actual: bytes.count)
        }
        blindSignature = Data(bytes)
    }

    public var bytes: Data { blindSignature }
}
