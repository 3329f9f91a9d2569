import Foundation
import MinpingCore
import MinpingKeys
import MinpingLog
import MinpingStore
import MinpingTokens

extension EvaluationService {
    // MARK: Resolving appeals, remedies (SPEC §6)

    /// Resolves an appeal. Upheld needs a remedy, which is checked against the results as they
    /// stand (a recount with every remedy so far) and recorded as its own entry right after
    /// `appeal_resolved`, in the same step: withhold a star, correct a name or branch, open a
    /// supplementary round with a new issuing key, or annul. Dismissed takes none.
    public func resolveAppeal(_ id: String, appeal: String, outcome: AppealOutcome, note: String, remedy: Remedy? = nil) async throws {
        if let problem = TextRules.freeTextProblem(note, field: "note", maximumBytes: Self.maximumFreeTextBytes, mayBeEmpty: true) {
            throw ServiceError.appealInvalid(problem)
        }
        let at = now()
        // A new round's key is made before the lock: RSA key generation takes a while.
        let roundKey: IssuingKey? = if case .revote = remedy { try IssuingKey() } else { nil }
        try await locked(id) {
            let record = try await record(id)
            // The lifecycle answers first (state, unknown or resolved appeal), then the remedy.
            var lifecycle = record.lifecycle
            try Self.checked { () throws(LifecycleRefusal) in try lifecycle.apply(.appealResolved(id: appeal)) }
            switch (outcome, remedy) {
            case (.upheld, nil):
                throw ServiceError.remedyInvalid("upholding an appeal names its remedy: withhold, correct, revote or annul")
            case (.dismissed, _?):
                throw ServiceError.remedyInvalid("a dismissed appeal changes nothing: leave the remedy out")
            default:
                break
            }
            let resolved = AuditEvent.appealResolved(appeal: appeal, outcome: outcome, noteSHA256: Self.hash(note), remedy: remedy?.kind)
            var effects: [LogEffect] = [.lifecycle(.appealResolved(id: appeal)), .storeResolution(id: appeal, outcome: outcome, note: note)]
            var follow: AuditEvent?
            if let remedy {
                try await check(remedy, id)
                switch remedy {
                case let .withhold(subject, star, reason):
                    follow = .withheld(subject: subject, star: star, reason: reason, appeal: appeal)
                    effects.append(.lifecycle(.amended))
                case let .correct(subject, name, organization):
                    follow = .corrected(subject: subject, name: name, organization: organization, appeal: appeal)
                    effects.append(.lifecycle(.amended))
                case let .revote(subjects):
                    guard let roundKey else { throw ServiceError.integrity("no key was made for the new round") }
                    let round = record.lifecycle.round + 1
                    follow = .revoteOpened(.init(round: round, subjects: subjects, tokenKey: roundKey.publicKey, appeal: appeal))
                    let sealed = try keys.seal(Data(roundKey.pem.utf8), purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: id, round: round))
                    effects += [.lifecycle(.revoteOpened(round: round)), .storeRoundKey(RoundKey(round: round, sealed: sealed, subjects: subjects)),
                                .voidUnusedCodes]
                case let .annul(reason):
                    follow = .annulled(at: at, reasonSHA256: Self.hash(reason))
                    effects.append(.lifecycle(.annulled(at: at)))
                }
            }
            try await commitStep(id) { head, _ in
                ([try head.append(resolved)] + (try follow.map { [try head.append($0)] } ?? []), effects)
            }
            if case .revote = remedy { forgetContext(id) }
        }
        logger.info("appeal resolved", metadata: ["evaluation": "\(id)", "appeal": "\(appeal)", "outcome": "\(outcome.rawValue)",
                                                  "remedy": "\(remedy?.kind.rawValue ?? "none")"])
    }

    /// The street withholds a star without an appeal (一票否决, seed 003) while the results are
    /// preliminary: the same `withheld` entry and the same display as a remedy's.
    public func withhold(_ id: String, subject: String, star: String, reason: String) async throws {
        try await locked(id) {
            var lifecycle = try await record(id).lifecycle
            try Self.checked { () throws(LifecycleRefusal) in try lifecycle.apply(.amended) }
            let remedy = Remedy.withhold(subject: subject, star: star, reason: reason)
            try await check(remedy, id)
            try await commitStep(id) { head, _ in
                ([try head.append(.withheld(subject: subject, star: star, reason: reason, appeal: nil))], [.lifecycle(.amended)])
            }
        }
        logger.info("star withheld", metadata: ["evaluation": "\(id)", "star": "\(star)"])
    }

    /// Refuses a remedy that cannot apply to the results as they stand (422 `remedy_invalid`).
    private func check(_ remedy: Remedy, _ id: String) async throws {
        let definition = try await definition(id)
        let recount = try await recount(id, definition: definition)
        if let problem = recount.amendments.problem(with: remedy, definition: definition, results: recount.results()) {
            throw ServiceError.remedyInvalid(problem)
        }
    }

    /// What remedies changed so far, read from the log (for the pages and the console), once
    /// per log size.
    public nonisolated func amendments(_ id: String) async throws -> Amendments {
        let size = try await store.logSize(evaluation: id)
        if let read = amendmentsRead.withLock({ $0[id] }), read.size == size { return read.amendments }
        let amendments = try await recount(id, definition: definition(id)).amendments
        amendmentsRead.withLock { $0[id] = (size, amendments) }
        return amendments
    }
}
