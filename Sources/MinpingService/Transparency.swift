import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

/// What a receipt lookup finds.
public enum ReceiptLookup: Sendable, Equatable {
    case receipt(String)
    /// Accepted, not yet in a batch: ask again in a few seconds.
    case pending
    case notFound
}

/// A reviewer's bundle to be sent a part at a time (``EvaluationService/bundleStream(_:)``):
/// definition.json, then entries.jsonl (`size` entries, `entriesLength` bytes with their
/// newlines) read by `entries` a chunk at a time, then the files `after`.
public struct BundleStream: Sendable {
    public let size: Int
    /// Entries read at once.
    public let chunk: Int
    public let entriesLength: Int
    public let definition: [UInt8]
    public let after: [(path: String, contents: [UInt8])]
    /// The log's verifier key (also in keys.json), for the reviewer's `--log-key`.
    public let logVerifierKey: String
    public let entries: @Sendable (Range<Int>) async throws -> [[UInt8]]

    /// entries.jsonl a chunk of entries at a time: each chunk's lines, every one ended by its
    /// newline, handed to `body` in order (`GET /bundle` sends them, `write(to:)` writes them).
    public func forEachChunk(_ body: ([UInt8]) async throws -> Void) async throws {
        for start in stride(from: 0, to: size, by: chunk) {
            let lines = try await entries(start..<min(size, start + chunk))
            var joined: [UInt8] = []
            joined.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
            for line in lines {
                joined += line
                joined.append(0x0A)
            }
            try await body(joined)
        }
    }

    /// Writes the bundle's files into `directory` (`minping audit export`), entries.jsonl a
    /// chunk of entries at a time.
    public func write(to directory: URL) async throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try Data(definition).write(to: directory.appendingPathComponent("definition.json"))
        let path = directory.appendingPathComponent("entries.jsonl")
        try Data().write(to: path)
        let file = try FileHandle(forWritingTo: path)
        do {
            try await forEachChunk { try file.write(contentsOf: $0) }
        } catch {
            try file.close()
            throw error
        }
        try file.close()
        for (name, contents) in after {
            try Data(contents).write(to: directory.appendingPathComponent(name))
        }
    }
}

extension EvaluationService {
    /// The latest signed checkpoint.
    public nonisolated func checkpoint(_ id: String) async throws -> String {
        _ = try await record(id)
        // One row, not every checkpoint of the log (a city's log has thousands).
        guard let latest = try await store.latestCheckpoint(evaluation: id) else { throw ServiceError.notFound("checkpoint") }
        return latest
    }

    /// The latest checkpoint, read: one that does not parse is an integrity failure, never a
    /// log of size 0 on the board.
    public nonisolated func parsedCheckpoint(_ id: String) async throws -> Checkpoint {
        let note = try await checkpoint(id)
        guard let checkpoint = Checkpoint.unverified(note) else {
            throw integrityFailure(id, "the stored checkpoint is not a checkpoint note")
        }
        return checkpoint
    }

    /// The receipt (c2sp.org/tlog-proof@v1) of the ballot with this tracker.
    public func receipt(_ id: String, tracker: String) async throws -> ReceiptLookup {
        _ = try await record(id)
        guard let place = try await store.ballotPlace(evaluation: id, tracker: tracker) else { return .notFound }
        guard case let .logged(seq) = place else { return .pending }
        let head = try await currentHead(id)
        guard let checkpoint = try await store.latestCheckpoint(evaluation: id),
              let receipt = head.receipt(seq: seq, checkpoint: checkpoint)
        else { return .pending }
        return .receipt(receipt.text)
    }

    /// The public view of entries `range` (SPEC §5): every non-ballot entry in full; for a
    /// ballot only its index, tracker and leaf hash.
    public nonisolated func publicEntries(_ id: String, range: Range<Int>) async throws -> EntriesPage {
        _ = try await record(id)
        let size = try await store.logSize(evaluation: id)
        let entries = try await store.entries(evaluation: id, range: range.clamped(to: 0..<size))
        return EntriesPage(size: size, entries: try entries.map { stored in
            let (entry, event) = try read(id, stored)
            if case let .ballot(token, ratings) = event {
                return EntriesPage.Entry(index: entry.seq, type: "ballot", tracker: Tracker.of(token: token, ratings: ratings),
                                         leafHash: stored.leafHash.hex)
            }
            return EntriesPage.Entry(index: entry.seq, entry: .object(entry.members), leafHash: stored.leafHash.hex)
        })
    }

    /// Everything a reviewer needs (SPEC §5, Bundle). Pending ballots are integrated first,
    /// so the bundle is complete.
    public func bundle(_ id: String) async throws -> AuditBundle {
        try await integratePending(id)
        return try await storedBundle(id)
    }

