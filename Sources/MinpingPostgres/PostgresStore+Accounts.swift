import Foundation
import Logging
import MinpingStore
import PostgresNIO

// Accounts, the first run's setup code and the account activity list (SPEC §7).
extension PostgresStore {
    public func accounts() async throws -> [AccountRecord] {
        try await rows(#"SELECT "user", role, street, password_hash, disabled, failed_sign_ins, locked_until, session_epoch, created_at, last_sign_in_at, evaluation FROM account ORDER BY "user""#)
            .map(Self.account)
    }

    public func account(user: String) async throws -> AccountRecord? {
        try await rows("""
            SELECT "user", role, street, password_hash, disabled, failed_sign_ins, locked_until, session_epoch, created_at, last_sign_in_at, evaluation
            FROM account WHERE "user" = \(user)
            """).first.map(Self.account)
    }

    public func addAccount(_ account: AccountRecord) async throws -> Bool {
        try await write { connection in
            try await Self.insert(account, connection, logger, onConflictDoNothing: true)
        }
    }

    public func updateAccount(_ account: AccountRecord) async throws {
        let updated = try await write { connection in
            try await connection.query("""
                UPDATE account SET role = \(account.role.rawValue), street = \(account.street), evaluation = \(account.evaluation),
                    password_hash = \(account.passwordHash),
                    disabled = \(account.disabled), failed_sign_ins = \(account.failedSignIns),
                    locked_until = \(account.lockedUntil?.timeIntervalSince1970), session_epoch = \(account.sessionEpoch),
                    last_sign_in_at = \(account.lastSignInAt?.timeIntervalSince1970)
                WHERE "user" = \(account.user) RETURNING 1
                """, logger: logger).collect().count
        }
        guard updated == 1 else { throw StoreError.notFound("account \(account.user)") }
    }

    public func setSetupCode(hash: String?) async throws {
        _ = try await write { connection in
            if let hash {
                try await connection.query("""
                    INSERT INTO setup_code (id, hash) VALUES (1, \(hash)) ON CONFLICT (id) DO UPDATE SET hash = excluded.hash
                    """, logger: logger)
            } else {
                try await connection.query("DELETE FROM setup_code", logger: logger)
            }
        }
    }

    public func claimSetup(codeHash: String, operator account: AccountRecord) async throws -> Bool {
        try await write { connection in
            // The code's row locked: two claims at once cannot both find it.
            let stored = try await connection.query("SELECT hash FROM setup_code WHERE id = 1 FOR UPDATE", logger: logger)
                .decode(String.self).first(where: { _ in true })
            let existing = try await connection.query("SELECT count(*) FROM account", logger: logger)
                .decode(Int.self).first(where: { _ in true }) ?? 0
            guard stored == codeHash, existing == 0 else { return false }
            guard try await Self.insert(account, connection, logger, onConflictDoNothing: true) else { return false }
            try await connection.query("DELETE FROM setup_code", logger: logger)
            return true
        }
    }

    public func addActivity(_ activity: ActivityRecord) async throws {
        _ = try await write { connection in
            try await connection.query("""
                INSERT INTO account_activity (at, actor, action, "user", detail)
                VALUES (\(activity.at.timeIntervalSince1970), \(activity.actor), \(activity.action), \(activity.user), \(activity.detail))
                """, logger: logger)
        }
    }

    public func activity(limit: Int) async throws -> [ActivityRecord] {
        try await rows(#"SELECT at, actor, action, "user", detail FROM account_activity ORDER BY id DESC LIMIT \#(limit)"#).map { row in
            let (at, actor, action, user, detail) = try row.decode((Double, String, String, String, String).self)
            return ActivityRecord(at: Date(timeIntervalSince1970: at), actor: actor, action: action, user: user, detail: detail)
        }
    }

    static func insert(_ account: AccountRecord, _ connection: Session, _ logger: Logger, onConflictDoNothing: Bool) async throws -> Bool {
        let inserted = try await connection.query("""
            INSERT INTO account ("user", role, street, password_hash, disabled, failed_sign_ins, locked_until, session_epoch, created_at, last_sign_in_at,
                                 evaluation)
            VALUES (\(account.user), \(account.role.rawValue), \(account.street), \(account.passwordHash), \(account.disabled),
                    \(account.failedSignIns), \(account.lockedUntil?.timeIntervalSince1970), \(account.sessionEpoch),
                    \(account.createdAt.timeIntervalSince1970), \(account.lastSignInAt?.timeIntervalSince1970), \(account.evaluation))
            ON CONFLICT ("user") DO NOTHING RETURNING 1
            """, logger: logger).collect()
        return inserted.count == 1
    }

    static func account(_ row: PostgresRow) throws -> AccountRecord {
        let (user, roleName, street, hash, disabled, failed, locked, epoch, created, lastSignIn, evaluation) =
            try row.decode((String, String, String?, String, Bool, Int, Double?, Int, Double, Double?, String?).self)
        guard let role = Role(rawValue: roleName) else { throw StoreError.integrity("account \(user) has the unknown role '\(roleName)'") }
        return AccountRecord(user: user, role: role, street: street, passwordHash: hash, disabled: disabled, failedSignIns: failed,
                             lockedUntil: locked.map(Date.init(timeIntervalSince1970:)), sessionEpoch: epoch,
                             createdAt: Date(timeIntervalSince1970: created), lastSignInAt: lastSignIn.map(Date.init(timeIntervalSince1970:)),
                             evaluation: evaluation)
    }
}
