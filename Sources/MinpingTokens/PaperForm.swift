import Crypto
import Foundation

/// A paper form (测评表, SPEC §4): a printed form carries a token as a token slip does, and its
/// 表号, the first 8 characters of the base32 (RFC 4648, no padding) of SHA-256 of the token's
/// bytes, on every page and on the tear-off stub. The 表号 names the form without naming
/// anyone: it is derived from the token, which nobody saw before it was printed.
public enum PaperForm {
    /// The 表号 of the form carrying `token`.
    public static func number(of token: PublicToken) -> String {
        number(ofTokenBytes: token.bytes)
    }

    public static func number(ofTokenBytes bytes: Data) -> String {
        String(base32(Data(SHA256.hash(data: bytes))).prefix(numberLength))
    }

    public static let numberLength = 8

    /// Whether `text` can be a 表号: 8 characters of the base32 alphabet (read in capitals).
    public static func isNumber(_ text: String) -> Bool {
        text.count == numberLength && text.unicodeScalars.allSatisfy { alphabet.contains(Character($0)) }
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    /// RFC 4648 §6 base32, without padding: 5 bits per character, most significant first.
    static func base32(_ data: Data) -> String {
        var out = ""
        var buffer = 0, bits = 0
        for byte in data {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }
}