    /// The bundle as `GET /bundle` sends it (issue 35: an instance's memory): its small files
    /// read now; entries.jsonl measured now and read again a chunk at a time as it is sent, so a
    /// city's log is never held whole. Pending ballots are integrated first; the log's size is
    /// fixed here, and its entries never change once written.
    /// - Parameter chunk: entries read at once (the tests make it small).
    public func bundleStream(_ id: String, chunk: Int = 2_048) async throws -> BundleStream {
        try await integratePending(id)
        let context = try await context(id)
        let size = try await store.logSize(evaluation: id)
        var length = 0
        var latestResults: StoredEntry?
        for start in stride(from: 0, to: size, by: chunk) {
            for entry in try await store.entries(evaluation: id, range: start..<min(size, start + chunk)) {
                length += entry.bytes.count + 1
                if entry.type == EntryType.results.rawValue { latestResults = entry }
            }
        }
        var results: [UInt8]?
        if let latestResults, case let .results(_, _, json) = try read(id, latestResults).event { results = CanonicalJSON.encode(json) }
        // Checkpoints of this log's size at most: a later one (the log grew meanwhile) is not of this bundle.
        let checkpoints = try await store.checkpoints(evaluation: id).filter { AuditBundle.fileSize(of: $0) <= size }
        let small = AuditBundle(definition: context.definitionJSON, entries: [], checkpoints: checkpoints,
                                keys: AuditBundle.Keys(tokenKeySPKI: context.firstKey.spki.base64EncodedString(),
                                                       tokenKeyID: context.firstKey.tokenKeyID.hex,
                                                       logVerifierKey: context.signer.verifier.verifierKey),
                                results: results)
        let store = self.store
        return BundleStream(size: size, chunk: chunk, entriesLength: length, definition: context.definitionJSON, after: small.filesAfterEntries,
                            logVerifierKey: context.signer.verifier.verifierKey) { range in
            try await store.entries(evaluation: id, range: range).map(\.bytes)
        }
    }

    /// The bundle of the log as it is stored, pending ballots left pending (`minping migrate`
    /// compares source and target with it).
    public nonisolated func storedBundle(_ id: String) async throws -> AuditBundle {
        let context = try await context(id)
        let size = try await store.logSize(evaluation: id)
        let entries = try await store.entries(evaluation: id, range: 0..<size)
        var latestResults: JSONValue?
        if let stored = entries.last(where: { $0.type == EntryType.results.rawValue }),
           case let .results(_, _, json) = try read(id, stored).event {
            latestResults = json
        }
        return AuditBundle(
            definition: context.definitionJSON,
            entries: entries.map(\.bytes),
            checkpoints: try await store.checkpoints(evaluation: id),
            keys: AuditBundle.Keys(tokenKeySPKI: context.firstKey.spki.base64EncodedString(),
                                   tokenKeyID: context.firstKey.tokenKeyID.hex,
                                   logVerifierKey: context.signer.verifier.verifierKey),
            results: latestResults.map(CanonicalJSON.encode))
    }

    /// Every ballot in the log counted in its round, with the remedies recorded so far
    /// (SPEC §3, §6). A ballot entry that does not read back, or does not count under the
    /// definition, is an integrity failure: nothing is published. Entries are read and
    /// resolved on every core, a slice per task, and taken in log order; the first failure in
    /// log order is the one reported.
    /// - Parameter width: entries per task (the tests make it small).
    nonisolated func recount(_ id: String, definition: EvaluationDefinition,
                             width: Int = max(256, 5_000 / (2 * ProcessInfo.processInfo.activeProcessorCount))) async throws -> Recount {
        var recount = Recount(definition: definition)
        let resolver = Tally(definition: definition)
        let size = try await store.logSize(evaluation: id)
        var start = 0
        while start < size {
            let chunk = try await store.entries(evaluation: id, range: start..<min(start + 5_000, size))
            let lowers = Array(stride(from: 0, to: chunk.count, by: width))
            let slices = await withTaskGroup(of: (Int, Result<[Recount.Item], EntryProblem>).self) { group in
                for (index, lower) in lowers.enumerated() {
                    let slice = chunk[lower..<min(lower + width, chunk.count)]
                    group.addTask { (index, Result { () throws(EntryProblem) in try Self.countable(slice, resolver: resolver) }) }
                }
                var slices = [Result<[Recount.Item], EntryProblem>](repeating: .success([]), count: lowers.count)
                for await (index, result) in group { slices[index] = result }
                return slices
            }
            for slice in slices {
                switch slice {
                case let .success(items): for item in items { recount.take(item) }
                case let .failure(problem): throw integrityFailure(id, problem.what, seq: problem.seq)
                }
            }
            start += 5_000
        }
        return recount
    }

