import Foundation

/// The lifecycle states of an evaluation.
/// - Seealso: SPEC §6
public enum EvaluationState: String, Sendable, CaseIterable, Codable {
    case draft, open, closed, preliminary, final, annulled

    /// Slips and enrollment tokens may be issued in draft and open.
    public var issuesTokens: Bool { self == .draft || self == .open }

    /// Results are public only from preliminary; before that, only turnout. An annulled
    /// evaluation still shows the results it had published (the record of what was posted).
    public var resultsPublic: Bool { self == .preliminary || self == .final || self == .annulled }
}

/// What moves an evaluation: every step the service takes, every row a store writes and every
/// entry a verifier replays is one of these.
/// - Seealso: SPEC §4 (issuance), §5 (entry types), §6
public enum LifecycleEvent: Sendable, Equatable {
    /// `count` paper slips signed (`slips_issued`).
    case slipsIssued(count: Int)
    /// `count` enrollment codes made (not logged: only their redemption is).
    case codesCreated(count: Int)
    /// One token blind-signed for an enrollment code (`token_issued`).
    case tokenIssued
    /// A batch of `count` enrollment codes none of which was used, voided (`slips_voided`):
    /// they stop working and no longer count against the electorate (SPEC §4).
    case codesVoided(count: Int)
    case opened(at: Date)
    /// One ballot accepted (by a store) or read from the log (by a verifier). `round`: the
    /// round whose key signed its token, as the service verified it (a store refuses it once
    /// another round is open); nil for a log's ballot, whose key the verifier checks itself.
    case ballotCast(round: Int?)
    /// Accepted ballots taken into the log (in batches, before `closed` or `annulled`).
    case ballotsLogged
    case closed(at: Date)
    case published(ResultsStage, at: Date)
    case appealFiled(id: String)
    case appealResolved(id: String)
    /// A star withheld or a subject corrected (SPEC §6 remedies): results change, so they
    /// must be published again before final.
    case amended
    /// A supplementary round opens (SPEC §6 `revote`): `preliminary → open`, counts start over.
    case revoteOpened(round: Int)
    case annulled(at: Date)

    /// What the event does, as a refusal says it ("cannot open an evaluation that is closed").
    public var action: String {
        switch self {
        case .slipsIssued: "issue slips for"
        case .codesCreated: "create enrollment codes for"
        case .tokenIssued: "issue a token for"
        case .codesVoided: "void slips of"
        case .opened: "open"
        case .ballotCast: "accept a ballot for"
        case .ballotsLogged: "log ballots of"
        case .closed: "close"
        case let .published(stage, _): "publish \(stage.rawValue) results of"
        case .appealFiled: "file an appeal against"
        case .appealResolved: "resolve an appeal of"
        case .amended: "amend the results of"
        case .revoteOpened: "open a supplementary round of"
        case .annulled: "annul"
        }
    }
}

