import Crypto
import Foundation
import HummingbirdBcrypt
import Metrics
import MinpingCore
import MinpingKeys
import MinpingLog
import MinpingStore
import MinpingTokens
import NIOPosix

/// A signed-in person: the account as it stands and the session's CSRF token (SPEC §7).
public struct SignedIn: Sendable {
    public let account: AccountRecord
    /// What a state-changing request must carry in `X-CSRF-Token`.
    public let csrfToken: String
    /// The cookie's value renewed (its idle clock restarted), when it should be sent again.
    public let renewedCookie: String?
}

/// Accounts (SPEC §7): people sign in with a user name and password (bcrypt) and carry a
/// session as a signed cookie. The cookie holds the user, the account's session epoch, the time
/// of its last use and a random nonce, under an HMAC whose key is derived from the key file, so
/// every instance with the same key file accepts it and none stores it. Disabling an account,
/// resetting its password or signing out bumps the epoch: every session of it ends at once.
extension EvaluationService {
    /// Ten failed sign-ins lock the account for fifteen minutes.
    static let lockAfter = 10
    static let lockFor: TimeInterval = 15 * 60
    /// bcrypt's cost: 2^10 rounds, a few tens of milliseconds here.
    static let bcryptCost: UInt8 = 10
    /// A cookie is renewed when its last use is older than this, so not every response sets one.
    static let renewAfter: TimeInterval = 60

    // MARK: Signing in

    /// Checks the password; a wrong user name and a wrong password get the same refusal, after
    /// the same bcrypt work. Returns the session's cookie value and CSRF token.
    public nonisolated func signIn(user: String, password: String) async throws -> (SignedIn, cookie: String) {
        let at = now()
        guard var account = try await store.account(user: user) else {
            _ = try await Self.bcrypt { Bcrypt.verify(password, hash: Self.decoyHash) }
            ServiceMetrics.signInFailed()
            throw ServiceError.signInFailed
        }
        if let until = account.lockedUntil, until > at { throw ServiceError.accountLocked(until: until) }
        let storedHash = account.passwordHash
        let matches = try await Self.bcrypt { Bcrypt.verify(password, hash: storedHash) }
        guard matches, !account.disabled else {
            ServiceMetrics.signInFailed()
            if matches { throw ServiceError.signInFailed }  // disabled: said as a failure, not counted
            account.failedSignIns += 1
            if account.failedSignIns >= Self.lockAfter {
                account.failedSignIns = 0
                account.lockedUntil = at.addingTimeInterval(Self.lockFor)
                ServiceMetrics.accountLocked()
                logger.notice("account locked after failed sign-ins", metadata: ["user": "\(user)"])
                try await store.updateAccount(account)
                throw ServiceError.accountLocked(until: at.addingTimeInterval(Self.lockFor))
            }
            try await store.updateAccount(account)
            throw ServiceError.signInFailed
        }
        account.failedSignIns = 0
        account.lockedUntil = nil
        account.lastSignInAt = at
        try await store.updateAccount(account)
        let nonce = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        let cookie = sessionCookie(user: account.user, epoch: account.sessionEpoch, lastUse: at, nonce: nonce)
        return (SignedIn(account: account, csrfToken: csrfToken(nonce), renewedCookie: nil), cookie)
    }

    /// The session a cookie carries, if it is ours, its account is enabled, its epoch current
    /// and it was used within `idle`; nil otherwise (the request goes on as the public's).
    public nonisolated func session(cookie: String, idle: TimeInterval) async throws -> SignedIn? {
        guard let claims = readSessionCookie(cookie) else { return nil }
        let at = now()
        guard at.timeIntervalSince(claims.lastUse) <= idle, claims.lastUse <= at.addingTimeInterval(60),
              let account = try await store.account(user: claims.user),
              !account.disabled, account.sessionEpoch == claims.epoch
        else { return nil }
        let renewed = at.timeIntervalSince(claims.lastUse) > Self.renewAfter
            ? sessionCookie(user: account.user, epoch: account.sessionEpoch, lastUse: at, nonce: claims.nonce) : nil
        return SignedIn(account: account, csrfToken: csrfToken(claims.nonce), renewedCookie: renewed)
    }