    /// The ballots and remedies among some stored entries, ballots resolved for counting.
    /// Every entry is read (and its row checked), so a ballot cannot hide behind a changed
    /// type column; a ballot entry that does not count under the definition is an integrity
    /// failure.
    private static func countable(_ entries: ArraySlice<StoredEntry>, resolver: Tally) throws(EntryProblem) -> [Recount.Item] {
        var items: [Recount.Item] = []
        items.reserveCapacity(entries.count)
        for stored in entries {
            let event = try read(stored).event
            switch event {
            case let .ballot(_, ratings):
                do {
                    items.append(.ballot(try resolver.resolve(ratings)))
                } catch {
                    throw EntryProblem(seq: stored.seq, what: "the ballot does not count: \(error)")
                }
            case .withheld, .corrected, .revoteOpened:
                items.append(.remedy(event))
            default:
                continue
            }
        }
        return items
    }

    /// The latest entry of a type, read.
    nonisolated func latestEvent(_ id: String, type: EntryType) async throws -> AuditEvent? {
        let size = try await store.logSize(evaluation: id)
        var end = size
        while end > 0 {
            let chunk = try await store.entries(evaluation: id, range: max(0, end - 64)..<end)
            if let found = chunk.last(where: { $0.type == type.rawValue }) { return try read(id, found).event }
            end -= 64
        }
        return nil
    }

    /// A stored entry, parsed and read; one that does not is an integrity failure, never
    /// skipped. Its row must agree with it: seq, type, and the leaf hash the log's tree and
    /// checkpoints were built from (an entry altered to another valid one is caught here).
    nonisolated func read(_ id: String, _ stored: StoredEntry) throws -> (entry: LogEntry, event: AuditEvent) {
        do {
            return try Self.read(stored)
        } catch {
            throw integrityFailure(id, error.what, seq: error.seq)
        }
    }

    /// What is wrong with a stored entry, not yet logged: work spread over tasks reports only
    /// the first problem in log order (``integrityFailure(_:_:seq:)`` logs each it makes).
    struct EntryProblem: Error {
        var seq: Int
        var what: String
    }

    /// The same check as ``read(_:_:)``, unlogged.
    static func read(_ stored: StoredEntry) throws(EntryProblem) -> (entry: LogEntry, event: AuditEvent) {
        let entry: LogEntry
        do {
            entry = try LogEntry(bytes: stored.bytes)
        } catch {
            throw EntryProblem(seq: stored.seq, what: "the stored entry does not read back: \(error)")
        }
        guard entry.seq == stored.seq, entry.type.rawValue == stored.type, entry.leafHash == stored.leafHash else {
            throw EntryProblem(seq: stored.seq, what: "the stored entry's seq, type or leaf hash differs from its row")
        }
        do {
            return (entry, try entry.event())
        } catch {
            throw EntryProblem(seq: stored.seq, what: "the stored entry does not read back: \(error)")
        }
    }
}

/// The ballots of the log counted per round, and what remedies changed: the results the
/// service publishes (the verifiers recount the same way).
struct Recount: Sendable {
    enum Item: Sendable {
        case ballot(Tally.ResolvedRatings)
        case remedy(AuditEvent)
    }

    let definition: EvaluationDefinition
    /// Round 1's tally, then one per supplementary round.
    private(set) var tallies: [Tally]
    private(set) var amendments = Amendments()

    init(definition: EvaluationDefinition) {
        self.definition = definition
        tallies = [Tally(definition: definition)]
    }

    mutating func take(_ item: Item) {
        switch item {
        case let .ballot(resolved):
            tallies[tallies.count - 1].add(resolved)
        case let .remedy(event):
            // A new round counts its own ballots from here on.
            if case .revoteOpened = event { tallies.append(Tally(definition: definition)) }
            amendments.record(event)
        }
    }

    /// The ballots of the current round.
    var currentBallots: Int { tallies[tallies.count - 1].ballots }

    func results(stage: ResultsStage? = nil) -> EvaluationResults {
        amendments.results(of: tallies, stage: stage)
    }
}

/// A page of the public log (SPEC §7 `GET /evaluations/{id}/entries`).
public struct EntriesPage: Encodable, Sendable {
    public struct Entry: Encodable, Sendable {
        public let index: Int
        /// A ballot shows only its type and tracker; every other entry is shown in full.
        @OmittedIfNil public var type: String?
        @OmittedIfNil public var tracker: String?
        @OmittedIfNil public var entry: JSONValue?
        public let leafHash: String

        init(index: Int, type: String? = nil, tracker: String? = nil, entry: JSONValue? = nil, leafHash: String) {
            self.index = index
            self.type = type
            self.tracker = tracker
            self.entry = entry
            self.leafHash = leafHash
        }
    }

    public let size: Int
    public let entries: [Entry]
}
