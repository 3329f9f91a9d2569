import Foundation
import MinpingCore

/// What reviewers download and `minping audit export` writes:
/// ```
/// definition.json          the definition, JCS
/// entries.jsonl            every entry's exact bytes, one per line, in log order
/// checkpoints/<size>.txt   every checkpoint
/// keys.json                {"token_key_spki":b64,"token_key_id":hex,"log_verifier_key":"name+id+b64"}
/// results.json             the latest published results, if any
/// ```
/// - Seealso: SPEC §5 (Bundle)
public struct AuditBundle: Sendable {
    public struct Keys: Sendable, Equatable {
        public var tokenKeySPKI: String
        public var tokenKeyID: String
        public var logVerifierKey: String

        public init(tokenKeySPKI: String, tokenKeyID: String, logVerifierKey: String) {
            self.tokenKeySPKI = tokenKeySPKI
            self.tokenKeyID = tokenKeyID
            self.logVerifierKey = logVerifierKey
        }

        var jsonValue: JSONValue {
            .object([
                ("token_key_spki", .string(tokenKeySPKI)), ("token_key_id", .string(tokenKeyID)),
                ("log_verifier_key", .string(logVerifierKey)),
            ])
        }
    }

    public var definition: [UInt8]
    public var entries: [[UInt8]]
    /// Signed notes, in the order they were made (sizes never decrease).
    public var checkpoints: [String]
    public var keys: Keys
    public var results: [UInt8]?
    /// The size each checkpoint's file name gives (`checkpoints/<size>.txt`), when the bundle
    /// was read from a directory; nil for a bundle made in memory, whose files are named after
    /// what each checkpoint says.
    var fileSizes: [Int]?

    public init(definition: [UInt8], entries: [[UInt8]], checkpoints: [String], keys: Keys, results: [UInt8]?) {
        self.definition = definition
        self.entries = entries
        self.checkpoints = checkpoints
        self.keys = keys
        self.results = results
    }

    /// Each checkpoint with the size its file is (or would be) named after, ascending.
    var namedCheckpoints: [(size: Int, note: String)] {
        if let fileSizes, fileSizes.count == checkpoints.count {
            return Array(zip(fileSizes, checkpoints))
        }
        return checkpoints.map { (Self.fileSize(of: $0), $0) }
    }

    /// The size a checkpoint's file is named after: what it claims, unverified.
    public static func fileSize(of note: String) -> Int {
        Checkpoint.claimedSize(note) ?? 0
    }

    /// The bundle's files by relative path, in the layout of SPEC §5.
    public var files: [(path: String, contents: [UInt8])] {
        var lines: [UInt8] = []
        lines.reserveCapacity(entries.reduce(0) { $0 + $1.count + 1 })
        for entry in entries {
            lines += entry
            lines.append(0x0A)
        }
        return [("definition.json", definition), ("entries.jsonl", lines)] + filesAfterEntries
    }

    /// The files after entries.jsonl, in order: the checkpoints, keys.json, results.json (a
    /// bundle streamed a chunk of entries at a time has them apart).
    public var filesAfterEntries: [(path: String, contents: [UInt8])] {
        var files: [(path: String, contents: [UInt8])] = []
        var seen = Set<String>()
        for note in checkpoints.reversed() {
            // Several checkpoints of one size are the same tree; the last one signed is kept.
            let path = "checkpoints/\(Self.fileSize(of: note)).txt"
            if seen.insert(path).inserted { files.append((path, Array(note.utf8))) }
        }
        files.append(("keys.json", CanonicalJSON.encode(keys.jsonValue)))
        if let results { files.append(("results.json", results)) }
        return files
    }

    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        for (path, contents) in files {
            try Data(contents).write(to: directory.appendingPathComponent(path))
        }
    }

    /// Reads a bundle directory; every problem names the file.
    public static func read(from directory: URL) throws(BundleError) -> AuditBundle {
        func load(_ name: String) throws(BundleError) -> Data {
            do {
                // Mapped, not read: every line is copied out of it once anyway.
                return try Data(contentsOf: directory.appendingPathComponent(name), options: .mappedIfSafe)
            } catch {
                throw .unreadable(file: name, reason: "cannot read it")
            }
        }
        let definition = try load("definition.json")
        let entries = lines(of: try load("entries.jsonl"))

        // Checkpoints are the files named `<size>.txt` (a decimal without leading zeros);
        // other files are not part of the bundle. A file that is not UTF-8 is no signed note:
        // it is kept as an empty one, which fails as a signature, not as a read error.
        let checkpointDirectory = directory.appendingPathComponent("checkpoints")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: checkpointDirectory.path)
        } catch {
            throw .unreadable(file: "checkpoints/", reason: "cannot list it")
        }
        var sized: [(Int, String)] = []
        for name in names where name.hasSuffix(".txt") {
            guard let size = Checkpoint.decimal(name.dropLast(4)) else { continue }
            sized.append((size, String(data: try load("checkpoints/\(name)"), encoding: .utf8) ?? ""))
        }
        sized.sort { $0.0 < $1.0 }

        // keys.json is not part of the log: any JSON object with the three keys will do.
        let keysData = try load("keys.json")
        guard let keysObject = try? JSONSerialization.jsonObject(with: keysData) as? [String: Any] else {
            throw .unreadable(file: "keys.json", reason: "not a JSON object")
        }
        guard let spki = keysObject["token_key_spki"] as? String, let id = keysObject["token_key_id"] as? String,
              let logKey = keysObject["log_verifier_key"] as? String
        else { throw .unreadable(file: "keys.json", reason: "needs token_key_spki, token_key_id and log_verifier_key") }

        let resultsURL = directory.appendingPathComponent("results.json")
        let results = FileManager.default.fileExists(atPath: resultsURL.path) ? Array(try load("results.json")) : nil
        var bundle = AuditBundle(
            definition: Array(definition), entries: entries, checkpoints: sized.map(\.1),
            keys: Keys(tokenKeySPKI: spki, tokenKeyID: id, logVerifierKey: logKey), results: results)
        bundle.fileSizes = sized.map(\.0)
        return bundle
    }
}

public enum BundleError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): "\(file): \(reason)"
        }
    }
}

/// The lines of `data`, without their newlines; the last line's newline is optional.
private func lines(of data: Data) -> [[UInt8]] {
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        guard let base = buffer.baseAddress else { return [] }
        var lines: [[UInt8]] = []
        var start = 0
        while start < buffer.count {
            let end = memchr(base + start, 0x0A, buffer.count - start).map { UnsafeRawPointer($0) - base } ?? buffer.count
            lines.append(Array(UnsafeRawBufferPointer(rebasing: buffer[start..<end])))
            start = end + 1
        }
        return lines
    }
}