    /// Ends every session of the account (its cookies stop working on every instance).
    public nonisolated func signOut(user: String) async throws {
        guard var account = try await store.account(user: user) else { return }
        account.sessionEpoch += 1
        try await store.updateAccount(account)
    }

    // MARK: The first run

    /// With no account yet: a new one-time setup code (its hash stored, replacing any earlier
    /// one), to print as `/setup#<code>`. nil once an account exists.
    public nonisolated func prepareSetup() async throws -> String? {
        guard try await store.accounts().isEmpty else {
            try await store.setSetupCode(hash: nil)
            return nil
        }
        let code = Data((0..<18).map { _ in UInt8.random(in: 0...255) }).base64URLEncodedString
        try await store.setSetupCode(hash: Self.hash(code))
        return code
    }

    /// Creates the operator account with the setup code; the code then stops working.
    public nonisolated func setUp(code: String, user: String, password: String) async throws -> AccountRecord {
        try Self.checkUserName(user)
        try Self.checkPassword(password)
        let hash = try await Self.passwordHash(password)
        let account = AccountRecord(user: user, role: .operator, street: nil, passwordHash: hash, createdAt: now())
        guard try await store.claimSetup(codeHash: Self.hash(code), operator: account) else {
            throw ServiceError.forbidden("this setup link was used already or is not the current one; an operator account exists or the server printed a newer link")
        }
        try await store.addActivity(ActivityRecord(at: account.createdAt, actor: "setup", action: "created", user: user, detail: "operator"))
        logger.notice("operator account created with the setup link", metadata: ["user": "\(user)"])
        return account
    }

    // MARK: The operator's accounts

    public nonisolated func accountList() async throws -> [AccountRecord] {
        try await store.accounts()
    }

    public nonisolated func accountActivity(limit: Int = 200) async throws -> [ActivityRecord] {
        try await store.activity(limit: limit)
    }

    /// A new account for a street (admin or reviewer) or another operator. Returns its
    /// temporary password, shown once.
    /// - Parameter evaluation: a teller's one evaluation (计票人, SPEC §4); its street is the
    ///   account's. Only for tellers.
    public nonisolated func createAccount(by actor: String, user: String, role: Role, street: String?, evaluation: String? = nil) async throws -> String {
        var street = street
        if role == .teller {
            guard let evaluation, DefinitionParser.isSlug(evaluation) else {
                throw ServiceError.malformed("a teller account counts one evaluation: give its id as evaluation")
            }
            guard let record = try await store.evaluation(id: evaluation) else { throw ServiceError.malformed("evaluation: no evaluation '\(evaluation)'") }
            if let street, street != record.street {
                throw ServiceError.malformed("evaluation '\(evaluation)' belongs to street '\(record.street)', not '\(street)'")
            }
            street = record.street
        } else if evaluation != nil {
            throw ServiceError.malformed("evaluation is for teller accounts only")
        }
        try Self.checkUserName(user)
        if let street, !DefinitionParser.isSlug(street) {
            throw ServiceError.malformed("a street is a slug [a-z0-9-]{1,64}, got '\(street)'")
        }
        if role != .operator, street == nil {
            throw ServiceError.malformed("\(role.withArticle) account needs a street slug [a-z0-9-]{1,64}")
        }
        let password = Self.temporaryPassword()
        let hash = try await Self.passwordHash(password)
        let account = AccountRecord(user: user, role: role, street: role == .operator ? nil : street, passwordHash: hash, createdAt: now(),
                                    evaluation: role == .teller ? evaluation : nil)
        guard try await store.addAccount(account) else { throw ServiceError.forbidden("an account named '\(user)' exists already") }
        try await store.addActivity(ActivityRecord(at: account.createdAt, actor: actor, action: "created", user: user,
                                                   detail: [role.rawValue, account.street, account.evaluation].compactMap { $0 }.joined(separator: " ")))
        return password
    }

