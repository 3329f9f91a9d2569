import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The key-encryption key: signing keys are stored sealed under it (AES-256-GCM), and it lives
/// in a file outside the database, so a copy of the database alone cannot sign.
/// - Seealso: SPEC §4 ("Signing keys at rest")
public struct KeyEncryptionKey: Sendable {
    private let key: SymmetricKey

    /// A new random key.
    public init() {
        key = SymmetricKey(size: .bits256)
    }

    /// The key a key file holds: one line, `minping-kek-v1 ` and 32 bytes in base64.
    public init(fileText: String) throws(KeyFileError) {
        let parts = fileText.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        guard parts.count == 2, parts[0] == Self.header, let bytes = Data(base64Encoded: String(parts[1])), bytes.count == 32 else {
            throw .malformed
        }
        key = SymmetricKey(data: bytes)
    }

    static let header = "minping-kek-v1"

    public var fileText: String {
        Self.header + " " + key.withUnsafeBytes { Data($0) }.base64EncodedString() + "\n"
    }

    /// Seals `plaintext`, bound to `purpose` (authenticated, not encrypted), so a sealed key
    /// cannot be moved to another evaluation or street.
    public func seal(_ plaintext: Data, purpose: String) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key, authenticating: Data(purpose.utf8)).combined else {
            throw KeyFileError.malformed
        }
        return combined
    }

    /// Opens what ``seal(_:purpose:)`` made with this key for this purpose.
    public func open(_ sealed: Data, purpose: String) throws(KeyFileError) -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(purpose.utf8))
        } catch {
            throw .wrongKey
        }
    }

    /// What an evaluation's RSA issuing key is sealed for.
    public static func tokenKeyPurpose(evaluation: String) -> String { "minping token key \(evaluation)" }

    /// What a supplementary round's issuing key is sealed for (round 1's is the evaluation's).
    public static func tokenKeyPurpose(evaluation: String, round: Int) -> String {
        round <= 1 ? tokenKeyPurpose(evaluation: evaluation) : "minping token key \(evaluation) round \(round)"
    }

    /// What a street's Ed25519 log key seed is sealed for.
    public static func logKeyPurpose(street: String) -> String { "minping log key \(street)" }

    /// What a database's check value is sealed for: a database is bound to its key from its
    /// first start, before it holds any signing key.
    public static let checkPurpose = "minping key check"
}

extension KeyEncryptionKey {
    /// A key for `purpose` derived from this one (HKDF-SHA256), so every instance sharing the
    /// key file derives the same: the session cookies' MAC key, for one.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
    }

    /// The binding of a database (or a witness's file) to this key: each holds one value sealed
    /// under the key it was first opened with, so opening it with another key file fails at
    /// once, before anything is signed or stored under the wrong key.
    /// - Parameter stored: the database's sealed check, nil when it has none yet.
    /// - Returns: the check to store, when the database has none yet.
    /// - Throws: ``KeyFileError`` when the stored check was sealed under another key.
    public func bind(stored: Data?) throws -> Data? {
        if let stored {
            _ = try open(stored, purpose: Self.checkPurpose)
            return nil
        }
        return try seal(Data(Self.checkPurpose.utf8), purpose: Self.checkPurpose)
    }
}

public enum KeyFileError: Error, Sendable, Equatable {
    /// The file is not a key file.
    case malformed
    /// The key does not open the keys in the database.
    case wrongKey
    /// The database holds sealed keys and there is no key file.
    case missing
    /// The file is there but cannot be read (permissions).
    case unreadable
    /// A new key file could not be written.
    case cannotCreate
}

/// Where the key-encryption key lives, and the rule for making one: only for a database that
/// is bound to no key yet.
public enum KeyFile {
    /// `--key-file`, else `MINPING_KEY_FILE`, else the database path plus `.key`.
    public static func path(option: String?, database: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        option ?? environment["MINPING_KEY_FILE"] ?? database + ".key"
    }

    /// Reads the key at `path`; when there is none, makes one (mode 0600) unless the database
    /// is already bound to a key, which a new one could never stand in for.
    public static func loadOrCreate(path: String, databaseHoldsSealedKeys: Bool) throws(KeyFileError) -> KeyEncryptionKey {
        if access(path, F_OK) == 0 {
            guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable }
            return try KeyEncryptionKey(fileText: String(decoding: data, as: UTF8.self))
        }
        guard !databaseHoldsSealedKeys else { throw .missing }
        let key = KeyEncryptionKey()
        try create(path: path, text: key.fileText)
        return key
    }

    /// Writes the file whole or not at all: a temporary file (0600 from the start, never
    /// readable by others), synced, then linked in place, which refuses a file that appeared
    /// meanwhile; the directory is synced too, so the key is durable before any key is sealed
    /// under it (a database that survives a power loss must not outlive its key file).
    static func create(path: String, text: String) throws(KeyFileError) {
        let temporary = path + ".new-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .cannotCreate }
        defer { unlink(temporary) }
        let bytes = Array(text.utf8)
        let written = write(descriptor, bytes, bytes.count) == bytes.count && fsync(descriptor) == 0
        close(descriptor)
        guard written, link(temporary, path) == 0 else { throw .cannotCreate }
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                             O_RDONLY | O_DIRECTORY)
        guard directory >= 0 else { throw .cannotCreate }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw .cannotCreate }
    }
}
