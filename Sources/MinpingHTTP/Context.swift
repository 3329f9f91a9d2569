import Foundation
import Hummingbird
import MinpingService
import MinpingStore

/// The request context: the caller's API key, once the auth middleware has read it.
public struct MinpingContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil for the public. A signed-in person acts through a key record made from their
    /// account (role and street), so every route checks one thing.
    public var key: APIKeyRecord?
    /// The session, when the caller signed in with a password (a cookie) rather than a key.
    public var session: SignedIn?

    public init(source: Source) {
        coreContext = .init(source: source)
        key = nil
        session = nil
    }

    /// Definitions are the largest bodies; ballots are limited separately.
    public var maxUploadSize: Int { 1 << 20 }
}

/// Who may call a route.
enum Access {
    case admin, reviewer, adminOrReviewer
    /// Only an operator (every street): naming streets.
    case `operator`
    /// The tellers' desk: an admin, or a teller (of one evaluation, checked by the route).
    case counter

    func allows(_ role: Role) -> Bool {
        switch (self, role) {
        case (_, .operator): true
        case (.operator, _): false
        case (.admin, .admin), (.reviewer, .reviewer), (.adminOrReviewer, .admin), (.adminOrReviewer, .reviewer): true
        case (.counter, .admin), (.counter, .teller): true
        default: false
        }
    }
}

extension MinpingContext {
    /// 401 without a key; 403 if the key's role may not, or if it belongs to another street.
    func require(_ access: Access, street: String) throws -> APIKeyRecord {
        let key = try require(access)
        guard key.role == .operator || key.street == street else {
            throw Problem(.forbidden, "this key acts for another street")
        }
        return key
    }

    /// The caller's key, if its role allows `access` on some street: checked before reading a
    /// body that names the street.
    @discardableResult
    func require(_ access: Access) throws -> APIKeyRecord {
        guard let key else { throw Problem(.unauthenticated, "this needs an API key: Authorization: Bearer <key>") }
        guard access.allows(key.role) else { throw Problem(.forbidden, "\(key.role.withArticle) key may not do this") }
        return key
    }
}
