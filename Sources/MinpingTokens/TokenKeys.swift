import Crypto
import CryptoExtras
import Foundation
import SwiftASN1

typealias BlindRSA = _RSA.BlindSigning

/// The public half of an evaluation's issuing key, as clients and reviewers see it.
///
/// Its identity is `token_key_id` = SHA-256 of the SubjectPublicKeyInfo that carries the
/// RSASSA-PSS OID with SHA-384 / MGF1-SHA-384 / salt 48 parameters.
/// - Seealso: RFC 9578 §6.5, RFC 4055 §3.1
public struct TokenPublicKey: Sendable {
    let key: BlindRSA.PublicKey<SHA384>
    /// The RFC 9578 §6.5 SPKI encoding.
    public let spki: Data
    public let tokenKeyID: Data

    static let parameters = BlindRSA.Parameters<SHA384>.RSABSSA_SHA384_PSS_Deterministic

    init(key: BlindRSA.PublicKey<SHA384>) throws(TokenError) {
        guard key.keySizeInBits == 2048 else { throw .badKey("RSA-2048 is required, got \(key.keySizeInBits) bits") }
        self.key = key
        do {
            spki = try Self.encodeSPKI(pkcs1: key.pkcs1DERRepresentation)
        } catch {
            throw .badKey("cannot encode the public key")
        }
        tokenKeyID = Data(SHA256.hash(data: spki))
    }

    /// Reads the RFC 9578 §6.5 SPKI (e.g. `token_key_spki` from the audit log); refuses any
    /// other algorithm or parameters.
    public init(spki: Data) throws(TokenError) {
        let key: BlindRSA.PublicKey<SHA384>
        do {
            let root = try DER.parse(Array(spki))
            let pkcs1 = try DER.sequence(root, identifier: .sequence) { nodes -> ArraySlice<UInt8> in
                guard let algorithm = nodes.next(), let bits = nodes.next() else {
                    throw ASN1Error.invalidASN1Object(reason: "SubjectPublicKeyInfo needs two fields")
                }
                guard Array(algorithm.encodedBytes) == Self.algorithmIdentifier else {
                    throw ASN1Error.invalidASN1Object(reason: "not RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48")
                }
                let bitString = try ASN1BitString(derEncoded: bits, withIdentifier: .bitString)
                guard bitString.paddingBits == 0 else {
                    throw ASN1Error.invalidASN1Object(reason: "public key bits are not whole bytes")
                }
                return bitString.bytes
            }
            key = try BlindRSA.PublicKey(derRepresentation: pkcs1, parameters: Self.parameters)
        } catch {
            throw .badKey("not an RFC 9578 RSASSA-PSS public key: \(error)")
        }
        try self.init(key: key)
        guard self.spki == spki else { throw .badKey("the public key is not in canonical DER") }
    }

    /// `token_key_id` truncated to its last byte, as a TokenRequest carries it.
    public var truncatedTokenKeyID: UInt8 { tokenKeyID[tokenKeyID.index(before: tokenKeyID.endIndex)] }

    /// ```
    /// AlgorithmIdentifier { id-RSASSA-PSS, RSASSA-PSS-params {
    ///     [0] sha384, [1] { id-mgf1, sha384 }, [2] 48 } }
    /// ```
    static let algorithmIdentifier: [UInt8] = {
        let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
        let mgf1: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 8]
        let rsassaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 10]
        var serializer = DER.Serializer()
        // Serializing fixed, well-formed values cannot fail.
        try? serializer.appendConstructedNode(identifier: .sequence) { algorithm in
            try algorithm.serialize(rsassaPSS)
            try algorithm.appendConstructedNode(identifier: .sequence) { params in
                try params.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { hash in
                    try hash.appendConstructedNode(identifier: .sequence) { try $0.serialize(sha384) }
                }
                try params.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { mask in
                    try mask.appendConstructedNode(identifier: .sequence) { mgf in
                        try mgf.serialize(mgf1)
                        try mgf.appendConstructedNode(identifier: .sequence) { try $0.serialize(sha384) }
                    }
                }
                try params.serialize(48, explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific)
            }
        }
        return serializer.serializedBytes
    }()

    static func encodeSPKI(pkcs1: Data) throws -> Data {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { spki in
            spki.serializeRawBytes(algorithmIdentifier)
            try spki.serialize(ASN1BitString(bytes: ArraySlice(pkcs1)))
        }
        return Data(serializer.serializedBytes)
    }
}