/// Why the lifecycle refuses an event, with a stable `code` (the API's problem code).
public enum LifecycleRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidTransition(from: EvaluationState, action: String)
    case electorateExceeded(electorate: Int, wanted: Int)
    case notOpen(EvaluationState)
    case moreBallotsThanIssued(issued: Int)
    case appealsPending(Int)
    /// A ballot whose token belongs to another round than the one open (SPEC §4).
    case wrongRound(token: Int, open: Int)
    case publicityNotOver(until: Date)
    case appealUnknown(String)
    case appealExists(String)
    case alreadyResolved(String)
    /// A remedy changed the results: final needs them published as preliminary again.
    case republicationDue

    public var code: ProblemCode {
        switch self {
        case .invalidTransition, .republicationDue: .invalidTransition
        case .electorateExceeded: .electorateExceeded
        case .notOpen: .evaluationNotOpen
        case .moreBallotsThanIssued, .wrongRound: .tokenInvalid
        case .appealsPending: .appealsPending
        case .publicityNotOver: .publicityNotOver
        case .appealUnknown: .notFound
        case .appealExists: .appealExists
        case .alreadyResolved: .alreadyResolved
        }
    }

    public var description: String {
        switch self {
        case let .invalidTransition(from, action): "cannot \(action) an evaluation that is \(from.rawValue)"
        case let .electorateExceeded(electorate, wanted): "\(wanted) slips and codes would exceed the electorate of \(electorate)"
        case let .notOpen(state): "the evaluation is not open for voting (it is \(state.rawValue))"
        case let .moreBallotsThanIssued(issued): "more ballots than the \(issued) tokens issued"
        case let .wrongRound(token, open): "the token is of round \(token), and round \(open) is open: a round's ballots spend its own tokens"
        case let .appealsPending(count): "\(count) appeal(s) are not resolved yet"
        case let .publicityNotOver(until): "the publicity period (公示期) lasts until \(LogTime.format(until))"
        case let .appealUnknown(id): "appeal '\(id)' not found"
        case let .appealExists(id): "appeal '\(id)' already exists"
        case let .alreadyResolved(id): "appeal '\(id)' is already resolved"
        case .republicationDue:
            "a remedy changed the results: publish the preliminary results again (the publicity period runs again from then) before final"
        }
    }
}

/// The one model of an evaluation's lifecycle (SPEC §4 and §6): its state, what was issued,
/// the ballots, the appeals and the publicity deadline, moved only by ``apply(_:)``. The
/// service checks each step with it before signing, each store writes its rows from it
/// inside the step's transaction, and the verifiers replay the log through it. A rule of the
/// lifecycle written anywhere else is a defect.
public struct Lifecycle: Sendable, Equatable {
    public let electorate: Int
    public let publicityDays: Int
    public private(set) var state: EvaluationState
    /// Paper slips issued.
    public private(set) var slips: Int
    /// Enrollment codes made, redeemed or not.
    public private(set) var codes: Int
    /// Tokens issued: slips plus redeemed codes (the log's `issued`).
    public private(set) var issued: Int
    /// Ballots accepted (a store counts pending ones too).
    public private(set) var ballots: Int
    /// When the first preliminary results were published: the publicity period runs from it.
    public private(set) var preliminaryAt: Date?
    /// Appeal id → resolved.
    public private(set) var appeals: [String: Bool]
    /// 1, then 2, 3, … for each supplementary round (补充测评). `slips`, `codes`, `issued` and
    /// `ballots` count the current round: each round has the whole electorate.
    public private(set) var round: Int
    /// A remedy changed the results since they were last published.
    public private(set) var republicationDue: Bool

    /// A new evaluation, in draft.
    public init(electorate: Int, publicityDays: Int) {
        self.init(electorate: electorate, publicityDays: publicityDays, state: .draft)
    }

    /// An evaluation as a store keeps it.
    public init(electorate: Int, publicityDays: Int, state: EvaluationState, slips: Int = 0, codes: Int = 0,
                issued: Int = 0, ballots: Int = 0, preliminaryAt: Date? = nil, appeals: [String: Bool] = [:],
                round: Int = 1, republicationDue: Bool = false) {
        self.electorate = electorate
        self.publicityDays = publicityDays
        self.state = state
        self.slips = slips
        self.codes = codes
        self.issued = issued
        self.ballots = ballots
        self.preliminaryAt = preliminaryAt
        self.appeals = appeals
        self.round = round
        self.republicationDue = republicationDue
    }

    /// The end of the publicity period (公示期): `publicity_days` after the first preliminary
    /// results; nil before them.
    public var publicityDeadline: Date? {
        preliminaryAt.map { $0.addingTimeInterval(Double(publicityDays) * 86_400) }
    }

    public var unresolvedAppeals: Int { appeals.values.count { !$0 } }

    /// Results are public from preliminary on, and stay so while a supplementary round votes:
    /// what was published remains the record until it is published again.
    public var resultsPublic: Bool { state.resultsPublic || round > 1 }

