import Foundation
import MinpingTokens
import Testing

/// One issuing key for the suite: RSA-2048 generation takes a while.
enum Keys {
    static let issuer: IssuingKey = {
        do { return try IssuingKey() } catch { fatalError("key generation failed: \(error)") }
    }()
    static let other: IssuingKey = {
        do { return try IssuingKey() } catch { fatalError("key generation failed: \(error)") }
    }()
    static let fuyuan = TokenChallenge(street: "chengqu", evaluation: "fuyuan-2018")
    static let other2019 = TokenChallenge(street: "chengqu", evaluation: "fuyuan-2019")
}

@Suite("Tokens through the public API")
struct TokenTests {
    let verifier = TokenVerifier(publicKey: Keys.issuer.publicKey, challenge: Keys.fuyuan)

    @Test("a slip verifies for its evaluation and yields its nonce; every slip has its own nonce")
    func slip() throws {
        let first = try Keys.issuer.signSlip(for: Keys.fuyuan)
        let second = try Keys.issuer.signSlip(for: Keys.fuyuan)
        #expect(try verifier.verify(first) == first.nonce)
        #expect(try verifier.verify(base64URL: second.base64URL) == second.nonce)
        #expect(first.nonce != second.nonce)
        #expect(first.base64URL.count == 472)  // 354 bytes, base64url without padding
        // Nonces are 32 random bytes: 64 slips, all different, and no byte the same in all.
        let nonces = try (0..<64).map { _ in try Keys.issuer.signSlip(for: Keys.fuyuan).nonce }
        #expect(nonces.allSatisfy { $0.count == 32 } && Set(nonces).count == 64)
        for position in 0..<32 {
            #expect(Set(nonces.map { Array($0)[position] }).count > 1, "byte \(position) never changes")
        }
    }

    @Test("a token for evaluation A is refused for evaluation B and for another street")
    func otherEvaluation() throws {
        let token = try Keys.issuer.signSlip(for: Keys.fuyuan)
        let forOther = TokenVerifier(publicKey: Keys.issuer.publicKey, challenge: Keys.other2019)
        #expect(throws: TokenError.wrongChallenge) { try forOther.verify(token) }
        let otherStreet = TokenVerifier(
            publicKey: Keys.issuer.publicKey, challenge: TokenChallenge(street: "nanjie", evaluation: "fuyuan-2018"))
        #expect(throws: TokenError.wrongChallenge) { try otherStreet.verify(token) }
    }

    @Test("a token signed by another key is refused, even carrying this key's id")
    func otherKey() throws {
        let foreign = try Keys.other.signSlip(for: Keys.fuyuan)
        #expect(throws: TokenError.wrongKey) { try verifier.verify(foreign) }
        let forged = PublicToken(nonce: foreign.nonce, challengeDigest: foreign.challengeDigest,
                                 tokenKeyID: Keys.issuer.publicKey.tokenKeyID, authenticator: foreign.authenticator)
        #expect(throws: TokenError.badSignature) { try verifier.verify(forged) }
    }

    @Test("a flipped bit anywhere in a token is refused")
    func everyBit() throws {
        let bytes = try Keys.issuer.signSlip(for: Keys.fuyuan).bytes
        var accepted: [Int] = []
        for bit in 0..<(bytes.count * 8) {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << (bit % 8)
            if let token = try? PublicToken(bytes: flipped), (try? verifier.verify(token)) != nil {
                accepted.append(bit)
            }
        }
        #expect(accepted.isEmpty, "bits accepted after flipping: \(accepted)")
    }

