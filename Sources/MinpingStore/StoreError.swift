import MinpingCore

/// Store failures with a testable identity; the service maps them to its errors.
public enum StoreError: Error, Equatable, Sendable {
    case evaluationExists(String)
    case notFound(String)
    case refused(LifecycleRefusal)
    case codeInvalid
    /// The log changed since the step was built; rebuild and retry.
    case logConflict
    case ballotsPending
    /// A batch with a used code cannot be voided (409 `batch_used`).
    case batchUsed(String)
    /// Stored data that fails to read back (SPEC §7 `integrity_error`).
    case integrity(String)
    /// The database cannot be reached (it stayed away through every retry); nothing was
    /// changed, or for a step lost at COMMIT, nobody can tell yet.
    case unavailable(String)

    /// The problem code of SPEC §7 this failure answers with, should it reach a caller as it is.
    public var code: ProblemCode {
        switch self {
        case .evaluationExists: .evaluationExists
        case .notFound: .notFound
        case let .refused(refusal): refusal.code
        case .codeInvalid: .codeInvalid
        case .logConflict, .ballotsPending: .busy
        case .batchUsed: .batchUsed
        case .integrity: .integrityError
        case .unavailable: .databaseUnavailable
        }
    }
}

extension StoreError: ProblemCoded {
    public var problemCode: ProblemCode { code }

    public var description: String {
        switch self {
        case let .evaluationExists(id): "evaluation '\(id)' already exists"
        case let .notFound(what): "not found: \(what)"
        case let .refused(refusal): refusal.description
        case .codeInvalid: "the code is not valid or was already used"
        case .logConflict: "the log kept changing under this step; try again"
        case .ballotsPending: "ballots are still being written; try again"
        case let .batchUsed(detail), let .integrity(detail), let .unavailable(detail): detail
        }
    }
}

/// A storage engine's own error that may mean the database cannot take writes for now (a
/// full disk, an I/O error, a file system gone read-only): then it is answered 503
/// `database_unavailable` with Retry-After, so the voting page retries, never 500. The
/// engine's message is what the log line names.
public protocol StorageFailure: Error {
    var meansUnavailable: Bool { get }
}
