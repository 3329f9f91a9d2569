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
    /// One tally per round: round 1's, then each supplementary round's (SPEC §6 `revote`).
    private(set) var tallies: [Tally]
    /// What remedies changed so far, in log order.
    private(set) var amendments = Amendments()
    private(set) var latestResults: JSONValue?
    private var spent = Set<SpentNonce>()
    private var lastTime: Date?
    /// The evaluation's token challenge: a supplementary round's key verifies its tokens.
    private let challenge: TokenChallenge
    /// The key ids of every round so far: a round's key is a new one.
    private var roundKeyIDs: Set<String> = []
    /// The current supplementary round's token verifier and subjects (nil in round 1).
    private var roundVerifier: TokenVerifier?
    private var roundSubjects: Set<String> = []
    /// An upheld appeal whose remedy entry must come next (SPEC §5: "at once").
    private var awaitedRemedy: (appeal: String, kind: RemedyKind)?

    var state: EvaluationState { lifecycle.state }
    /// Tokens issued in every round.
    var issued: Int { earlierIssued + lifecycle.issued }
    /// Tokens issued in the rounds before the current one (each round counts from 0).
    private var earlierIssued = 0
    /// Ballots in every round.
    var ballots: Int { tallies.reduce(0) { $0 + $1.ballots } }
    private var tally: Tally {
        get { tallies[tallies.count - 1] }
        set { tallies[tallies.count - 1] = newValue }
    }

    /// - Parameter expectedBallots: room to keep for spent nonces (e.g. the log's size), so the
    ///   set is not rehashed as it grows.
    init(definition: EvaluationDefinition, tokenKeyID: String, expectedBallots: Int = 0) {
        self.definition = definition
        lifecycle = Lifecycle(electorate: definition.electorate, publicityDays: definition.publicityDays)
        tallies = [Tally(definition: definition)]
        challenge = TokenChallenge(street: definition.street, evaluation: definition.id)
        roundKeyIDs = [tokenKeyID]
        spent.reserveCapacity(expectedBallots)
    }

    /// The results a recount gives now: round 1, each revoted subject from its latest round,
    /// withholdings and corrections applied (SPEC §3).
    func recount(stage: ResultsStage?) -> EvaluationResults {
        amendments.results(of: tallies, stage: stage)
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
        /// The token's text: a supplementary round's ballot is verified again under its key.
        var token: String
        /// The token verified under the evaluation's first key: its nonce.
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
                // A supplementary round's ballot spends a token of that round's key (SPEC §4).
                nonce = try roundVerifier.map { verifier throws(TokenError) in try verifier.verify(base64URL: ballot.token) }
                    ?? ballot.nonce.get()
            } catch {
                throw fail("token", "not a valid token for \(lifecycle.round > 1 ? "round \(lifecycle.round) of " : "")this evaluation: \(error)")
            }
            guard spent.insert(SpentNonce(nonce)).inserted else { throw fail("double_spend", "this token was already spent") }
            let resolved: Tally.ResolvedRatings
            do {
                resolved = try ballot.ratings.get()
            } catch {
                throw fail("ballot", error.description)
            }
            if roundVerifier != nil, let outside = tally.subjectIDs(of: resolved).first(where: { !roundSubjects.contains($0) }) {
                throw fail("ballot", "a round \(lifecycle.round) ballot rates '\(outside)', which is not in its round")
            }
            tally.add(resolved)
        case let .appealFiled(_, subject?, _) where lifecycle.state == .preliminary:
            guard definition.subjects.contains(where: { $0.id == subject }) else { throw fail("appeal", "unknown subject '\(subject)'") }
        default:
            break
        }
        try checkRemedyOrder(event, fail)

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
        case let .slipsVoided(_, count, issued):
            // Voided codes were never redeemed: tokens issued stay as they were.
            guard count >= 1, issued == before.issued else { throw fail("issued", "voiding slips leaves issued at \(before.issued)") }
        case let .closed(_, ballots, issued):
            guard ballots == tally.ballots, issued == lifecycle.issued else {
                throw fail("closed", "closed says \(ballots) ballots of \(issued) issued; the log has \(tally.ballots) of \(lifecycle.issued)")
            }
        case let .results(stage, _, published):
            let recount = recount(stage: stage).jsonValue
            guard CanonicalJSON.encode(published) == CanonicalJSON.encode(recount) else {
                throw fail("recount", "the published results differ from a recount of the ballots")
            }
            latestResults = published
        case let .withheld(subject, star, reason, _):
            let remedy = Remedy.withhold(subject: subject, star: star, reason: reason)
            if let problem = amendments.problem(with: remedy, definition: definition, results: recount(stage: nil)) {
                throw fail("remedy", problem)
            }
            amendments.record(event)
        case let .corrected(subject, name, organization, _):
            let remedy = Remedy.correct(subject: subject, name: name, organization: organization)
            if let problem = amendments.problem(with: remedy, definition: definition, results: recount(stage: nil)) {
                throw fail("remedy", problem)
            }
            amendments.record(event)
        case let .revoteOpened(revote):
            if let problem = amendments.problem(with: .revote(subjects: revote.subjects), definition: definition,
                                                results: recount(stage: nil)) {
                throw fail("remedy", problem)
            }
            let key: TokenPublicKey
            do {
                guard let spki = Data(base64Encoded: revote.tokenKeySPKI) else { throw TokenError.badKey("not base64") }
                key = try TokenPublicKey(spki: spki)
            } catch {
                throw fail("token_key", "round \(revote.round)'s token_key_spki is not an RFC 9578 public key: \(error)")
            }
            guard key.tokenKeyID.hex == revote.tokenKeyID else {
                throw fail("token_key", "round \(revote.round)'s token_key_id is not SHA-256 of its token_key_spki")
            }
            guard roundKeyIDs.insert(revote.tokenKeyID).inserted else {
                throw fail("token_key", "round \(revote.round) reuses an earlier round's issuing key")
            }
            earlierIssued += before.issued
            roundVerifier = TokenVerifier(publicKey: key, challenge: challenge)
            roundSubjects = Set(revote.subjects)
            amendments.record(event)
            tallies.append(Tally(definition: definition))
        default:
            break
        }
    }

    /// After the last entry: no upheld appeal may still await its remedy.
    func finish() throws(Failure) {
        if let awaited = awaitedRemedy {
            throw Failure(check: "remedy", detail: "appeal '\(awaited.appeal)' was upheld with '\(awaited.kind.rawValue)', which never followed")
        }
    }

    /// SPEC §5: an upheld appeal's `appeal_resolved` is followed at once by its remedy's entry,
    /// which names the appeal; a remedy entry comes only so (a `withheld` without an appeal is
    /// the street's own veto).
    private mutating func checkRemedyOrder(_ event: AuditEvent, _ fail: (String, String) -> Failure) throws(Failure) {
        let remedy: (appeal: String?, kind: RemedyKind)? = switch event {
        case let .withheld(_, _, _, appeal): (appeal, .withhold)
        case let .corrected(_, _, _, appeal): (appeal, .correct)
        case let .revoteOpened(revote): (revote.appeal, .revote)
        case .annulled: (awaitedRemedy?.appeal, .annul)
        default: nil
        }
        if let awaited = awaitedRemedy {
            guard let remedy, remedy.kind == awaited.kind, remedy.appeal == awaited.appeal else {
                throw fail("remedy", "appeal '\(awaited.appeal)' was upheld with '\(awaited.kind.rawValue)', which must follow at once")
            }
            awaitedRemedy = nil
        } else if let remedy, let appeal = remedy.appeal {
            throw fail("remedy", "a '\(remedy.kind.rawValue)' entry names appeal '\(appeal)', which was not just upheld with it")
        } else if let remedy, remedy.kind != .withhold, remedy.kind != .annul {
            throw fail("remedy", "a '\(remedy.kind.rawValue)' entry needs an upheld appeal")
        }
        if case let .appealResolved(appeal, .upheld, _, kind?) = event { awaitedRemedy = (appeal, kind) }
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
