import Crypto
import Foundation

/// A street's Ed25519 log key, named as C2SP signed-note keys are.
/// - Seealso: c2sp.org/signed-note
public struct LogSigner: Sendable {
    public let name: String
    let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey = .init()) throws(NoteError) {
        guard NoteVerifier.isValidKeyName(name) else { throw .badKeyName(name) }
        self.name = name
        self.key = key
    }

    /// The 32-byte private seed, for storage. A secret: never log it.
    public var seed: Data { key.rawRepresentation }

    public init(name: String, seed: Data) throws(NoteError) {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw .badKey }
        try self.init(name: name, key: key)
    }

    public var verifier: NoteVerifier {
        NoteVerifier(name: name, publicKey: key.publicKey)
    }

    /// The signature line for `text`: `— <name> <base64(key ID || signature)>`.
    public func signatureLine(for text: String) throws(NoteError) -> String {
        guard let signature = try? key.signature(for: Data(text.utf8)) else { throw .signingFailed }
        return "\u{2014} \(name) \((verifier.keyID + signature).base64EncodedString())"
    }

    /// A whole signed note: the text, a blank line, our signature line.
    public func sign(_ text: String) throws(NoteError) -> String {
        guard text.hasSuffix("\n") else { throw .malformed("note text must end with a newline") }
        return text + "\n" + (try signatureLine(for: text)) + "\n"
    }
}

/// The public half: verifies notes, and prints as the C2SP verifier key
/// `<name>+<hex key ID>+<base64(0x01 || public key)>`.
public struct NoteVerifier: Sendable, Equatable {
    public let name: String
    public let publicKey: Curve25519.Signing.PublicKey

    public static func == (lhs: NoteVerifier, rhs: NoteVerifier) -> Bool {
        lhs.name == rhs.name && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    /// The signature type byte of Ed25519 in signed notes.
    static let ed25519Type: UInt8 = 0x01

    public init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    /// Parses a verifier key string.
    public init(verifierKey text: String) throws(NoteError) {
        (name, publicKey) = try VerifierKey.parse(text, type: Self.ed25519Type)
    }

    /// First four bytes of SHA-256(name || "\n" || 0x01 || public key).
    public var keyID: Data { VerifierKey.keyID(name: name, type: Self.ed25519Type, publicKey: publicKey) }

    public var verifierKey: String { VerifierKey.text(name: name, type: Self.ed25519Type, publicKey: publicKey) }

    /// Key names are non-empty, without spaces or '+', and printable.
    static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "+" && $0.value != 0x7F }
    }

    /// Splits a signed note and checks that this key signed its text. Signature lines of
    /// other keys are ignored, as C2SP asks.
    /// - Returns: the note text (up to and including its last newline before the blank line).
    public func open(_ note: String) throws(NoteError) -> String {
        let parsed = try SignedNote(note)
        var found = false
        for line in parsed.signatures where line.name == name && line.keyID == keyID {
            guard publicKey.isValidSignature(line.signature, for: Data(parsed.text.utf8)) else { throw .badSignature }
            found = true
        }
        guard found else { throw .noSignature(name) }
        return parsed.text
    }
}

/// A signed note split into its text and signature lines.
/// - Seealso: c2sp.org/signed-note
public struct SignedNote: Sendable {
    public struct Signature: Sendable {
        public let name: String
        public let keyID: Data
        public let signature: Data
    }

    public let text: String
    public let signatures: [Signature]

    public init(_ note: String) throws(NoteError) {
        guard note.hasSuffix("\n"), let split = note.range(of: "\n\n", options: .backwards) else {
            throw .malformed("a signed note is text, a blank line and signature lines, each ending in a newline")
        }
        text = String(note[..<split.lowerBound]) + "\n"
        var signatures: [Signature] = []
        for line in note[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("\u{2014} ") else { throw .malformed("signature lines start with an em dash and a space") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let blob = Data(base64Encoded: String(fields[1])), blob.count >= 5 else {
                throw .malformed("a signature line is '\u{2014} <name> <base64 signature>'")
            }
            signatures.append(Signature(name: String(fields[0]), keyID: blob.prefix(4), signature: blob.dropFirst(4)))
        }
        guard !signatures.isEmpty else { throw .malformed("no signature lines") }
        self.signatures = signatures
    }
}

public enum NoteError: Error, Equatable, Sendable, CustomStringConvertible {
    case badKeyName(String)
    case badKey
    case badVerifierKey
    case signingFailed
    case malformed(String)
    case badSignature
    case noSignature(String)

    public var description: String {
        switch self {
        case let .badKeyName(name): "'\(name)' is not a valid key name"
        case .badKey: "not an Ed25519 private key"
        case .badVerifierKey: "not a C2SP Ed25519 verifier key (name+hexid+base64)"
        case .signingFailed: "signing failed"
        case let .malformed(reason): "malformed signed note: \(reason)"
        case .badSignature: "the signature does not verify"
        case let .noSignature(name): "no signature by \(name)"
        }
    }
}

/// The C2SP verifier key string `<name>+<hex key ID>+<base64(type || public key)>` and its key
/// ID, SHA-256(name || "\n" || type || public key)[:4], for every Ed25519 key type we use:
/// log keys (0x01) and witness cosignature keys (0x04).
enum VerifierKey {
    static func keyID(name: String, type: UInt8, publicKey: Curve25519.Signing.PublicKey) -> Data {
        var hasher = SHA256()
        hasher.update(data: Data(name.utf8))
        hasher.update(data: [0x0A, type])
        hasher.update(data: publicKey.rawRepresentation)
        return Data(hasher.finalize().prefix(4))
    }

    static func text(name: String, type: UInt8, publicKey: Curve25519.Signing.PublicKey) -> String {
        let id = keyID(name: name, type: type, publicKey: publicKey).map { String(format: "%02x", $0) }.joined()
        return "\(name)+\(id)+\((Data([type]) + publicKey.rawRepresentation).base64EncodedString())"
    }

    /// The name and key of a verifier key string of this type, whose key ID matches.
    static func parse(_ text: String, type: UInt8) throws(NoteError) -> (name: String, publicKey: Curve25519.Signing.PublicKey) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, NoteVerifier.isValidKeyName(String(parts[0])), parts[1].count == 8,
              let id = UInt32(parts[1], radix: 16),
              let keyBytes = Data(base64Encoded: String(parts[2])), keyBytes.count == 33,
              keyBytes.first == type,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes.dropFirst()),
              keyID(name: String(parts[0]), type: type, publicKey: key) == Data(withUnsafeBytes(of: id.bigEndian, Array.init))
        else { throw .badVerifierKey }
        return (String(parts[0]), key)
    }
}
