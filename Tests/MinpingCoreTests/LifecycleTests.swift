import Foundation
import MinpingCore
import Testing

@Suite("Lifecycle: the one state machine of SPEC §4 and §6")
struct LifecycleTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    /// A lifecycle brought to `state` by the events that lead there.
    static func lifecycle(in state: EvaluationState, electorate: Int = 10, publicityDays: Int = 5) throws -> Lifecycle {
        var lifecycle = Lifecycle(electorate: electorate, publicityDays: publicityDays)
        let path: [LifecycleEvent] = switch state {
        case .draft: []
        case .open: [.opened(at: at)]
        case .closed: [.opened(at: at), .closed(at: at)]
        case .preliminary: [.opened(at: at), .closed(at: at), .published(.preliminary, at: at)]
        case .final: [.opened(at: at), .closed(at: at), .published(.preliminary, at: at), .published(.final, at: at.addingTimeInterval(5 * 86_400))]
        case .annulled: [.annulled(at: at)]
        }
        try lifecycle.apply(path)
        return lifecycle
    }

    /// Which moves each state allows (SPEC §6): the whole transition table.
    static let moves: [(LifecycleEvent, Set<EvaluationState>)] = [
        (.opened(at: at), [.draft]),
        (.closed(at: at), [.open]),
        (.published(.preliminary, at: at), [.closed, .preliminary]),
        (.published(.final, at: at.addingTimeInterval(10 * 86_400)), [.preliminary]),
        (.annulled(at: at), [.draft, .open, .closed, .preliminary]),
        (.slipsIssued(count: 1), [.draft, .open]),
        (.codesCreated(count: 1), [.draft, .open]),
        (.ballotsLogged, [.open]),
        (.appealFiled(id: "a-1"), [.preliminary]),
    ]

    @Test("every state allows exactly the moves of SPEC §6", arguments: EvaluationState.allCases)
    func transitionTable(_ state: EvaluationState) throws {
        for (event, allowed) in Self.moves {
            var lifecycle = try Self.lifecycle(in: state)
            let before = lifecycle
            if allowed.contains(state) {
                #expect(throws: Never.self, "\(event) from \(state)") { try lifecycle.apply(event) }
            } else {
                #expect(throws: LifecycleRefusal.invalidTransition(from: state, action: event.action)) { try lifecycle.apply(event) }
                #expect(lifecycle == before, "a refusal changes nothing")
            }
        }
    }

    @Test("slips and codes together never exceed the electorate; tokens only in draft and open")
    func electorate() throws {
        var lifecycle = Lifecycle(electorate: 10, publicityDays: 5)
        try lifecycle.apply(.slipsIssued(count: 6))
        try lifecycle.apply(.codesCreated(count: 4))
        #expect(throws: LifecycleRefusal.electorateExceeded(electorate: 10, wanted: 11)) { try lifecycle.apply(.slipsIssued(count: 1)) }
        #expect(throws: LifecycleRefusal.electorateExceeded(electorate: 10, wanted: 11)) { try lifecycle.apply(.codesCreated(count: 1)) }
        for _ in 0..<4 { try lifecycle.apply(.tokenIssued) }
        #expect(lifecycle.issued == 10 && lifecycle.slips == 6 && lifecycle.codes == 4)
        // A log replayed knows only redeemed codes: issued counts too.
        var replayed = Lifecycle(electorate: 3, publicityDays: 5)
        for _ in 0..<3 { try replayed.apply(.tokenIssued) }
        #expect(throws: LifecycleRefusal.electorateExceeded(electorate: 3, wanted: 4)) { try replayed.apply(.tokenIssued) }
        #expect(throws: LifecycleRefusal.electorateExceeded(electorate: 3, wanted: 4)) { try replayed.apply(.slipsIssued(count: 1)) }
    }

    @Test("ballots only while open, never more than the tokens issued")
    func ballots() throws {
        var lifecycle = Lifecycle(electorate: 10, publicityDays: 5)
        try lifecycle.apply(.slipsIssued(count: 2))
        #expect(throws: LifecycleRefusal.notOpen(.draft)) { try lifecycle.apply(.ballotCast(round: 1)) }
        try lifecycle.apply(.opened(at: Self.at))
        try lifecycle.apply(.ballotCast(round: 1))
        try lifecycle.apply(.ballotCast(round: 1))
        #expect(throws: LifecycleRefusal.moreBallotsThanIssued(issued: 2)) { try lifecycle.apply(.ballotCast(round: 1)) }
        try lifecycle.apply(.closed(at: Self.at))
        #expect(throws: LifecycleRefusal.notOpen(.closed)) { try lifecycle.apply(.ballotCast(round: 1)) }
        #expect(lifecycle.ballots == 2)
    }

    @Test("remedies: amending needs preliminary and a republication before final, which restarts the publicity period; a supplementary round opens with fresh counts and takes only its own round's ballots")
    func remedies() throws {
        var lifecycle = Lifecycle(electorate: 10, publicityDays: 5)
        try lifecycle.apply([.slipsIssued(count: 3), .opened(at: Self.at), .ballotCast(round: 1), .closed(at: Self.at)])
        #expect(throws: LifecycleRefusal.invalidTransition(from: .closed, action: "amend the results of")) { try lifecycle.apply(.amended) }
        try lifecycle.apply(.published(.preliminary, at: Self.at))
        try lifecycle.apply(.amended)
        #expect(lifecycle.republicationDue)
        let later = Self.at.addingTimeInterval(6 * 86_400)
        #expect(throws: LifecycleRefusal.republicationDue) { try lifecycle.apply(.published(.final, at: later)) }
        try lifecycle.apply(.published(.preliminary, at: later))
        #expect(!lifecycle.republicationDue && lifecycle.publicityDeadline == later.addingTimeInterval(5 * 86_400))
        #expect(throws: LifecycleRefusal.publicityNotOver(until: later.addingTimeInterval(5 * 86_400))) {
            try lifecycle.apply(.published(.final, at: later.addingTimeInterval(86_400)))
        }
        #expect(throws: LifecycleRefusal.invalidTransition(from: .preliminary, action: "open a supplementary round of")) {
            try lifecycle.apply(.revoteOpened(round: 3))
        }
        try lifecycle.apply(.revoteOpened(round: 2))
        #expect(lifecycle.state == .open && lifecycle.round == 2 && lifecycle.issued == 0 && lifecycle.ballots == 0)
        #expect(lifecycle.resultsPublic && lifecycle.republicationDue)
        try lifecycle.apply(.slipsIssued(count: 10))  // each round has the whole electorate
        // A token of round 1 (verified by an instance that had not seen round 2 yet) is refused.
        #expect(throws: LifecycleRefusal.wrongRound(token: 1, open: 2)) { try lifecycle.apply(.ballotCast(round: 1)) }
        try lifecycle.apply(.ballotCast(round: 2))
        try lifecycle.apply(.ballotCast(round: nil))  // a log's ballot: its key is the verifier's check
        #expect(lifecycle.ballots == 2)
    }

    @Test("final waits for the publicity period from the first preliminary results and for every appeal")
    func publicityAndAppeals() throws {
        var lifecycle = try Self.lifecycle(in: .closed, publicityDays: 5)
        #expect(lifecycle.publicityDeadline == nil)
        try lifecycle.apply(.published(.preliminary, at: Self.at))
        let deadline = Self.at.addingTimeInterval(5 * 86_400)
        #expect(lifecycle.publicityDeadline == deadline)
        try lifecycle.apply(.published(.preliminary, at: Self.at.addingTimeInterval(86_400)))
        #expect(lifecycle.publicityDeadline == deadline, "a corrected 公示 does not restart the period")
        try lifecycle.apply(.appealFiled(id: "a-1"))
        #expect(throws: LifecycleRefusal.appealExists("a-1")) { try lifecycle.apply(.appealFiled(id: "a-1")) }
        #expect(throws: LifecycleRefusal.appealsPending(1)) { try lifecycle.apply(.published(.final, at: deadline)) }
        #expect(throws: LifecycleRefusal.appealUnknown("a-9")) { try lifecycle.apply(.appealResolved(id: "a-9")) }
        try lifecycle.apply(.appealResolved(id: "a-1"))
        #expect(throws: LifecycleRefusal.alreadyResolved("a-1")) { try lifecycle.apply(.appealResolved(id: "a-1")) }
        #expect(throws: LifecycleRefusal.publicityNotOver(until: deadline)) {
            try lifecycle.apply(.published(.final, at: deadline.addingTimeInterval(-1)))
        }
        try lifecycle.apply(.published(.final, at: deadline))
        #expect(lifecycle.state == .final)
        #expect(throws: LifecycleRefusal.invalidTransition(from: .final, action: "annul")) { try lifecycle.apply(.annulled(at: deadline)) }
    }

    @Test("a list of events applies all or nothing")
    func allOrNothing() throws {
        var lifecycle = Lifecycle(electorate: 10, publicityDays: 0)
        let before = lifecycle
        #expect(throws: LifecycleRefusal.self) { try lifecycle.apply([.slipsIssued(count: 3), .opened(at: Self.at), .opened(at: Self.at)]) }
        #expect(lifecycle == before)
        try lifecycle.apply([.slipsIssued(count: 3), .opened(at: Self.at)])
        #expect(lifecycle.state == .open && lifecycle.issued == 3)
    }
}
