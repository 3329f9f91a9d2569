import Foundation
import MinpingCore
import MinpingTokens

/// Replays a log's entries through the one ``Lifecycle`` of SPEC §6, the same machine the
/// service and the stores move, and checks what only a log can get wrong: running counts in
/// the entries, times, tokens spent once, recounted results.
struct LifecycleReplay {
    struct Failure: Error {
        var check: String
        var detail: String
    }

    let definition: EvaluationDefinition
    private(set) var lifecycle: Lifecycle
    private(set) var tally: Tally
    private(set) var latestResults: JSONValue?
    private var spent = Set<SpentNonce>()
    private var lastTime: Date?

    var state: EvaluationState { lifecycle.state }
    var issued: Int { lifecycle.issued }

    /// - Parameter expectedBallots: room to keep for spent nonces (e.g. the log's size), so the
    ///   set is not rehashed as it grows.
    init(definition: EvaluationDefinition, expectedBallots: Int = 0) {
        self.definition = definition
        lifecycle = Lifecycle(electorate: definition.electorate, publicityDays: definition.publicityDays)
        tally = Tally(definition: definition)
        spent.reserveCapacity(expectedBallots)
    }

    /// A spent nonce as the set keeps it: a token's 32 bytes held inline, so neither hashing
    /// (a `Data` is hashed byte by byte) nor freeing 100,000 of them costs the replay anything.
    private struct SpentNonce: Hashable {
        private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        /// A token's nonce is exactly 32 bytes (RFC 9578 §6), all kept; the count keeps a
        /// shorter one (which no token that parsed has) apart from its zero-padded twin.
        private let count: Int

        init(_ nonce: Data) {
            count = nonce.count
            withUnsafeMutableBytes(of: &words) { out in
                nonce.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(out.count))) }
            }
        }

        static func == (a: Self, b: Self) -> Bool { a.words == b.words && a.count == b.count }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
            hasher.combine(count)
        }
    }

    /// What a ballot's checks that do not depend on log order found: they run ahead, on every
    /// core (``BundleVerifier``), and the replay spends the nonce and counts in log order.
    struct BallotChecks: Sendable {
        /// The token verified: its nonce.
        var nonce: Result<Data, TokenError>
        /// The ratings resolved against the definition.
        var ratings: Result<Tally.ResolvedRatings, VoteError>
    }

    /// Applies one entry, of which its place, type and event were kept.
    /// - Parameter ballot: for a ballot entry, its checks (the event's ratings are not read).
    mutating func apply(seq: Int, type: EntryType, event decoded: Result<AuditEvent, AuditEventError>,
                        ballot: BallotChecks?) throws(Failure) {
        func fail(_ check: String, _ detail: String) -> Failure { Failure(check: check, detail: detail) }
        if state == .annulled { throw fail("lifecycle", "an entry after 'annulled'") }
        if type == .created, seq != 0 { throw fail("lifecycle", "'created' after the first entry") }
        let event: AuditEvent
        do {
            event = try decoded.get()
        } catch {
            throw fail(error.check, error.detail)
        }
        if let time = event.at {
            if let lastTime, time < lastTime { throw fail("time", "time goes backwards") }
            lastTime = time
        }

        // A ballot's token and ratings, and an appeal's subject, are checked before the move
        // they record; running counts after it (the order `tools/verify_bundle.py` checks in).
        switch event {
        case .ballot where lifecycle.state == .open:
            guard let ballot else { throw fail("ballot", "the ballot's token and ratings were not checked") }
            let nonce: Data
            do {
                nonce = try ballot.nonce.get()
            } catch {
                throw fail("token", "not a valid token for this evaluation: \(error)")
            }
            guard spent.insert(SpentNonce(nonce)).inserted else { throw fail("double_spend", "this token was already spent") }
            do {
                tally.add(try ballot.ratings.get())
            } catch {
                throw fail("ballot", error.description)
            }
        case let .appealFiled(_, subject?, _) where lifecycle.state == .preliminary:
            guard definition.subjects.contains(where: { $0.id == subject }) else { throw fail("appeal", "unknown subject '\(subject)'") }
        default:
            break
        }

        let before = lifecycle
        if let move = event.lifecycleEvent {
            do {
                try lifecycle.apply(move)
            } catch {
                throw fail(Self.check(for: move, error), error.description)
            }
        }

        switch event {
        case let .slipsIssued(count, issued):
            guard count >= 1, issued == before.issued + count else {
                throw fail("issued", "issued must grow by the count, from \(before.issued)")
            }
        case let .tokenIssued(issued):
            guard issued == before.issued + 1 else { throw fail("issued", "issued must grow by one, from \(before.issued)") }
        case let .closed(_, ballots, issued):
            guard ballots == tally.ballots, issued == lifecycle.issued else {
                throw fail("closed", "closed says \(ballots) ballots of \(issued) issued; the log has \(tally.ballots) of \(lifecycle.issued)")
            }
        case let .results(stage, _, published):
            let recount = tally.results(stage: stage).jsonValue
            guard CanonicalJSON.encode(published) == CanonicalJSON.encode(recount) else {
                throw fail("recount", "the published results differ from a recount of the ballots")
            }
            latestResults = published
        default:
            break
        }
    }

    /// The verifier's name for a refusal of the lifecycle (the same in `tools/verify_bundle.py`).
    private static func check(for move: LifecycleEvent, _ refusal: LifecycleRefusal) -> String {
        switch (move, refusal) {
        case (_, .electorateExceeded), (_, .moreBallotsThanIssued): "issued"
        case (.ballotCast, _): "ballot_window"
        case (_, .appealsPending): "appeals_pending"
        case (_, .publicityNotOver): "publicity"
        case (.appealFiled, _), (.appealResolved, _): "appeal"
        default: "lifecycle"
        }
    }
}
