import Foundation
import MinpingCore
@testable import MinpingLog
import MinpingStore
import MinpingTokens
import Testing

@Suite("Bundle verification and tampering")
struct BundleVerifierTests {
    func failure(_ bundle: AuditBundle, verifier: BundleVerifier = BundleVerifier()) -> VerificationFailure? {
        do {
            _ = try verifier.verify(bundle)
            return nil
        } catch {
            return error
        }
    }

    var good: AuditBundle { LogFixtures.bundle }
    var entries: [[UInt8]] { good.entries }
    func index(of type: EntryType, last: Bool = false) -> Int {
        let types = entries.map { LogFixtures.entry($0)?.type }
        return (last ? types.lastIndex(of: type) : types.firstIndex(of: type)) ?? -1
    }

    /// The Swift verifier's failure, and that the Python verifier names the same check at
    /// the same place.
    func failureInBoth(_ bundle: AuditBundle, verifier: BundleVerifier = BundleVerifier()) throws -> VerificationFailure? {
        let swift = failure(bundle, verifier: verifier)
        var arguments: [String] = []
        if let key = verifier.pinnedLogKey { arguments += ["--log-key", key] }
        let python = try PythonVerifier.run(bundle, arguments: arguments, earlierCheckpoints: verifier.earlierCheckpoints)
        if let swift {
            #expect(python.status == 1, "python: \(python.output)")
            #expect(python.failure?.check == swift.check, "swift: \(swift); python: \(python.output)")
            #expect(python.failure?.place == swift.seq.map { "seq \($0)" } ?? "bundle", "swift: \(swift); python: \(python.output)")
        } else {
            #expect(python.status == 0, "python: \(python.output)")
        }
        return swift
    }

    @Test("a definition naming its previous round verifies in both verifiers, which do not follow it (SPEC §2)")
    func previousRound() throws {
        var definition = LogFixtures.definition
        definition.previous = "round-that-is-not-here"
        var sample = SampleEvaluation(definition: definition, issuingKey: LogFixtures.issuingKey, signer: LogFixtures.signer)
        try sample.run(votes: LogFixtures.votes, batchSize: 6)
        #expect(String(decoding: sample.bundle.definition, as: UTF8.self).contains("\"previous\":\"round-that-is-not-here\""))
        #expect(try failureInBoth(sample.bundle) == nil)
    }

    @Test("a good bundle verifies, with and without the pinned log key and earlier checkpoints (both verifiers)")
    func goodBundle() throws {
        let summary = try BundleVerifier().verify(good)
        #expect(summary.ballots == 20 && summary.issued == 20 && summary.stage == "final")
        #expect(summary.description.hasPrefix("OK minping/chengqu/lz-2026: "))
        let pinned = BundleVerifier(pinnedLogKey: good.keys.logVerifierKey, earlierCheckpoints: Array(good.checkpoints.prefix(3)))
        #expect(try pinned.verify(good) == summary)
        #expect(try failureInBoth(good, verifier: pinned) == nil)
        let python = try PythonVerifier.run(good)
        #expect(python.output.hasPrefix("OK minping/chengqu/lz-2026: "), "\(python.output)")
    }

    @Test("the bundle survives writing to and reading from a directory")
    func directory() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("minping-bundle-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try good.write(to: url)
        let read = try AuditBundle.read(from: url)
        #expect(read.entries == good.entries && read.checkpoints == good.checkpoints && read.results == good.results)
        #expect(try BundleVerifier().verify(read).entries == good.entries.count)
    }

    struct Tamper: Sendable, CustomTestStringConvertible {
        var name: String
        var check: String
        var apply: @Sendable (inout AuditBundle, BundleVerifierTests) -> Int?
        var testDescription: String { name }
    }

