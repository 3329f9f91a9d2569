import Foundation
import MinpingCore
import MinpingLog

/// What the service refuses, each with a stable identity; the HTTP layer maps every case to a
/// status and a problem `code` in one place.
public enum ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case definitionInvalid(String)
    case evaluationExists(String)
    case electorateExceeded(electorate: Int, wanted: Int)
    case codeInvalid
    case tokenInvalid(String)
    case tokenSpent
    case notOpen(EvaluationState)
    case ballotInvalid(String)
    case invalidTransition(from: EvaluationState, action: String)
    case appealsPending(Int)
    case publicityNotOver(until: Date)
    case resultsNotPublished
    case alreadyResolved(String)
    case appealInvalid(String)
    case malformed(String)

    public var description: String {
        switch self {
        case let .notFound(what): "\(what) not found"
        case let .definitionInvalid(reason): reason
        case let .evaluationExists(id): "evaluation '\(id)' already exists"
        case let .electorateExceeded(electorate, wanted): "\(wanted) slips and codes would exceed the electorate of \(electorate)"
        case .codeInvalid: "the enrollment code is unknown or already used"
        case let .tokenInvalid(reason): "the token is not valid for this evaluation: \(reason)"
        case .tokenSpent: "this token has already been used"
        case let .notOpen(state): "the evaluation is not open for voting (it is \(state.rawValue))"
        case let .ballotInvalid(reason): reason
        case let .invalidTransition(from, action): "cannot \(action) an evaluation that is \(from.rawValue)"
        case let .appealsPending(count): "\(count) appeal(s) are not resolved yet"
        case let .publicityNotOver(until): "the publicity period (公示期) lasts until \(LogTime.format(until))"
        case .resultsNotPublished: "results are published from the preliminary stage on; until then only turnout is public"
        case let .alreadyResolved(id): "appeal '\(id)' is already resolved"
        case let .appealInvalid(reason): reason
        case let .malformed(reason): reason
        }
    }
}
