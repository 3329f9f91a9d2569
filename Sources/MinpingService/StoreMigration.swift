import Foundation
import MinpingKeys
import MinpingLog
import MinpingStore

/// `minping migrate` (SPEC §8): copies every row from one store to another (SQLite to
/// PostgreSQL, or back), keys still sealed under the same key file, then checks that every
/// evaluation reads back the same in both: the same rows and a byte-identical audit bundle.
public enum StoreMigration {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case targetNotEmpty
        case differs(evaluation: String, what: String)

        public var description: String {
            switch self {
            case .targetNotEmpty:
                "the target already holds API keys, log keys or evaluations; migrate into an empty database"
            case let .differs(evaluation, what):
                "evaluation \(evaluation) reads back differently in the target (\(what)); the target must not be used"
            }
        }
    }

    public struct Summary: Sendable, Equatable {
        public var evaluations = 0
        public var ballots = 0
        public var entries = 0
        public var apiKeys = 0
        public var accounts = 0
        /// Paper forms keyed at the tellers' desk and not cast yet.
        public var deskForms = 0
    }

    /// Copies, then verifies. `progress` gets a line per step (an evaluation copied, one checked).
    public static func run(from source: any TransferableStore, to target: any TransferableStore, keys: KeyEncryptionKey,
                           progress: (String) -> Void) async throws -> Summary {
        guard try await target.isEmpty() else { throw Failure.targetNotEmpty }
        var summary = Summary()
        let streets = try await source.streetRows()
        try await target.load(streets)
        summary.apiKeys = streets.apiKeys.count
        progress("API keys: \(streets.apiKeys.count), street log keys: \(streets.logKeys.count)")
        // Accounts and their activity list (SPEC §7): sessions stay valid, as the key file is the same.
        let accounts = try await source.accounts()
        for account in accounts where try await !target.addAccount(account) {
            throw Failure.differs(evaluation: "-", what: "account \(account.user), already in the target")
        }
        for activity in try await source.activity(limit: Int.max).reversed() { try await target.addActivity(activity) }
        summary.accounts = accounts.count
        progress("accounts: \(accounts.count)")
        let ids = try await source.evaluationIDs()
        for (index, id) in ids.enumerated() {
            let dump = try await source.dump(evaluation: id)
            try await target.load(dump)
            // The paper forms waiting at the tellers' desk (SPEC §4), with a second teller's
            // differing entry where there is one: keyed once, they are not keyed again.
            let forms = try await source.countEntries(evaluation: id)
            for form in forms {
                guard try await target.addCountEntry(form) else {
                    throw Failure.differs(evaluation: id, what: "form \(form.form) at the desk, already in the target")
                }
                if let second = form.secondRatings, let teller = form.secondTeller {
                    try await target.setSecondCountEntry(evaluation: id, form: form.form, ratings: second, teller: teller)
                }
            }
            summary.evaluations += 1
            summary.ballots += dump.ballots.count
            summary.entries += dump.entries.count
            summary.deskForms += forms.count
            progress("[\(index + 1)/\(ids.count)] \(id): \(dump.ballots.count) ballots, \(dump.entries.count) log entries, "
                + "\(dump.checkpoints.count) checkpoints, \(dump.appeals.count) appeals, \(forms.count) forms at the desk copied")
        }
        let before = EvaluationService(store: source, keys: keys)
        let after = EvaluationService(store: target, keys: keys)
        for (index, id) in ids.enumerated() {
            guard try await source.dump(evaluation: id).normalized == target.dump(evaluation: id).normalized else {
                throw Failure.differs(evaluation: id, what: "its rows")
            }
            guard try await source.countEntries(evaluation: id) == target.countEntries(evaluation: id) else {
                throw Failure.differs(evaluation: id, what: "the forms at the tellers' desk")
            }
            let old = try await before.storedBundle(id).files, new = try await after.storedBundle(id).files
            guard old.map(\.path) == new.map(\.path), zip(old, new).allSatisfy({ $0.contents == $1.contents }) else {
                throw Failure.differs(evaluation: id, what: "its audit bundle")
            }
            progress("[\(index + 1)/\(ids.count)] \(id): the bundle is byte-identical in both")
        }
        return summary
    }
}
