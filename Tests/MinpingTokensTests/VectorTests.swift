import Crypto
import CryptoExtras
import Foundation
@testable import MinpingTokens
import Testing

/// Published test vectors, stored as data in `Vectors/` with their sources named inside:
/// - `rfc9474-pss-deterministic.json`: RFC 9474 Appendix A, RSABSSA-SHA384-PSS-Deterministic.
/// - `rfc9578-a2.json`: RFC 9578 Appendix A.2 (token type 0x0002, Blind RSA 2048), five vectors.
enum Vectors {
    static func load<T: Decodable>(_ name: String, as: T.Type) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    struct RFC9474: Decodable {
        var n, e, d, p, q, msg, prepared_msg, blinded_msg, blind_sig, sig: String
    }

    struct RFC9578: Decodable {
        var skS, pkS, token_challenge, nonce, token_request, token_response, token: String
    }

    static func rfc9578() throws -> [RFC9578] { try load("rfc9578-a2", as: [RFC9578].self) }
}

extension Data {
    init(hex: String) throws {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
            index = next
        }
        self.init(bytes)
    }
}

@Suite("Published vectors")
struct VectorTests {
    @Test("RFC 9474 A: the PSS-Deterministic variant blind-signs and verifies as published")
    func rfc9474() throws {
        let v = try Vectors.load("rfc9474-pss-deterministic", as: Vectors.RFC9474.self)
        let parameters = _RSA.BlindSigning.Parameters<SHA384>.RSABSSA_SHA384_PSS_Deterministic
        let privateKey = try _RSA.BlindSigning.PrivateKey(
            n: Data(hex: v.n), e: Data(hex: v.e), d: Data(hex: v.d), p: Data(hex: v.p), q: Data(hex: v.q),
            parameters: parameters)
        let publicKey = privateKey.publicKey
        // The Deterministic variant prepares by identity (TokenVerifier relies on this): the
        // published signature over prepared_msg verifies through prepare(msg).
        #expect(v.msg == v.prepared_msg)
        let prepared = publicKey.prepare(try Data(hex: v.msg))
        #expect(try privateKey.blindSignature(for: Data(hex: v.blinded_msg)).rawRepresentation == Data(hex: v.blind_sig))
        // The issuing key's private operation is OpenSSL's: the same bytes.
        let openssl = try OpenSSLPrivateKey(pem: privateKey.pkcs8PEMRepresentation)
        #expect(try openssl.rawPrivate(Data(hex: v.blinded_msg)) == Data(hex: v.blind_sig))
        #expect(try openssl.rawPublic(Data(hex: v.blind_sig)) == Data(hex: v.blinded_msg))
        // A message not below the modulus, or not modulus-sized, is refused, never reduced.
        #expect(throws: TokenError.self) { try openssl.rawPrivate(Data(repeating: 0xFF, count: 512)) }
        #expect(throws: TokenError.self) { try openssl.rawPrivate(Data(hex: v.blinded_msg).dropFirst()) }
        #expect(throws: TokenError.self) { try OpenSSLPrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: try Data(hex: v.sig)), for: prepared))
        var tampered = try Data(hex: v.sig)
        tampered[7] ^= 1
        #expect(!publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: tampered), for: prepared))
    }

    /// The challenges of the five vectors: issuer_name "issuer.example" and these contexts and origins.
    static let challenges: [(context: String, origin: String)] = [
        ("8e7acc900e393381e8810b7c9e4a68b5163f1f880ab6688a6ffe780923609e88", "origin.example"),
        ("", "origin.example"),
        ("", "foo.example,bar.example"),
        ("", ""),
        ("8e7acc900e393381e8810b7c9e4a68b5163f1f880ab6688a6ffe780923609e88", ""),
    ]

    @Test("RFC 9578 A.2: key id, challenge, request, response and token match the published bytes",
          arguments: 0..<5)
    func rfc9578(index: Int) throws {
        let v = try Vectors.rfc9578()[index]
        let key = try IssuingKey(pem: v.skS)
        let token = try PublicToken(bytes: Data(hex: v.token))

        // §6.5: our SPKI encoding of the public key is the published pkS, byte for byte.
        #expect(key.publicKey.spki == (try Data(hex: v.pkS)))
        #expect(token.tokenKeyID == key.publicKey.tokenKeyID)
        #expect(try TokenPublicKey(spki: Data(hex: v.pkS)).tokenKeyID == key.publicKey.tokenKeyID)

        // RFC 9577 TokenChallenge encoding.
        let (context, origin) = Self.challenges[index]
        let challenge = TokenChallenge(issuerName: "issuer.example", redemptionContext: try Data(hex: context), originInfo: origin)
        #expect(challenge.encoded == (try Data(hex: v.token_challenge)))
        #expect(token.challengeDigest == challenge.digest)

        // Issuer: the TokenResponse to the published TokenRequest is the published one.
        let request = try TokenRequest(bytes: Data(hex: v.token_request))
        #expect(request.truncatedTokenKeyID == key.publicKey.truncatedTokenKeyID)
        #expect(request.bytes == (try Data(hex: v.token_request)))
        #expect(try key.respond(to: request).bytes == Data(hex: v.token_response))

        // Verifier: the published token verifies and yields its nonce.
        let verifier = TokenVerifier(publicKey: key.publicKey, challenge: challenge)
        #expect(try verifier.verify(token) == Data(hex: v.nonce))
        #expect(token.bytes == (try Data(hex: v.token)))
        #expect(try PublicToken(base64URL: token.base64URL) == token)
    }
}
