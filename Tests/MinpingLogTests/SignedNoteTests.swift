import Crypto
import Foundation
@testable import MinpingLog
import Testing

@Suite("C2SP signed notes and checkpoints")
struct SignedNoteTests {
    static let signer: LogSigner = {
        do { return try LogSigner(name: "minping/chengqu") } catch { fatalError("\(error)") }
    }()

    @Test("golang/mod sumdb/note test key: key ID and verifier key string")
    func goTestKey() throws {
        // sumdb/note note_test.go: PeterNeumann's verifier key.
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        let verifier = try NoteVerifier(verifierKey: vkey)
        #expect(verifier.name == "PeterNeumann")
        #expect(verifier.keyID.hex == "c74f20a3")
        #expect(verifier.verifierKey == vkey)
    }

    @Test("a signed checkpoint opens with the verifier key and parses")
    func roundTrip() throws {
        let checkpoint = Checkpoint(origin: "minping/chengqu/fuyuan-2018", size: 42, root: Merkle.leafHash(Data("x".utf8)))
        let note = try checkpoint.signed(by: Self.signer)
        #expect(note.hasPrefix("minping/chengqu/fuyuan-2018\n42\n"))
        #expect(note.contains("\n\n\u{2014} minping/chengqu "))
        let verifier = try NoteVerifier(verifierKey: Self.signer.verifier.verifierKey)
        #expect(try Checkpoint.open(note, verifier: verifier) == checkpoint)
    }

    @Test("signature lines of other keys are ignored; a tampered body or signature is refused")
    func tampering() throws {
        let note = try Checkpoint(origin: "o", size: 1, root: Data(count: 32)).signed(by: Self.signer)
        let other = try LogSigner(name: "witness.example")
        let cosigned = note + (try other.signatureLine(for: Checkpoint(origin: "o", size: 1, root: Data(count: 32)).body)) + "\n"
        #expect(throws: Never.self) { try Self.signer.verifier.open(cosigned) }
        #expect(throws: NoteError.badSignature) { try Self.signer.verifier.open(note.replacingOccurrences(of: "o\n1\n", with: "o\n2\n")) }
        #expect(throws: NoteError.noSignature("minping/chengqu")) { try Self.signer.verifier.open(String(note.prefix { $0 != "\u{2014}" }) + "\u{2014} x QUFBQUFB\n") }
        #expect(throws: NoteError.self) { try other.verifier.open(note) }
    }

    @Test("a checkpoint we sign verifies with openssl pkeyutl -verify -rawin")
    func openssl() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            Issue.record("openssl is not installed (tools/test installs it)")
            return
        }
        let note = try Checkpoint(origin: "minping/chengqu/fuyuan-2018", size: 7, root: Merkle.emptyRoot).signed(by: Self.signer)
        // The recipe of the README: body up to and including the last newline before the
        // blank line; signature = base64 decoded minus its 4-byte key ID.
        let parsed = try SignedNote(note)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-openssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(parsed.text.utf8).write(to: directory.appendingPathComponent("body"))
        try parsed.signatures[0].signature.write(to: directory.appendingPathComponent("sig"))
        let spkiPrefix = Data([0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00])
        let pem = "-----BEGIN PUBLIC KEY-----\n\((spkiPrefix + Self.signer.verifier.publicKey.rawRepresentation).base64EncodedString())\n-----END PUBLIC KEY-----\n"
        try Data(pem.utf8).write(to: directory.appendingPathComponent("key.pem"))
        func verify(_ body: String) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin", "-in", body, "-sigfile", "sig"]
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try verify("body") == 0)
        try Data((parsed.text + "x").utf8).write(to: directory.appendingPathComponent("bad"))
        #expect(try verify("bad") != 0)
    }

    @Test("verifier keys whose base64 contains '+' round-trip")
    func plusInKey() throws {
        var found = 0
        for byte in UInt8(0)...UInt8(255) {
            let signer = try LogSigner(name: "minping/s", seed: Data(repeating: byte, count: 32))
            let text = signer.verifier.verifierKey
            guard text.filter({ $0 == "+" }).count > 2 else { continue }
            found += 1
            #expect(try NoteVerifier(verifierKey: text) == signer.verifier)
        }
        #expect(found > 0)
    }

    @Test("bad verifier keys are refused", arguments: [
        "", "name", "name+zz+AAAA", "a+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ])
    func badVerifierKeys(text: String) {
        #expect(throws: NoteError.badVerifierKey) { try NoteVerifier(verifierKey: text) }
    }
}
