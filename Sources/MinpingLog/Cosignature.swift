import Crypto
import Foundation

/// A witness's Ed25519 key: it cosigns checkpoints (C2SP tlog-cosignature, signature type
/// 0x04; SPEC §5). The signed message is `cosignature/v1\ntime <unix seconds>\n` followed by
/// the checkpoint's note text; the line is `— <name> base64(key ID || time (8, big-endian) ||
/// signature (64))`.
/// - Seealso: c2sp.org/tlog-cosignature
public struct CosignatureSigner: Sendable {
    public let name: String
    let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey = .init()) throws(NoteError) {
        guard NoteVerifier.isValidKeyName(name) else { throw .badKeyName(name) }
        self.name = name
        self.key = key
    }

    public init(name: String, seed: Data) throws(NoteError) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .badKey }
        try self.init(name: name, key: key)
    }

    /// The 32-byte private seed, for storage. A secret: never log it.
    public var seed: Data { key.rawRepresentation }

    public var verifier: CosignatureVerifier {
        CosignatureVerifier(name: name, publicKey: key.publicKey)
    }

    /// The cosignature line for a checkpoint's note text (ending in a newline) at `time`.
    public func cosignatureLine(for text: String, time: UInt64) throws(NoteError) -> String {
        guard text.hasSuffix("\n") else { throw .malformed("note text must end with a newline") }
        guard let signature = try? key.signature(for: CosignatureVerifier.message(text, time: time)) else { throw .signingFailed }
        let blob = verifier.keyID + Data(withUnsafeBytes(of: time.bigEndian, Array.init)) + signature
        return "\u{2014} \(name) \(blob.base64EncodedString())"
    }
}

/// The public half of a witness key: `<name>+<hex key ID>+<base64(0x04 || public key)>`,
/// key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4].
public struct CosignatureVerifier: Sendable, Equatable {
    public let name: String
    public let publicKey: Curve25519.Signing.PublicKey

    public static func == (lhs: CosignatureVerifier, rhs: CosignatureVerifier) -> Bool {
        lhs.name == rhs.name && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    /// The signature type byte of tlog-cosignature/v1 (Ed25519).
    static let cosignatureType: UInt8 = 0x04

    public init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    public init(verifierKey text: String) throws(NoteError) {
        (name, publicKey) = try VerifierKey.parse(text, type: Self.cosignatureType)
    }

    public var keyID: Data { VerifierKey.keyID(name: name, type: Self.cosignatureType, publicKey: publicKey) }

    public var verifierKey: String { VerifierKey.text(name: name, type: Self.cosignatureType, publicKey: publicKey) }

    static func message(_ text: String, time: UInt64) -> Data {
        Data("cosignature/v1\ntime \(time)\n\(text)".utf8)
    }

    /// When this witness cosigned the note (its latest line's time), nil if it has no line
    /// there. Any line of this key that does not verify is an error.
    public func cosignedTime(_ note: String) throws(NoteError) -> UInt64? {
        let parsed = try SignedNote(note)
        var latest: UInt64?
        for line in parsed.signatures where line.name == name && line.keyID == keyID {
            guard line.signature.count == 72 else { throw .malformed("a cosignature is a time and a 64-byte signature") }
            let time = line.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard publicKey.isValidSignature(line.signature.dropFirst(8), for: Self.message(parsed.text, time: time)) else {
                throw .badSignature
            }
            latest = max(latest ?? 0, time)
        }
        return latest
    }
}
