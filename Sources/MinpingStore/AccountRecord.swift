import Foundation

/// A person who signs in with a user name and password (SPEC §7 accounts). The password is
/// stored only as a bcrypt hash; `sessionEpoch` grows whenever every session of the account
/// must end at once (sign-out, disabling, a password reset), since sessions are signed cookies.
public struct AccountRecord: Sendable, Equatable {
    public var user: String
    public var role: Role
    /// nil for operators.
    public var street: String?
    /// A teller's one evaluation (nil for every other role).
    public var evaluation: String?
    public var passwordHash: String
    public var disabled: Bool
    /// Failed sign-ins since the last success; ten lock the account.
    public var failedSignIns: Int
    public var lockedUntil: Date?
    public var sessionEpoch: Int
    public var createdAt: Date
    public var lastSignInAt: Date?

    public init(user: String, role: Role, street: String?, passwordHash: String, disabled: Bool = false, failedSignIns: Int = 0,
                lockedUntil: Date? = nil, sessionEpoch: Int = 0, createdAt: Date, lastSignInAt: Date? = nil, evaluation: String? = nil) {
        self.evaluation = evaluation
        self.user = user
        self.role = role
        self.street = street
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.failedSignIns = failedSignIns
        self.lockedUntil = lockedUntil
        self.sessionEpoch = sessionEpoch
        self.createdAt = createdAt
        self.lastSignInAt = lastSignInAt
    }
}

/// One change to the accounts, for the operator's activity list: who did what to whom, when.
/// Never in an evaluation's audit log, which holds no identities.
public struct ActivityRecord: Sendable, Equatable {
    public var at: Date
    /// The account (or `setup`) that made the change.
    public var actor: String
    public var action: String
    /// The account changed.
    public var user: String
    public var detail: String

    public init(at: Date, actor: String, action: String, user: String, detail: String = "") {
        self.at = at
        self.actor = actor
        self.action = action
        self.user = user
        self.detail = detail
    }
}