    static let tampers: [Tamper] = [
        Tamper(name: "flip one byte inside a ballot's rating", check: "chain") { bundle, t in
            let i = t.index(of: .ballot)
            let text = String(decoding: bundle.entries[i], as: UTF8.self)
            let position = text.utf8.distance(from: text.utf8.startIndex, to: text.range(of: "satisfied\"")?.lowerBound ?? text.startIndex)
            bundle.entries[i][position] ^= 0x01  // "satisfied" becomes "ratisfied"
            return i + 1
        },
        Tamper(name: "flip one byte of JSON syntax", check: "entry_format") { bundle, t in
            let i = t.index(of: .closed)
            bundle.entries[i][0] ^= 0x01
            return i
        },
        Tamper(name: "delete an entry", check: "seq") { bundle, t in
            let i = t.index(of: .ballot) + 3
            bundle.entries.remove(at: i)
            return i
        },
        Tamper(name: "swap two entries", check: "seq") { bundle, t in
            let i = t.index(of: .ballot) + 1
            bundle.entries.swapAt(i, i + 1)
            return i
        },
        Tamper(name: "append a ballot after closed", check: "ballot_window") { bundle, t in
            let ballot = bundle.entries[t.index(of: .ballot)]
            bundle = LogFixtures.forged(bundle, entries: bundle.entries + [ballot])
            return bundle.entries.count - 1
        },
        Tamper(name: "duplicate a ballot (same token)", check: "double_spend") { bundle, t in
            let i = t.index(of: .ballot)
            var entries = bundle.entries
            entries.insert(entries[i], at: i + 1)
            bundle = LogFixtures.forged(bundle, entries: entries)
            return i + 1
        },
        Tamper(name: "a ballot with a token of another evaluation", check: "token") { bundle, t in
            let i = t.index(of: .ballot)
            let foreign = try? LogFixtures.issuingKey.signSlip(for: TokenChallenge(street: "chengqu", evaluation: "lz-2025"))
            var entries = bundle.entries
            entries[i] = LogFixtures.replacing(entries[i], "token", with: .string(foreign?.base64URL ?? ""))
            bundle = LogFixtures.forged(bundle, entries: entries)
            return i
        },
        Tamper(name: "change one rating in a ballot", check: "recount") { bundle, t in
            let i = t.index(of: .ballot)
            var entries = bundle.entries
            entries[i] = LogFixtures.replacing(entries[i], "ratings", with: .object([("m-1", .string("dissatisfied"))]))
            bundle = LogFixtures.forged(bundle, entries: entries)
            return t.index(of: .results)
        },
        Tamper(name: "change a count in a results entry", check: "recount") { bundle, t in
            let i = t.index(of: .results, last: true)
            let text = String(decoding: bundle.entries[i], as: UTF8.self)
                .replacingOccurrences(of: #""ballots":20"#, with: #""ballots":21"#)
            var entries = bundle.entries
            entries[i] = Array(text.utf8)
            bundle = LogFixtures.forged(bundle, entries: entries)
            return i
        },
        Tamper(name: "truncate the log below a checkpoint", check: "checkpoint") { bundle, _ in
            bundle.entries.removeLast()
            return bundle.entries.count + 1
        },
        Tamper(name: "replace a checkpoint signature", check: "checkpoint_signature") { bundle, _ in
            let note = bundle.checkpoints[2]
            let other = try? LogSigner(name: "minping/chengqu")
            let body = (try? SignedNote(note))?.text ?? ""
            bundle.checkpoints[2] = (try? other?.sign(body)) ?? note
            return (try? Checkpoint(body: body))?.size
        },
        Tamper(name: "a rewritten log under re-signed checkpoints is inconsistent with an earlier one", check: "earlier_checkpoint") { _, _ in
            // The operator rewrites a ballot and re-signs every checkpoint with the real key;
            // a reviewer holding a checkpoint from the 公示栏 still catches it.
            return nil
        },
    ]

    @Test("each tampering fails with the right check named, in both verifiers", arguments: tampers)
    func tamper(_ tamper: Tamper) throws {
        var bundle = good
        let seq = tamper.apply(&bundle, self)
        if tamper.check == "earlier_checkpoint" {
            let earlier = good.checkpoints[good.checkpoints.count - 2]
            var forged = SampleEvaluation(definition: LogFixtures.definition, issuingKey: LogFixtures.issuingKey, signer: LogFixtures.signer)
            var votes = LogFixtures.votes
            votes[0]["m-1"] = "dissatisfied"
            try? forged.run(votes: votes, batchSize: 6)
            let result = try failureInBoth(forged.bundle, verifier: BundleVerifier(earlierCheckpoints: [earlier]))
            #expect(result?.check == "earlier_checkpoint", "\(String(describing: result))")
            return
        }
        let result = try failureInBoth(bundle)
        #expect(result?.check == tamper.check, "\(String(describing: result))")
        #expect(result?.seq == seq, "\(String(describing: result))")
    }

    @Test("a pinned log key other than the bundle's fails")
    func pinnedKey() throws {
        let other = try LogSigner(name: "minping/chengqu").verifier.verifierKey
        #expect(try failureInBoth(good, verifier: BundleVerifier(pinnedLogKey: other))?.check == "log_key")
    }

    @Test("definition.json with an unknown key or a member of an unlisted branch fails in both verifiers", arguments: [
        (#""electorate":30"#, #""electorate":30,"extra":1"#),
        (#""organization":"lz-1""#, #""organization":"lz-9""#),
        (#""id":"lz-2026""#, #""id":"LZ 2026""#),
    ])
    func badDefinition(original: String, replacement: String) throws {
        var bundle = good
        let text = String(decoding: bundle.definition, as: UTF8.self)
        #expect(text.contains(original))
        bundle.definition = Array(text.replacingOccurrences(of: original, with: replacement).utf8)
        #expect(try failureInBoth(bundle)?.check == "definition")
    }

    @Test("results.json must be the latest results entry")
    func resultsFile() throws {
        var bundle = good
        bundle.results = Array("{}".utf8)
        #expect(try failureInBoth(bundle)?.check == "results_file")
    }

    @Test("final results before the publicity period ends fail")
    func publicity() throws {
        var bundle = good
        let i = index(of: .results, last: true)
        let early = LogFixtures.entry(bundle.entries[index(of: .results)])?.string("at") ?? ""
        var entries = bundle.entries
        entries[i] = LogFixtures.replacing(entries[i], "at", with: .string(early))
        bundle = LogFixtures.forged(bundle, entries: entries)
        #expect(try failureInBoth(bundle)?.check == "publicity")
    }

    @Test("final results with an unresolved appeal fail")
    func appealsPending() throws {
        var bundle = good
        var entries = bundle.entries
        entries.remove(at: index(of: .appealResolved))
        bundle = LogFixtures.forged(bundle, entries: entries)
        #expect(try failureInBoth(bundle)?.check == "appeals_pending")
    }

    @Test("preliminary results published again (a corrected 公示) verify in both; the publicity period runs from the first")
    func republishedPreliminary() throws {
        let final = index(of: .results, last: true)
        let finalAt = LogFixtures.entry(entries[final])?.string("at") ?? ""
        var entries = entries
        // The corrected preliminary results go out at the same moment as the final ones:
        // counted from them, the publicity period would not be over.
        entries.insert(LogFixtures.replacing(entries[index(of: .results)], "at", with: .string(finalAt)), at: final)
        let bundle = LogFixtures.forged(good, entries: entries)
        #expect(try failureInBoth(bundle) == nil)
    }

    @Test("every entry has exactly the fields of its type, of the right kind, in both verifiers", arguments: [
        ("a ballot with an address", EntryType.ballot, "ip", JSONValue?.some(.string("10.0.0.7")), "entry_format"),
        ("a ballot with a time", .ballot, "at", .string("2026-11-23T09:00:00Z"), "entry_format"),
        ("opened without a time", .opened, "at", nil, "entry_format"),
        ("closed without its count", .closed, "ballots", nil, "entry_format"),
        ("an appeal without its text hash", .appealFiled, "text_sha256", nil, "entry_format"),
        ("a resolution whose note hash is not hex", .appealResolved, "note_sha256", .string(String(repeating: "Z", count: 64)), "entry_format"),
        ("slips counted as text", .slipsIssued, "count", .string("6"), "entry_format"),
        ("a time with an offset", .opened, "at", .string("2026-11-01T08:00:00+08:00"), "time"),
        ("a time with fractions", .closed, "at", .string("2026-11-01T08:00:00.5Z"), "time"),
    ] as [(String, EntryType, String, JSONValue?, String)])
    func entryShape(_ name: String, type: EntryType, field: String, value: JSONValue?, check: String) throws {
        let i = index(of: type)
        var entries = entries
        entries[i] = LogFixtures.setting(entries[i], field, to: value)
        let result = try failureInBoth(LogFixtures.forged(good, entries: entries))
        #expect(result?.check == check && result?.seq == i, "\(name): \(String(describing: result))")
    }

    @Test("more tokens issued than the electorate fail")
    func overIssued() throws {
        var bundle = good
        let i = index(of: .slipsIssued)
        var entries = bundle.entries
        entries[i] = CanonicalJSON.encode(.object([
            ("v", .int(1)), ("seq", .int(i)), ("prev", .string("")), ("type", .string("slips_issued")),
            ("count", .int(31)), ("issued", .int(31)),
        ]))
        bundle = LogFixtures.forged(bundle, entries: entries)
        #expect(try failureInBoth(bundle)?.check == "issued")
    }
}

@Suite("Receipts")
struct ReceiptTests {
    @Test("the tracker is SHA-256 of the ballot's canonical JSON bytes, as another program computes it")
    func trackerVector() {
        // Python: json.dumps({"ratings": r, "token": t}, sort_keys=True, ensure_ascii=False,
        // separators=(",", ":")).encode(), then hashlib.sha256; tools/tests/test_tlog_js.mjs checks
        // the pages' tracker against the same value.
        let ratings = ["m-2": "dissatisfied", "m-1": "满意", "fy-1": "satisfied"]
        #expect(Tracker.of(token: "AAI-x_y", ratings: ratings) == "b51e6b0b17fbe30743d099698221b26a4032ae16025220c643b752bba1f4fbb6")
        // The server's path: from the ratings' stored canonical JSON, spliced.
        #expect(Tracker.of(token: "AAI-x_y", storedRatings: StoredRatings.encode(ratings))
            == "b51e6b0b17fbe30743d099698221b26a4032ae16025220c643b752bba1f4fbb6")
    }

    @Test("a ballot entry spliced from stored ratings is byte for byte the one encoded from the event")
    func splicedBallotEntry() throws {
        var generator = SplitMix64(state: 17)
        let options = ["satisfied", "basically_satisfied", "dissatisfied", "unknown", "满意", "a\"b\\c\u{01}"]
        for round in 0..<200 {
            var ratings: [String: String] = [:]
            for index in 0..<Int.random(in: 1...45, using: &generator) {
                ratings[["m-", "o", "fy-", "Z", "m_"].randomElement(using: &generator)! + "\(index * 7 % 53)"] = options.randomElement(using: &generator)!
            }
            let token = round % 7 == 0 ? "odd \"token\"\n" : "AAI-x_y\(round)"
            let prev: Data? = round == 0 ? nil : Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let spliced = try LogEntry.ballot(seq: round, prev: prev, token: token, storedRatings: StoredRatings.encode(ratings))
            let encoded = try LogEntry.make(seq: round, prev: prev, .ballot(token: token, ratings: ratings))
            #expect(spliced.bytes == encoded.bytes, "round \(round)")
            #expect(spliced.leafHash == encoded.leafHash)
            #expect(Tracker.of(token: token, storedRatings: StoredRatings.encode(ratings)) == Tracker.of(token: token, ratings: ratings))
        }
    }

    @Test("stored ratings that are not canonical JSON of an object of strings are refused, never logged", arguments: [
        #"{"m-2":"satisfied","m-1":"satisfied"}"#, #"{"m-1":1}"#, #"{"m-1":"a"} "#, #"["m-1"]"#, #"{"m-1":"a"},"seq":9,"x":{"#, "",
    ])
    func splicedBallotRefused(storedRatings: String) {
        #expect(throws: LogEntryError.self) {
            try LogEntry.ballot(seq: 3, prev: nil, token: "AAI", storedRatings: storedRatings)
        }
    }

    @Test("a voter's receipt proves the ballot as sent is in the signed log; an altered one fails")
    func receipt() throws {
        let sample = LogFixtures.sample
        let verifier = LogFixtures.signer.verifier
        let origin = sample.log.origin
        for (token, ratings) in zip(sample.tokens, LogFixtures.votes).prefix(5) {
            let tracker = Tracker.of(token: token.base64URL, ratings: ratings)
            let receipt = try #require(sample.log.receipt(tracker: tracker))
            let parsed = try Receipt(text: receipt.text)
            #expect(parsed == receipt)
            #expect(receipt.text.hasPrefix("c2sp.org/tlog-proof@v1\nextra "))
            #expect(try parsed.verify(token: token.base64URL, ratings: ratings, verifier: verifier, origin: origin).size == sample.log.tree.size)
            var altered = ratings
            altered["m-1"] = ratings["m-1"] == "satisfied" ? "dissatisfied" : "satisfied"
            #expect(throws: NoteError.self) { try parsed.verify(token: token.base64URL, ratings: altered, verifier: verifier, origin: origin) }
            #expect(throws: NoteError.self) { try parsed.verify(token: token.base64URL, ratings: ratings, verifier: verifier, origin: "minping/other/x") }
        }
        #expect(sample.log.receipt(tracker: String(repeating: "0", count: 64)) == nil)
    }
}