    /// Disables an account: its sessions end at once and it cannot sign in.
    public nonisolated func disableAccount(by actor: String, user: String) async throws -> AccountRecord {
        guard actor != user else { throw ServiceError.forbidden("an operator cannot disable their own account") }
        guard var account = try await store.account(user: user) else { throw ServiceError.notFound("account '\(user)'") }
        account.disabled = true
        account.sessionEpoch += 1
        try await store.updateAccount(account)
        try await store.addActivity(ActivityRecord(at: now(), actor: actor, action: "disabled", user: user))
        return account
    }

    /// A new temporary password, shown once; the account's sessions end and a lock is lifted.
    public nonisolated func resetPassword(by actor: String, user: String) async throws -> (account: AccountRecord, password: String) {
        guard var account = try await store.account(user: user) else { throw ServiceError.notFound("account '\(user)'") }
        let password = Self.temporaryPassword()
        account.passwordHash = try await Self.passwordHash(password)
        account.sessionEpoch += 1
        account.failedSignIns = 0
        account.lockedUntil = nil
        try await store.updateAccount(account)
        try await store.addActivity(ActivityRecord(at: now(), actor: actor, action: "password_reset", user: user))
        return (account, password)
    }

    // MARK: Rules and helpers

    /// A user name: 1 to 64 Latin letters, digits, `.`, `_` or `-` (pinyin, as office systems
    /// use), so it is typed the same on every keyboard and never looks like another.
    static func checkUserName(_ user: String) throws(ServiceError) {
        guard (1...64).contains(user.unicodeScalars.count),
              user.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) })
        else { throw .malformed("a user name is 1 to 64 Latin letters, digits, '.', '_' or '-' (e.g. chengqu-wang)") }
    }

    static func checkPassword(_ password: String) throws(ServiceError) {
        // Counted in Unicode scalars, as openapi.yaml's minLength counts.
        guard password.unicodeScalars.count >= 8 else { throw .malformed("a password has at least 8 characters") }
        // bcrypt reads only the first 72 bytes: a longer password would be silently cut.
        guard password.utf8.count <= 72 else { throw .malformed("a password has at most 72 bytes (24 Chinese characters)") }
    }

    /// Twelve characters without look-alikes (no 0/O, 1/l/I), to read off a screen.
    static func temporaryPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")
        return String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    static func passwordHash(_ password: String) async throws -> String {
        try await bcrypt { Bcrypt.hash(password, cost: bcryptCost) }
    }

    /// bcrypt is slow on purpose: run it off the server's event loops.
    static func bcrypt<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// A hash to verify against when the user does not exist, so that takes as long.
    static let decoyHash = Bcrypt.hash("minping decoy password", cost: bcryptCost)

    private struct SessionClaims {
        let user: String, epoch: Int, lastUse: Date, nonce: Data
    }

    private nonisolated var sessionKey: SymmetricKey { keys.derivedKey(purpose: "minping session cookie") }

    private nonisolated func sessionCookie(user: String, epoch: Int, lastUse: Date, nonce: Data) -> String {
        let payload = Data("\(user)\n\(epoch)\n\(Int(lastUse.timeIntervalSince1970))\n\(nonce.hex)".utf8)
        let mac = Data(HMAC<SHA256>.authenticationCode(for: payload, using: sessionKey))
        return payload.base64URLEncodedString + "." + mac.base64URLEncodedString
    }

    private nonisolated func readSessionCookie(_ cookie: String) -> SessionClaims? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Data(base64URLEncoded: String(parts[0])), let mac = Data(base64URLEncoded: String(parts[1])),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: sessionKey),
              let text = String(data: payload, encoding: .utf8)
        else { return nil }
        let fields = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, let epoch = Int(fields[1]), let seconds = Int(fields[2]), let nonce = Data(hex: fields[3]), nonce.count == 16
        else { return nil }
        return SessionClaims(user: fields[0], epoch: epoch, lastUse: Date(timeIntervalSince1970: TimeInterval(seconds)), nonce: nonce)
    }

    private nonisolated func csrfToken(_ nonce: Data) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("csrf".utf8) + nonce, using: sessionKey)).base64URLEncodedString
    }
}

extension ServiceMetrics {
    static func signInFailed() {
        Counter(label: "minping_sign_in_failures_total").increment()
    }

    static func accountLocked() {
        Counter(label: "minping_account_locks_total").increment()
    }
}
