import Foundation
import MinpingCore
import MinpingLog

/// What the service refuses, each with a stable `code`: the problem code of SPEC §7 and the
/// metrics label, so an error has one identity everywhere.
public enum ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case definitionInvalid(String)
    /// SPEC §2: subject ids that some round of the `previous` chain gave to someone else.
    case identityConflict([String])
    case evaluationExists(String)
    /// The lifecycle refused the step (SPEC §6): wrong state, electorate, appeals, publicity.
    case refused(LifecycleRefusal)
    case codeInvalid
    case tokenInvalid(String)
    case tokenSpent
    case ballotInvalid(String)
    case resultsNotPublished
    /// A batch of codes with a used code cannot be voided (SPEC §4).
    case batchUsed(String)
    case appealInvalid(String)
    /// SPEC §6: a remedy that cannot apply (a star not earned, upheld without a remedy, …).
    case remedyInvalid(String)
    /// A free text (SPEC §2: no control characters, bidi controls or noncharacters; bounded).
    case textInvalid(String)
    case malformed(String)
    /// Another writer kept changing the log (ballots kept arriving, another instance): the
    /// step was not taken; try again.
    case busy(String)
    /// Stored data failed a check: nothing was published or changed (SPEC §7 integrity_error).
    case integrity(String)
    /// The database cannot be reached (503, `database_unavailable`).
    case unavailable(String)
    /// A sign-in refused: the same words for a wrong user name and a wrong password (SPEC §7).
    case signInFailed
    /// Ten failed sign-ins: the account is locked until then (429, `account_locked`).
    case accountLocked(until: Date)
    /// Not allowed, with why (403): a used setup code, an operator's own account, …
    case forbidden(String)
    /// Two tellers keyed one paper form differently (SPEC §4): subject by subject, for the
    /// scrutineer.
    case entriesDiffer([CountDifference])
    /// The second entry of a form came from the teller of the first.
    case sameTeller

    public var code: ProblemCode {
        switch self {
        case .notFound: .notFound
        case .definitionInvalid: .definitionInvalid
        case .identityConflict: .identityConflict
        case .evaluationExists: .evaluationExists
        case let .refused(refusal): refusal.code
        case .codeInvalid: .codeInvalid
        case .tokenInvalid: .tokenInvalid
        case .tokenSpent: .tokenSpent
        case .ballotInvalid: .ballotInvalid
        case .resultsNotPublished: .resultsNotPublished
        case .batchUsed: .batchUsed
        case .appealInvalid: .appealInvalid
        case .remedyInvalid: .remedyInvalid
        case .textInvalid: .textInvalid
        case .malformed: .malformedRequest
        case .busy: .busy
        case .integrity: .integrityError
        case .unavailable: .databaseUnavailable
        case .signInFailed: .unauthenticated
        case .accountLocked: .accountLocked
        case .forbidden: .forbidden
        case .entriesDiffer: .entriesDiffer
        case .sameTeller: .sameTeller
        }
    }

    public var description: String {
        switch self {
        case .signInFailed: "the user name or the password is wrong"
        case let .accountLocked(until): "too many failed sign-ins: the account is locked until \(LogTime.format(until))"
        case let .forbidden(reason): reason
        case let .entriesDiffer(differences):
            "the two tellers' entries differ for \(differences.count) subject(s): the scrutineer looks at the form and settles it"
        case .sameTeller: "the second entry of a form must come from another teller (another key or account)"
        case let .notFound(what): "\(what) not found"
        case let .definitionInvalid(reason): reason
        case let .identityConflict(cases):
            "an id names one person for good along previous (SPEC §1): " + cases.joined(separator: "; ")
        case let .evaluationExists(id): "evaluation '\(id)' already exists"
        case let .refused(refusal): refusal.description
        case .codeInvalid: "the enrollment code is unknown or already used"
        case let .tokenInvalid(reason): "the token is not valid for this evaluation: \(reason)"
        case .tokenSpent: "this token has already been used"
        case let .ballotInvalid(reason): reason
        case let .batchUsed(id): "a code of batch \(id) was used already: a batch can be voided only while none of its codes was used"
        case .resultsNotPublished: "results are published from the preliminary stage on; until then only turnout is public"
        case let .appealInvalid(reason): reason
        case let .remedyInvalid(reason): reason
        case let .textInvalid(reason): reason
        case let .malformed(reason): reason
        case let .busy(reason): reason
        case let .integrity(reason): "stored data failed a check: \(reason)"
        case .unavailable: "the database cannot be reached; nothing was accepted, try again shortly"
        }
    }

    static func invalidTransition(from state: EvaluationState, action: String) -> ServiceError {
        .refused(.invalidTransition(from: state, action: action))
    }
}

extension ServiceError: ProblemCoded {
    public var problemCode: ProblemCode { code }
}
