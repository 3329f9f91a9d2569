import Crypto
import Foundation
import MinpingLog
import Testing

/// The witness cosignature of SPEC §5 (C2SP tlog-cosignature, Ed25519 type 0x04), checked
/// against a vector: tools/tests/test_cosignature.py verifies the same line with Python's
/// `cryptography` from the byte layout alone (Ed25519 is deterministic).
@Suite("Witness cosignatures (SPEC §5)")
struct CosignatureTests {
    static let seed = Data(1...32)
    static let name = "district.example/witness"
    static let text = "minping/chengqu/lz-2026\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    static let time: UInt64 = 1_800_000_000
    static let line = "\u{2014} district.example/witness "
        + "iPuDNAAAAABrSdIAFdY1r19sUuP7/ndzTPOfDS7/z/9R7o74bedQewukVfLWanQUfp/9NJMqtpcEiu4wI32zRmPGRbefGtaFss+ADA=="
    static let verifierKey = "district.example/witness+88fb8334+BHm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk"

    @Test("our cosignature line and verifier key are the vector's, byte for byte")
    func vector() throws {
        let witness = try CosignatureSigner(name: Self.name, seed: Self.seed)
        #expect(try witness.cosignatureLine(for: Self.text, time: Self.time) == Self.line)
        #expect(witness.verifier.verifierKey == Self.verifierKey)
        #expect(try CosignatureVerifier(verifierKey: Self.verifierKey) == witness.verifier)
    }

    @Test("a cosigned checkpoint verifies with the witness key; a changed note, time or key does not")
    func verify() throws {
        let log = try LogSigner(name: "minping/chengqu")
        let verifier = try CosignatureVerifier(verifierKey: Self.verifierKey)
        let note = try log.sign(Self.text) + Self.line + "\n"
        #expect(try verifier.cosignedTime(note) == Self.time)
        #expect(try log.verifier.open(note) == Self.text)  // the log's own signature still reads
        #expect(try verifier.cosignedTime(try log.sign(Self.text)) == nil)  // not cosigned by this witness
        let changed = note.replacingOccurrences(of: "\n5\n", with: "\n6\n")
        #expect(throws: NoteError.badSignature) { try verifier.cosignedTime(changed) }
        var blob = try #require(Data(base64Encoded: String(Self.line.split(separator: " ")[2])))
        blob[11] ^= 1  // another time
        let retimed = try log.sign(Self.text) + "\u{2014} \(Self.name) \(blob.base64EncodedString())\n"
        #expect(throws: NoteError.badSignature) { try verifier.cosignedTime(retimed) }
        let other = try CosignatureSigner(name: Self.name)
        #expect(try other.verifier.cosignedTime(note) == nil)  // another key: another key ID
        #expect(throws: NoteError.badVerifierKey) { try CosignatureVerifier(verifierKey: Self.verifierKey.replacingOccurrences(of: "+BHm", with: "+AXm")) }
        #expect(throws: NoteError.badVerifierKey) { try NoteVerifier(verifierKey: Self.verifierKey) }  // type 0x04 is not a log key
    }
}
