import Foundation
import MinpingCore
import MinpingTokens

/// What one audit entry says, typed: one case per entry type of SPEC §5, written by
/// ``fields`` and read by ``init(_:)``. (``EntryType/fields`` lists the same names with their
/// kinds, for the shape check every stored entry passes first.)
/// - Seealso: SPEC §5 ("Types and their fields")
public enum AuditEvent: Sendable, Equatable {
    case created(Created)
    case slipsIssued(count: Int, issued: Int)
    /// A batch of `count` unused enrollment codes voided; `issued` (tokens) is unchanged.
    case slipsVoided(batch: String, count: Int, issued: Int)
    case tokenIssued(issued: Int)
    case opened(at: Date)
    /// No time, no address, no identity: only the token and the ratings.
    case ballot(token: String, ratings: [String: String])
    case closed(at: Date, ballots: Int, issued: Int)
    case results(stage: ResultsStage, at: Date, results: JSONValue)
    case appealFiled(appeal: String, subject: String?, textSHA256: String)
    /// `remedy` is required when upheld, absent when dismissed (SPEC §5); the remedy's own
    /// entry follows at once.
    case appealResolved(appeal: String, outcome: AppealOutcome, noteSHA256: String, remedy: RemedyKind?)
    case annulled(at: Date, reasonSHA256: String)
    /// A star withheld, by an upheld appeal or the street's veto (no appeal); the reason is public.
    case withheld(subject: String, star: String, reason: String, appeal: String?)
    /// A subject's displayed name or organization corrected by an upheld appeal.
    case corrected(subject: String, name: String?, organization: String?, appeal: String)
    /// A supplementary round on `subjects`, with its own issuing key.
    case revoteOpened(RevoteOpened)

    public struct RevoteOpened: Sendable, Equatable {
        public var round: Int
        public var subjects: [String]
        public var tokenKeySPKI: String
        public var tokenKeyID: String
        public var appeal: String

        public init(round: Int, subjects: [String], tokenKey: TokenPublicKey, appeal: String) {
            self.init(round: round, subjects: subjects, tokenKeySPKI: tokenKey.spki.base64EncodedString(),
                      tokenKeyID: tokenKey.tokenKeyID.hex, appeal: appeal)
        }

        init(round: Int, subjects: [String], tokenKeySPKI: String, tokenKeyID: String, appeal: String) {
            self.round = round
            self.subjects = subjects
            self.tokenKeySPKI = tokenKeySPKI
            self.tokenKeyID = tokenKeyID
            self.appeal = appeal
        }
    }

    public struct Created: Sendable, Equatable {
        public var definition: JSONValue
        public var tokenKeySPKI: String
        public var tokenKeyID: String
        public var logVerifierKey: String

        public init(definition: EvaluationDefinition, tokenKey: TokenPublicKey, logVerifierKey: String) {
            self.definition = definition.jsonValue
            tokenKeySPKI = tokenKey.spki.base64EncodedString()
            tokenKeyID = tokenKey.tokenKeyID.hex
            self.logVerifierKey = logVerifierKey
        }

        init(definition: JSONValue, tokenKeySPKI: String, tokenKeyID: String, logVerifierKey: String) {
            self.definition = definition
            self.tokenKeySPKI = tokenKeySPKI
            self.tokenKeyID = tokenKeyID
            self.logVerifierKey = logVerifierKey
        }
    }

    public var type: EntryType {
        switch self {
        case .created: .created
        case .slipsIssued: .slipsIssued
        case .slipsVoided: .slipsVoided
        case .tokenIssued: .tokenIssued
        case .opened: .opened
        case .ballot: .ballot
        case .closed: .closed
        case .results: .results
        case .appealFiled: .appealFiled
        case .appealResolved: .appealResolved
        case .annulled: .annulled
        case .withheld: .withheld
        case .corrected: .corrected
        case .revoteOpened: .revoteOpened
        }
    }

    /// The move of the lifecycle this entry records (nil for `created`, which starts it).
    public var lifecycleEvent: LifecycleEvent? {
        switch self {
        case .created: nil
        case let .slipsIssued(count, _): .slipsIssued(count: count)
        case let .slipsVoided(_, count, _): .codesVoided(count: count)
        case .tokenIssued: .tokenIssued
        case let .opened(at): .opened(at: at)
        case .ballot: .ballotCast(round: nil)
        case let .closed(at, _, _): .closed(at: at)
        case let .results(stage, at, _): .published(stage, at: at)
        case let .appealFiled(appeal, _, _): .appealFiled(id: appeal)
        case let .appealResolved(appeal, _, _, _): .appealResolved(id: appeal)
        case let .annulled(at, _): .annulled(at: at)
        case .withheld, .corrected: .amended
        case let .revoteOpened(revote): .revoteOpened(round: revote.round)
        }
    }