/// An evaluation's RSA-2048 issuing key: signs slips directly and answers blind token
/// requests. Created with the evaluation; exported and imported as PKCS#8 PEM.
/// - Seealso: RFC 9578 §6, RFC 9474 (RSABSSA-SHA384-PSS-Deterministic), SPEC §4
public struct IssuingKey: Sendable {
    let key: BlindRSA.PrivateKey<SHA384>
    /// The same key in OpenSSL, for the private-key operations: RSASSA-PSS signing of slips
    /// and blind signatures (one private operation each).
    let privateOperations: OpenSSLPrivateKey
    public let publicKey: TokenPublicKey

    /// Generates a fresh RSA-2048 key.
    public init() throws(TokenError) {
        do {
            key = try BlindRSA.PrivateKey(keySize: .bits2048, parameters: TokenPublicKey.parameters)
        } catch {
            throw .badKey("key generation failed: \(error)")
        }
        (privateOperations, publicKey) = try Self.derive(from: key)
    }

    public init(pem: String) throws(TokenError) {
        do {
            key = try BlindRSA.PrivateKey(pemRepresentation: pem, parameters: TokenPublicKey.parameters)
        } catch {
            throw .badKey("cannot read the PEM private key")
        }
        (privateOperations, publicKey) = try Self.derive(from: key)
    }

    private static func derive(from key: BlindRSA.PrivateKey<SHA384>) throws(TokenError) -> (OpenSSLPrivateKey, TokenPublicKey) {
        (try OpenSSLPrivateKey(pem: key.pkcs8PEMRepresentation), try TokenPublicKey(key: key.publicKey))
    }

    /// PKCS#8 PEM. A secret: store it as such, never log it.
    public var pem: String { key.pkcs8PEMRepresentation }

    /// Issues a slip token: the server makes the nonce and signs the token input with
    /// RSASSA-PSS (SHA-384, MGF1-SHA-384, salt 48), the signature a finalized blind signature
    /// is (RFC 9474 §4.4). It is verified before it leaves, as a guard against faults.
    public func signSlip(for challenge: TokenChallenge) throws(TokenError) -> PublicToken {
        let nonce = TokenClient.freshNonce()
        let input = PublicToken.input(nonce: nonce, challengeDigest: challenge.digest, tokenKeyID: publicKey.tokenKeyID)
        let authenticator = try privateOperations.signPSS(sha384Digest: Data(SHA384.hash(data: input)))
        let token = PublicToken(nonce: nonce, challengeDigest: challenge.digest, tokenKeyID: publicKey.tokenKeyID,
                                authenticator: authenticator)
        guard (try? TokenVerifier(publicKey: publicKey, challenge: challenge).verify(token)) != nil else {
            throw .signingFailed
        }
        return token
    }

    /// Answers a TokenRequest with a TokenResponse. The issuer sees only the blinded message:
    /// it learns neither the nonce nor the token it helps make.
    /// - Seealso: RFC 9578 §6.2
    public func respond(to request: TokenRequest) throws(TokenError) -> TokenResponse {
        guard request.truncatedTokenKeyID == publicKey.truncatedTokenKeyID else { throw .wrongKey }
        // RFC 9474 §4.2 BlindSign: s = RSASP1(sk, m), then RSAVP1(pk, s) must give m back.
        let signature = try privateOperations.rawPrivate(request.blindedMessage)
        guard try privateOperations.rawPublic(signature) == request.blindedMessage else { throw .signingFailed }
        return TokenResponse(blindSignature: signature)
    }
}
