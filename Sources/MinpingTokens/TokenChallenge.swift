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
        var bytes = Array(base64EncodedString().utf8)
        while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
        for index in bytes.indices {
            if bytes[index] == UInt8(ascii: "+") { bytes[index] = UInt8(ascii: "-") }
            if bytes[index] == UInt8(ascii: "/") { bytes[index] = UInt8(ascii: "_") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Strict base64url without padding: refuses `+`, `/`, `=`, whitespace, impossible lengths
    /// and non-zero trailing bits (so every token has exactly one text form).
    public init?(base64URLEncoded text: String) {
        var bytes = Array(text.utf8)
        let alphabetOnly = bytes.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices {
                switch buffer[index] {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    continue
                case UInt8(ascii: "-"): buffer[index] = UInt8(ascii: "+")
                case UInt8(ascii: "_"): buffer[index] = UInt8(ascii: "/")
                default: return false
                }
            }
            return true
        }
        guard alphabetOnly else { return nil }
        // Canonical text only: the bits of a last partial group that encode no byte are zero
        // (checked directly, not by encoding the result again: this runs for every ballot).
        switch bytes.count % 4 {
        case 1: return nil
        case 2: guard let last = bytes.last, Self.sextet(last) & 0x0F == 0 else { return nil }
        case 3: guard let last = bytes.last, Self.sextet(last) & 0x03 == 0 else { return nil }
        default: break
        }
        while bytes.count % 4 != 0 { bytes.append(UInt8(ascii: "=")) }
        guard let data = Data(base64Encoded: Data(bytes)) else { return nil }
        self = data
    }

    /// The 6-bit value of a standard base64 digit (the text above has been checked).
    private static func sextet(_ digit: UInt8) -> UInt8 {
        switch digit {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): digit - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        default: 63
        }
    }
}
