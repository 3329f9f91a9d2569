/// Every problem code of SPEC §7, with the HTTP status it is answered with: the one list. A
/// refusal anywhere (the lifecycle, the service, a store, the HTTP edge) carries one of these,
/// so a new code without a status does not compile.
public enum ProblemCode: String, Sendable, CaseIterable, Codable {
    case unauthenticated
    case forbidden
    case notFound = "not_found"
    case malformedRequest = "malformed_request"
    case methodNotAllowed = "method_not_allowed"
    case payloadTooLarge = "payload_too_large"
    case requestIncomplete = "request_incomplete"
    case headersTooLarge = "headers_too_large"
    case `internal`
    case definitionInvalid = "definition_invalid"
    case identityConflict = "identity_conflict"
    case evaluationExists = "evaluation_exists"
    case electorateExceeded = "electorate_exceeded"
    case codeInvalid = "code_invalid"
    case tokenInvalid = "token_invalid"
    case tokenSpent = "token_spent"
    case evaluationNotOpen = "evaluation_not_open"
    case ballotInvalid = "ballot_invalid"
    case invalidTransition = "invalid_transition"
    case appealsPending = "appeals_pending"
    case publicityNotOver = "publicity_not_over"
    case resultsNotPublished = "results_not_published"
    case alreadyResolved = "already_resolved"
    case appealInvalid = "appeal_invalid"
    case appealExists = "appeal_exists"
    case remedyInvalid = "remedy_invalid"
    case textInvalid = "text_invalid"
    case rosterInvalid = "roster_invalid"
    case batchUsed = "batch_used"
    case busy
    case integrityError = "integrity_error"
    case databaseUnavailable = "database_unavailable"
    case accountLocked = "account_locked"
    case csrfFailed = "csrf_failed"
    /// The tellers' desk (SPEC §4, §7): two tellers keyed one form differently; the second
    /// entry must come from another teller.
    case entriesDiffer = "entries_differ"
    case sameTeller = "same_teller"

    /// The HTTP status (SPEC §7). Exhaustive on purpose: no default.
    public var status: Int {
        switch self {
        case .malformedRequest, .requestIncomplete, .headersTooLarge: 400
        case .unauthenticated: 401
        case .forbidden, .codeInvalid, .tokenInvalid, .csrfFailed: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .definitionInvalid, .identityConflict, .ballotInvalid, .appealInvalid, .remedyInvalid, .textInvalid, .rosterInvalid: 422
        // The request is sound; the state says no.
        case .evaluationExists, .electorateExceeded, .tokenSpent, .evaluationNotOpen, .invalidTransition, .appealsPending,
             .publicityNotOver, .resultsNotPublished, .alreadyResolved, .appealExists, .batchUsed, .busy, .entriesDiffer, .sameTeller: 409
        case .internal, .integrityError: 500
        case .accountLocked: 429
        case .databaseUnavailable: 503
        }
    }
}

/// An error a caller is answered with as a problem (SPEC §7): its code, and so its status, and
/// its description as the problem's detail. The HTTP edge maps every such error in one place.
public protocol ProblemCoded: Error, CustomStringConvertible {
    var problemCode: ProblemCode { get }
}

extension LifecycleRefusal: ProblemCoded {
    public var problemCode: ProblemCode { code }
}

extension DefinitionError: ProblemCoded {
    /// Every refused definition is `definition_invalid`; ``code`` says which rule it broke.
    public var problemCode: ProblemCode { .definitionInvalid }
}

extension RosterError: ProblemCoded {
    public var problemCode: ProblemCode { .rosterInvalid }
}
