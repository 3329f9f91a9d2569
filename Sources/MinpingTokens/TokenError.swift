/// Why a token, request or response was refused. The case is the stable identity; the HTTP
/// layer maps all token refusals to `403 token_invalid` without saying which check failed.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case badEncoding
    case wrongLength(expected: Int, actual: Int)
    case wrongTokenType(UInt16)
    case wrongKey
    case wrongChallenge
    case badSignature
    case badKey(String)
    case signingFailed

    public var description: String {
        switch self {
        case .badEncoding: "not base64url text without padding"
        case let .wrongLength(expected, actual): "wrong length: \(actual) bytes, expected \(expected)"
        case let .wrongTokenType(type): "token type 0x\(String(type, radix: 16)) is not 0x0002"
        case .wrongKey: "issued under another key"
        case .wrongChallenge: "issued for another evaluation"
        case .badSignature: "the signature does not verify"
        case let .badKey(reason): "unusable issuing key: \(reason)"
        case .signingFailed: "the issuing key could not sign"
        }
    }
}