    /// When the entry says it happened, for the entries that carry a time.
    public var at: Date? {
        switch self {
        case let .opened(at), let .closed(at, _, _), let .results(_, at, _), let .annulled(at, _): at
        default: nil
        }
    }

    /// The entry's own fields, after the common `v`, `seq`, `prev` and `type`.
    public var fields: [(String, JSONValue)] {
        func time(_ date: Date) -> JSONValue { .string(LogTime.format(date)) }
        switch self {
        case let .created(created):
            return [("definition", created.definition), ("token_key_spki", .string(created.tokenKeySPKI)),
                    ("token_key_id", .string(created.tokenKeyID)), ("log_verifier_key", .string(created.logVerifierKey))]
        case let .slipsIssued(count, issued):
            return [("count", .int(count)), ("issued", .int(issued))]
        case let .slipsVoided(batch, count, issued):
            return [("batch", .string(batch)), ("count", .int(count)), ("issued", .int(issued))]
        case let .tokenIssued(issued):
            return [("issued", .int(issued))]
        case let .opened(at):
            return [("at", time(at))]
        case let .ballot(token, ratings):
            return [("token", .string(token)), ("ratings", .object(ratings.map { ($0.key, .string($0.value)) }))]
        case let .closed(at, ballots, issued):
            return [("at", time(at)), ("ballots", .int(ballots)), ("issued", .int(issued))]
        case let .results(stage, at, results):
            return [("stage", .string(stage.rawValue)), ("at", time(at)), ("results", results)]
        case let .appealFiled(appeal, subject, textSHA256):
            return [("appeal", .string(appeal))] + (subject.map { [("subject", JSONValue.string($0))] } ?? [])
                + [("text_sha256", .string(textSHA256))]
        case let .appealResolved(appeal, outcome, noteSHA256, remedy):
            return [("appeal", .string(appeal)), ("outcome", .string(outcome.rawValue)), ("note_sha256", .string(noteSHA256))]
                + (remedy.map { [("remedy", JSONValue.string($0.rawValue))] } ?? [])
        case let .annulled(at, reasonSHA256):
            return [("at", time(at)), ("reason_sha256", .string(reasonSHA256))]
        case let .withheld(subject, star, reason, appeal):
            return [("subject", .string(subject)), ("star", .string(star)), ("reason", .string(reason))]
                + (appeal.map { [("appeal", JSONValue.string($0))] } ?? [])
        case let .corrected(subject, name, organization, appeal):
            return [("subject", .string(subject))] + (name.map { [("name", JSONValue.string($0))] } ?? [])
                + (organization.map { [("organization", JSONValue.string($0))] } ?? []) + [("appeal", .string(appeal))]
        case let .revoteOpened(revote):
            return [("round", .int(revote.round)), ("subjects", .array(revote.subjects.map(JSONValue.string))),
                    ("token_key_spki", .string(revote.tokenKeySPKI)), ("token_key_id", .string(revote.tokenKeyID)),
                    ("appeal", .string(revote.appeal))]
        }
    }

    /// A ballot entry's token and its ratings as (subject, option) pairs in stored order
    /// (canonical: ascending subject ids, each once); nil if the entry has no such fields.
    /// The bundle verifier resolves the pairs straight to table cells (``Tally/resolve(pairs:)``)
    /// without the dictionary the event keeps.
    public static func ballotFields(_ entry: LogEntry) -> (token: String, ratings: [(String, String)])? {
        guard case let .string(token)? = entry.fields["token"], case let .object(members)? = entry.fields["ratings"] else {
            return nil
        }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(members.count)
        for (subject, value) in members {
            guard case let .string(option) = value else { return nil }
            pairs.append((subject, option))
        }
        return (token, pairs)
    }

