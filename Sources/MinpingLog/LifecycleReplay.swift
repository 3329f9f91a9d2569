import Foundation
import MinpingCore
import MinpingTokens

/// Replays a log's entries through the lifecycle of SPEC §6, checking each against what came
/// before: issuance counts, the voting window, tokens spent once, recounted results, appeals
/// and the publicity period.
struct LifecycleReplay {
    struct Failure: Error {
        var check: String
        var detail: String
    }

    let definition: EvaluationDefinition
    let verifier: TokenVerifier
    private(set) var state = EvaluationState.draft
    private(set) var issued = 0
    private(set) var tally: Tally
    private(set) var latestResults: JSONValue?
    private var spent = Set<Data>()
    private var appeals: [String: Bool] = [:]  // id -> resolved
    private var preliminaryAt: Date?
    private var lastTime: Date?

    init(definition: EvaluationDefinition, verifier: TokenVerifier) {
        self.definition = definition
        self.verifier = verifier
        tally = Tally(definition: definition)
    }

    /// - Parameter verifiedToken: the outcome of verifying a ballot's token, when the caller
    ///   has already done so (in parallel); otherwise the replay verifies it.
    mutating func apply(_ entry: LogEntry, verifiedToken: Result<Data, TokenError>? = nil) throws(Failure) {
        func fail(_ check: String, _ detail: String) -> Failure { Failure(check: check, detail: detail) }
        if state == .annulled { throw fail("lifecycle", "an entry after 'annulled'") }
        if entry.type == .created, entry.seq != 0 { throw fail("lifecycle", "'created' after the first entry") }
        if let text = entry.string("at") {
            guard let time = LogTime.parse(text) else { throw fail("time", "'\(text)' is not an RFC 3339 time") }
            if let lastTime, time < lastTime { throw fail("time", "time goes backwards") }
            lastTime = time
        }

        switch entry.type {
        case .created:
            break
        case .slipsIssued, .tokenIssued:
            guard state == .draft || state == .open else { throw fail("lifecycle", "tokens issued in state \(state.rawValue)") }
            let count = entry.type == .slipsIssued ? (entry.int("count") ?? 0) : 1
            guard count >= 1, entry.int("issued") == issued + count else {
                throw fail("issued", "issued must grow by the count, from \(issued)")
            }
            issued += count
            guard issued <= definition.electorate else {
                throw fail("issued", "\(issued) tokens issued for an electorate of \(definition.electorate)")
            }
        case .opened:
            try transition(from: .draft, to: .open, entry)
        case .ballot:
            guard state == .open else { throw fail("ballot_window", "a ballot while the evaluation is \(state.rawValue)") }
            guard let text = entry.string("token") else { throw fail("token", "no token") }
            let nonce: Data
            do {
                nonce = try (verifiedToken ?? Result { () throws(TokenError) in try verifier.verify(base64URL: text) }).get()
            } catch {
                throw fail("token", "not a valid token for this evaluation: \(error)")
            }
            guard spent.insert(nonce).inserted else { throw fail("double_spend", "this token was already spent") }
            guard case let .object(members)? = entry.fields["ratings"] else { throw fail("ballot", "no ratings") }
            var ratings: [String: String] = [:]
            for (subject, value) in members {
                guard case let .string(option) = value else { throw fail("ballot", "rating of '\(subject)' is not an option id") }
                ratings[subject] = option
            }
            do {
                try tally.add(ratings: ratings)
            } catch {
                throw fail("ballot", error.description)
            }
            guard tally.ballots <= issued else { throw fail("issued", "more ballots than tokens issued (\(issued))") }
        case .closed:
            try transition(from: .open, to: .closed, entry)
            guard entry.int("ballots") == tally.ballots, entry.int("issued") == issued else {
                throw fail("closed", "closed says \(entry.int("ballots") ?? -1) ballots of \(entry.int("issued") ?? -1) issued; the log has \(tally.ballots) of \(issued)")
            }
        case .results:
            try publish(entry)
        case .appealFiled:
            guard state == .preliminary else { throw fail("appeal", "an appeal while the evaluation is \(state.rawValue)") }
            guard let id = entry.string("appeal"), appeals[id] == nil else { throw fail("appeal", "appeal id missing or reused") }
            if let subject = entry.string("subject"), !tally.subjects.contains(where: { $0.id == subject }) {
                throw fail("appeal", "unknown subject '\(subject)'")
            }
            appeals[id] = false
        case .appealResolved:
            guard state == .preliminary else { throw fail("appeal", "a resolution while the evaluation is \(state.rawValue)") }
            guard let id = entry.string("appeal"), appeals[id] == false else {
                throw fail("appeal", "resolves an appeal that was not filed or is already resolved")
            }
            guard ["dismissed", "upheld"].contains(entry.string("outcome") ?? "") else {
                throw fail("appeal", "outcome must be dismissed or upheld")
            }
            appeals[id] = true
        case .annulled:
            guard state != .final else { throw fail("lifecycle", "a final evaluation cannot be annulled") }
            state = .annulled
        }
    }

    private mutating func transition(from: EvaluationState, to: EvaluationState, _ entry: LogEntry) throws(Failure) {
        guard state == from else {
            throw Failure(check: "lifecycle", detail: "'\(entry.type.rawValue)' in state \(state.rawValue)")
        }
        state = to
    }

    private mutating func publish(_ entry: LogEntry) throws(Failure) {
        guard let stageName = entry.string("stage"), let stage = ResultsStage(rawValue: stageName) else {
            throw Failure(check: "results", detail: "stage must be preliminary or final")
        }
        let at = entry.string("at").flatMap(LogTime.parse)
        switch stage {
        case .preliminary:
            guard state == .closed || state == .preliminary else {
                throw Failure(check: "lifecycle", detail: "preliminary results in state \(state.rawValue)")
            }
            if state == .closed { preliminaryAt = at }
            state = .preliminary
        case .final:
            try transition(from: .preliminary, to: .final, entry)
            guard !appeals.values.contains(false) else {
                throw Failure(check: "appeals_pending", detail: "final results with an appeal unresolved")
            }
            guard let at, let preliminaryAt,
                  at.timeIntervalSince(preliminaryAt) >= Double(definition.publicityDays) * 86_400
            else {
                throw Failure(check: "publicity", detail: "final results before the \(definition.publicityDays)-day publicity period ended")
            }
        }
        let recount = tally.results(stage: stage).jsonValue
        guard let published = entry.fields["results"], CanonicalJSON.encode(published) == CanonicalJSON.encode(recount) else {
            throw Failure(check: "recount", detail: "the published results differ from a recount of the ballots")
        }
        latestResults = published
    }
}