    @Test("a blind-issued token is accepted; the issuer never sees the nonce or the token")
    func blindIssuance() throws {
        let client = TokenClient(publicKey: Keys.issuer.publicKey, challenge: Keys.fuyuan)
        let pending = try client.request()
        let requestOnTheWire = pending.request.bytes
        let response = try Keys.issuer.respond(to: TokenRequest(bytes: requestOnTheWire))
        let token = try client.finalize(TokenResponse(bytes: response.bytes), for: pending)
        #expect(try verifier.verify(token) == token.nonce)

        // What the issuer saw (request and response) shares nothing with the token.
        for seen in [requestOnTheWire, response.bytes] {
            #expect(seen.range(of: token.nonce) == nil)
            #expect(seen.range(of: token.authenticator) == nil)
        }
        #expect(response.blindSignature != token.authenticator)
    }

    @Test("two blind issuances of the same evaluation give unrelated tokens")
    func blindUnlinkable() throws {
        let client = TokenClient(publicKey: Keys.issuer.publicKey, challenge: Keys.fuyuan)
        let a = try client.request(), b = try client.request()
        #expect(a.request.blindedMessage != b.request.blindedMessage)
        let tokenA = try client.finalize(Keys.issuer.respond(to: a.request), for: a)
        let tokenB = try client.finalize(Keys.issuer.respond(to: b.request), for: b)
        #expect(tokenA.nonce != tokenB.nonce)
        #expect(try verifier.verify(tokenA) != verifier.verify(tokenB))
    }

    @Test("the client refuses a response whose signature does not verify")
    func badResponse() throws {
        let client = TokenClient(publicKey: Keys.issuer.publicKey, challenge: Keys.fuyuan)
        let other = TokenClient(publicKey: Keys.other.publicKey, challenge: Keys.fuyuan)
        // A blinded message is a number below its own key's modulus; a key with a smaller
        // modulus refuses to sign it. Both keys are random, so draw requests until the
        // other key can sign one (each draw succeeds with probability above one half).
        let (pending, wrongSigner) = try Self.firstSigned(by: Keys.other, from: client)
        #expect(throws: TokenError.badSignature) { try client.finalize(wrongSigner, for: pending) }
        let (_, mismatched) = try Self.firstSigned(by: Keys.issuer, from: other)
        #expect(throws: TokenError.badSignature) { try client.finalize(mismatched, for: pending) }
        #expect(throws: TokenError.badSignature) {
            try client.finalize(TokenResponse(blindSignature: Data(repeating: 0x42, count: 256)), for: pending)
        }
    }

    /// A request from `client` and `signer`'s blind signature over it, addressed as if to `signer`.
    private static func firstSigned(by signer: IssuingKey, from client: TokenClient) throws
        -> (TokenClient.Pending, TokenResponse)
    {
        for _ in 0..<64 {
            let pending = try client.request()
            let addressed = TokenRequest(truncatedTokenKeyID: signer.publicKey.truncatedTokenKeyID,
                                         blindedMessage: pending.request.blindedMessage)
            do {
                return (pending, try signer.respond(to: addressed))
            } catch TokenError.signingFailed {
                continue
            }
        }
        throw TokenError.signingFailed
    }

    @Test("the issuer refuses a request for another key")
    func requestForOtherKey() throws {
        // The truncated key id is one byte: draw a key whose id differs from the issuer's.
        var other = Keys.other
        while other.publicKey.truncatedTokenKeyID == Keys.issuer.publicKey.truncatedTokenKeyID { other = try IssuingKey() }
        let pending = try TokenClient(publicKey: other.publicKey, challenge: Keys.fuyuan).request()
        #expect(throws: TokenError.wrongKey) { try Keys.issuer.respond(to: pending.request) }
    }

    @Test("the issuing key survives a PEM round trip; bad PEM is refused")
    func pem() throws {
        let restored = try IssuingKey(pem: Keys.issuer.pem)
        #expect(restored.publicKey.tokenKeyID == Keys.issuer.publicKey.tokenKeyID)
        #expect(try verifier.verify(restored.signSlip(for: Keys.fuyuan)).count == 32)
        #expect(Keys.issuer.pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(throws: TokenError.self) { try IssuingKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----") }
    }

    @Test("the public key reads back from its SPKI; other encodings are refused")
    func spki() throws {
        let spki = Keys.issuer.publicKey.spki
        #expect(try TokenPublicKey(spki: spki).tokenKeyID == Keys.issuer.publicKey.tokenKeyID)
        #expect(throws: TokenError.self) { try TokenPublicKey(spki: spki + Data([0])) }
        #expect(throws: TokenError.self) { try TokenPublicKey(spki: Data(spki.dropLast())) }
        var otherAlgorithm = spki
        otherAlgorithm[16] ^= 0x01  // inside the rsassaPss OID
        #expect(throws: TokenError.self) { try TokenPublicKey(spki: otherAlgorithm) }
    }
}