    /// Reads an entry whose shape ``LogEntry`` has checked; refuses a time, stage or outcome
    /// that is not one (the check a verifier names: `time`, `results`, `appeal`).
    public init(_ entry: LogEntry) throws(AuditEventError) {
        let fields = entry.fields
        // ``LogEntry`` has checked each field's presence and kind; a mismatch here would be a
        // defect of that check, refused all the same.
        func missing(_ key: String) -> AuditEventError {
            AuditEventError(check: "entry_format", detail: "a '\(entry.type.rawValue)' entry needs \"\(key)\"")
        }
        func string(_ key: String) throws(AuditEventError) -> String {
            guard case let .string(value)? = fields[key] else { throw missing(key) }
            return value
        }
        func int(_ key: String) throws(AuditEventError) -> Int {
            guard case let .int(value)? = fields[key] else { throw missing(key) }
            return value
        }
        func object(_ key: String) throws(AuditEventError) -> JSONValue {
            guard let value = fields[key], case .object = value else { throw missing(key) }
            return value
        }
        func optionalString(_ key: String) -> String? {
            if case let .string(value)? = fields[key] { value } else { nil }
        }
        func time() throws(AuditEventError) -> Date {
            let text = try string("at")
            guard let date = LogTime.parse(text) else { throw AuditEventError(check: "time", detail: "'\(text)' is not an RFC 3339 time") }
            return date
        }
        switch entry.type {
        case .created:
            self = .created(Created(definition: try object("definition"), tokenKeySPKI: try string("token_key_spki"),
                                    tokenKeyID: try string("token_key_id"), logVerifierKey: try string("log_verifier_key")))
        case .slipsIssued:
            self = .slipsIssued(count: try int("count"), issued: try int("issued"))
        case .slipsVoided:
            self = .slipsVoided(batch: try string("batch"), count: try int("count"), issued: try int("issued"))
        case .tokenIssued:
            self = .tokenIssued(issued: try int("issued"))
        case .opened:
            self = .opened(at: try time())
        case .ballot:
            guard let (token, pairs) = Self.ballotFields(entry) else { throw missing(entry.string("token") == nil ? "token" : "ratings") }
            self = .ballot(token: token, ratings: Dictionary(pairs, uniquingKeysWith: { first, _ in first }))
        case .closed:
            self = .closed(at: try time(), ballots: try int("ballots"), issued: try int("issued"))
        case .results:
            let at = try time()
            guard let stage = ResultsStage(rawValue: try string("stage")) else {
                throw AuditEventError(check: "results", detail: "stage must be preliminary or final")
            }
            self = .results(stage: stage, at: at, results: try object("results"))
        case .appealFiled:
            let subject: String? = if case let .string(value)? = fields["subject"] { value } else { nil }
            self = .appealFiled(appeal: try string("appeal"), subject: subject, textSHA256: try string("text_sha256"))
        case .appealResolved:
            guard let outcome = AppealOutcome(rawValue: try string("outcome")) else {
                throw AuditEventError(check: "appeal", detail: "outcome must be dismissed or upheld")
            }
            let remedy: RemedyKind?
            if case let .string(kind)? = fields["remedy"] {
                guard let known = RemedyKind(rawValue: kind) else {
                    throw AuditEventError(check: "remedy", detail: "remedy must be withhold, correct, revote or annul")
                }
                remedy = known
            } else {
                remedy = nil
            }
            // SPEC §5: required when upheld; a dismissed appeal changes nothing.
            guard (outcome == .upheld) == (remedy != nil) else {
                throw AuditEventError(check: "remedy", detail: outcome == .upheld ? "an upheld appeal names its remedy" : "a dismissed appeal has no remedy")
            }
            self = .appealResolved(appeal: try string("appeal"), outcome: outcome, noteSHA256: try string("note_sha256"), remedy: remedy)
        case .annulled:
            self = .annulled(at: try time(), reasonSHA256: try string("reason_sha256"))
        case .withheld:
            self = .withheld(subject: try string("subject"), star: try string("star"), reason: try string("reason"),
                             appeal: optionalString("appeal"))
        case .corrected:
            self = .corrected(subject: try string("subject"), name: optionalString("name"),
                              organization: optionalString("organization"), appeal: try string("appeal"))
        case .revoteOpened:
            guard case let .array(items)? = fields["subjects"] else { throw missing("subjects") }
            let subjects = items.compactMap { if case let .string(id) = $0 { id } else { nil } }
            self = .revoteOpened(RevoteOpened(round: try int("round"), subjects: subjects, tokenKeySPKI: try string("token_key_spki"),
                                              tokenKeyID: try string("token_key_id"), appeal: try string("appeal")))
        }
    }
}

/// An entry of the right shape that does not say a valid thing, with the verifier's check name.
public struct AuditEventError: Error, Sendable, Equatable, CustomStringConvertible {
    public var check: String
    public var detail: String

    public var description: String { "\(check): \(detail)" }
}

extension LogEntry {
    /// What this entry says.
    public func event() throws(AuditEventError) -> AuditEvent {
        try AuditEvent(self)
    }
}

extension Amendments {
    /// Takes a remedy's entry in (`withheld`, `corrected`, `revote_opened`); any other event
    /// changes nothing. The service's recount, both replays and the sample all record so.
    public mutating func record(_ event: AuditEvent) {
        switch event {
        case let .withheld(subject, star, reason, appeal):
            withhold(subject: subject, star: WithheldStar(star: star, reason: reason, appeal: appeal))
        case let .corrected(subject, name, organization, appeal):
            correct(subject: subject, name: name, organization: organization, appeal: appeal)
        case let .revoteOpened(revote):
            openRound(revote.round, subjects: revote.subjects, appeal: revote.appeal)
        default:
            break
        }
    }
}
