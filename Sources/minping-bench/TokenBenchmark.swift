import Crypto
import CryptoExtras
import Foundation
import MinpingTokens

/// Measures token throughput on one core: slips signed per second and tokens verified per
/// second. Run by `tools/bench/tokens` on a release build; not part of the tests.
@main
enum TokenBenchmark {
    static func main() throws {
        let seconds = Double(CommandLine.arguments.dropFirst().first ?? "") ?? 3
        let key = try IssuingKey()
        let challenge = TokenChallenge(street: "bench", evaluation: "bench-2026")
        let verifier = TokenVerifier(publicKey: key.publicKey, challenge: challenge)

        var tokens: [PublicToken] = []
        let signRate = try measure(seconds) { tokens.append(try key.signSlip(for: challenge)) }
        var index = 0
        let verifyRate = try measure(seconds) {
            _ = try verifier.verify(tokens[index % tokens.count])
            index += 1
        }
        let client = TokenClient(publicKey: key.publicKey, challenge: challenge)
        let blindRate = try measure(seconds) {
            let pending = try client.request()
            _ = try client.finalize(key.respond(to: pending.request), for: pending)
        }
        let request = try client.request().request
        let respondRate = try measure(seconds) { _ = try key.respond(to: request) }
        // The same RSA-PSS signature with swift-crypto's BoringSSL: the baseline that says
        // whether the private operation still belongs with OpenSSL.
        let boring = try _RSA.Signing.PrivateKey(pemRepresentation: key.pem)
        let digest = SHA384.hash(data: Data("bench".utf8))
        let boringRate = try measure(seconds) { _ = try boring.signature(for: digest, padding: .PSS) }
        print(String(format: "slips_signed_per_s %.1f", signRate))
        print(String(format: "blind_signatures_per_s %.1f", respondRate))
        print(String(format: "tokens_verified_per_s %.1f", verifyRate))
        print(String(format: "blind_issuances_per_s %.1f", blindRate))
        print(String(format: "boringssl_pss_signs_per_s %.1f", boringRate))
    }

    /// Runs `body` repeatedly for about `seconds` and returns calls per second.
    static func measure(_ seconds: Double, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var calls = 0
        var elapsed = Duration.zero
        while elapsed < .milliseconds(Int(seconds * 1000)) {
            for _ in 0..<16 { try body() }
            calls += 16
            elapsed = clock.now - start
        }
        let (wholeSeconds, attoseconds) = elapsed.components
        return Double(calls) / (Double(wholeSeconds) + Double(attoseconds) / 1e18)
    }
}