@Suite("Token parsing")
struct TokenParsingTests {
    static let good: Data = {
        do { return try Keys.issuer.signSlip(for: Keys.fuyuan).bytes } catch { fatalError("\(error)") }
    }()

    @Test("wrong lengths, trailing bytes and wrong types are refused with a typed error")
    func binary() {
        #expect(throws: TokenError.wrongLength(expected: 354, actual: 353)) { try PublicToken(bytes: Self.good.dropLast()) }
        #expect(throws: TokenError.wrongLength(expected: 354, actual: 355)) { try PublicToken(bytes: Self.good + Data([0])) }
        #expect(throws: TokenError.wrongLength(expected: 354, actual: 0)) { try PublicToken(bytes: Data()) }
        var typeOne = Self.good
        typeOne[1] = 0x01
        #expect(throws: TokenError.wrongTokenType(0x0001)) { try PublicToken(bytes: typeOne) }
        #expect(throws: TokenError.wrongLength(expected: 259, actual: 258)) { try TokenRequest(bytes: Data(count: 258)) }
        #expect(throws: TokenError.wrongTokenType(0)) { try TokenRequest(bytes: Data(count: 259)) }
        #expect(throws: TokenError.wrongLength(expected: 256, actual: 257)) { try TokenResponse(bytes: Data(count: 257)) }
    }

    @Test("bad base64url is refused", arguments: [
        "padded=", "has+plus", "has/slash", "with space", "换行", "A", "",
    ])
    func text(bad: String) {
        #expect(throws: TokenError.self) { try PublicToken(base64URL: bad) }
    }

    @Test("base64url round-trips every length; a last digit with non-zero spare bits is refused")
    func base64URLSpareBits() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            let data = Data((0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            let text = data.base64URLEncodedString
            #expect(Data(base64URLEncoded: text) == data)
            guard length % 3 != 0, let last = text.last else { continue }
            // The spare bits are the low 4 (one byte in the group) or 2 (two bytes) of the last digit.
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            let value = try #require(alphabet.firstIndex(of: last))
            let spare = length % 3 == 1 ? 0x0F : 0x03
            for bit in [1, spare] {
                let changed = String(text.dropLast()) + String(alphabet[value | bit])
                #expect(Data(base64URLEncoded: changed) == nil, "\(changed)")
            }
        }
        #expect(Data(base64URLEncoded: "AA") == Data([0]))
        #expect(Data(base64URLEncoded: "AB") == nil)
        #expect(Data(base64URLEncoded: "AAE") == Data([0, 1]))
        #expect(Data(base64URLEncoded: "AAB") == nil)
        #expect(Data(base64URLEncoded: "-_8") == Data([0xFB, 0xFF]))
    }

    @Test("padding or standard base64 of a good token is refused; the exact text parses")
    func textForms() throws {
        let text = Self.good.base64URLEncodedString
        #expect(try PublicToken(base64URL: text).bytes == Self.good)
        #expect(throws: TokenError.badEncoding) { try PublicToken(base64URL: text + "==") }
        #expect(throws: TokenError.badEncoding) { try PublicToken(base64URL: Self.good.base64EncodedString()) }
        #expect(throws: TokenError.badEncoding) { try PublicToken(base64URL: text + "\n") }
    }
}