    /// Moves the lifecycle by one event, or refuses it and changes nothing.
    public mutating func apply(_ event: LifecycleEvent) throws(LifecycleRefusal) {
        let refuse = LifecycleRefusal.invalidTransition(from: state, action: event.action)
        switch event {
        case let .slipsIssued(count):
            guard state.issuesTokens else { throw refuse }
            try reserve(count)
            slips += count
            issued += count
        case let .codesCreated(count):
            guard state.issuesTokens else { throw refuse }
            try reserve(count)
            codes += count
        case let .codesVoided(count):
            guard state.issuesTokens, count >= 1 else { throw refuse }
            // A log replayed never counted the codes (only their redemption): nothing to take off.
            codes = max(0, codes - count)
        case .tokenIssued:
            guard state.issuesTokens else { throw refuse }
            guard issued < electorate else { throw .electorateExceeded(electorate: electorate, wanted: issued + 1) }
            issued += 1
        case .opened:
            try move(from: .draft, to: .open, refuse)
        case let .ballotCast(tokenRound):
            guard state == .open else { throw .notOpen(state) }
            if let tokenRound, tokenRound != round { throw .wrongRound(token: tokenRound, open: round) }
            guard ballots < issued else { throw .moreBallotsThanIssued(issued: issued) }
            ballots += 1
        case .ballotsLogged:
            // Ballots enter the log only while voting is open: close and annul take the rest
            // in, in batches with their checkpoints, before their own entry.
            guard state == .open else { throw refuse }
        case .closed:
            try move(from: .open, to: .closed, refuse)
        case let .published(.preliminary, at):
            // Again while in preliminary, after a remedy: the publicity period runs again in
            // full from the corrected results (from the first, when nothing changed).
            guard state == .closed || state == .preliminary else { throw refuse }
            if state == .closed || republicationDue { preliminaryAt = at }
            republicationDue = false
            state = .preliminary
        case let .published(.final, at):
            guard state == .preliminary else { throw refuse }
            guard unresolvedAppeals == 0 else { throw .appealsPending(unresolvedAppeals) }
            guard !republicationDue else { throw .republicationDue }
            if let deadline = publicityDeadline, at < deadline { throw .publicityNotOver(until: deadline) }
            state = .final
        case let .appealFiled(id):
            guard state == .preliminary else { throw refuse }
            guard appeals[id] == nil else { throw .appealExists(id) }
            appeals[id] = false
        case let .appealResolved(id):
            guard state == .preliminary else { throw refuse }
            guard let resolved = appeals[id] else { throw .appealUnknown(id) }
            guard !resolved else { throw .alreadyResolved(id) }
            appeals[id] = true
        case .amended:
            guard state == .preliminary else { throw refuse }
            republicationDue = true
        case let .revoteOpened(next):
            guard state == .preliminary, next == round + 1 else { throw refuse }
            state = .open
            round = next
            (slips, codes, issued, ballots) = (0, 0, 0, 0)
            republicationDue = true
        case .annulled:
            guard state != .final, state != .annulled else { throw refuse }
            state = .annulled
        }
    }

    /// Applies events in order, all or nothing.
    public mutating func apply(_ events: [LifecycleEvent]) throws(LifecycleRefusal) {
        var next = self
        for event in events { try next.apply(event) }
        self = next
    }

    private mutating func move(from: EvaluationState, to: EvaluationState, _ refusal: LifecycleRefusal) throws(LifecycleRefusal) {
        guard state == from else { throw refusal }
        state = to
    }

    /// Slips and codes together never exceed the electorate (SPEC §4). A log replayed knows
    /// only the codes redeemed (in `issued`), a store every code made: both are counted.
    private func reserve(_ count: Int) throws(LifecycleRefusal) {
        let wanted = max(slips + codes, issued) + count
        guard count >= 0, wanted <= electorate else { throw .electorateExceeded(electorate: electorate, wanted: wanted) }
    }
}

/// How a reviewer resolves an appeal (申诉).
public enum AppealOutcome: String, Sendable, CaseIterable, Codable {
    case dismissed, upheld
}
