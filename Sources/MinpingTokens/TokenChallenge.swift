import Crypto
import Foundation

/// The RFC 9577 TokenChallenge an evaluation's tokens are bound to: token type 0x0002,
/// issuer_name = the street slug, an empty redemption_context, origin_info = the evaluation id.
///
/// ```
/// struct {
///     uint16_t token_type;
///     opaque issuer_name<1..2^16-1>;
///     opaque redemption_context<0..32>;
///     opaque origin_info<0..2^16-1>;
/// } TokenChallenge;
/// ```
/// - Seealso: RFC 9577 §2.1, SPEC §4
public struct TokenChallenge: Sendable, Equatable {
    public var issuerName: String
    public var redemptionContext: Data
    public var originInfo: String

    /// The challenge for one evaluation of one street.
    public init(street: String, evaluation: String) {
        self.init(issuerName: street, redemptionContext: Data(), originInfo: evaluation)
    }

    public init(issuerName: String, redemptionContext: Data = Data(), originInfo: String) {
        self.issuerName = issuerName
        self.redemptionContext = redemptionContext
        self.originInfo = originInfo
    }

    /// The TLS-presentation-language bytes of the challenge.
    public var encoded: Data {
        var out = Data()
        out.appendUInt16(PublicToken.tokenType)
        let issuer = Data(issuerName.utf8)
        out.appendUInt16(UInt16(truncatingIfNeeded: issuer.count))
        out.append(issuer)
        out.append(UInt8(truncatingIfNeeded: redemptionContext.count))
        out.append(redemptionContext)
        let origin = Data(originInfo.utf8)
        out.appendUInt16(UInt16(truncatingIfNeeded: origin.count))
        out.append(origin)
        return out
    }

    /// `challenge_digest` = SHA-256(TokenChallenge).
    /// - Seealso: RFC 9578 §6.1
    public var digest: Data {
        Data(SHA256.hash(data: encoded))
    }
}

extension Data {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    /// base64url without padding (RFC 4648 §5), the text form of tokens.
    public var base64URLEncodedString: String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Strict base64url without padding: refuses `+`, `/`, `=`, whitespace and impossible lengths.
    public init?(base64URLEncoded text: String) {
        guard text.utf8.allSatisfy({ byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x2D || byte == 0x5F
        }), text.utf8.count % 4 != 1 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), data.base64URLEncodedString == text else { return nil }
        self = data
    }
}
