import Foundation
import GRDB
import MinpingStore

// Accounts, the first run's setup code and the account activity list (SPEC §7).
extension SQLiteStore {
    public func accounts() async throws -> [AccountRecord] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM account ORDER BY user").map(Self.account) }
    }

    public func account(user: String) async throws -> AccountRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM account WHERE user = ?", arguments: [user]).map(Self.account) }
    }

    public func addAccount(_ account: AccountRecord) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO account (user, role, street, password_hash, disabled, failed_sign_ins, locked_until, session_epoch, created_at, last_sign_in_at, evaluation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user) DO NOTHING",
                           arguments: Self.arguments(account))
            return db.changesCount == 1
        }
    }

    public func updateAccount(_ account: AccountRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE account SET role = ?, street = ?, evaluation = ?, password_hash = ?, disabled = ?, failed_sign_ins = ?, locked_until = ?,
                    session_epoch = ?, created_at = ?, last_sign_in_at = ? WHERE user = ?
                """, arguments: [account.role.rawValue, account.street, account.evaluation, account.passwordHash, account.disabled, account.failedSignIns,
                                 account.lockedUntil?.timeIntervalSince1970, account.sessionEpoch, account.createdAt.timeIntervalSince1970,
                                 account.lastSignInAt?.timeIntervalSince1970, account.user])
            guard db.changesCount == 1 else { throw StoreError.notFound("account \(account.user)") }
        }
    }

    public func setSetupCode(hash: String?) async throws {
        try await pool.write { db in
            if let hash {
                try db.execute(sql: "INSERT OR REPLACE INTO setup_code (id, hash) VALUES (1, ?)", arguments: [hash])
            } else {
                try db.execute(sql: "DELETE FROM setup_code")
            }
        }
    }

    public func claimSetup(codeHash: String, operator account: AccountRecord) async throws -> Bool {
        try await pool.write { db in
            guard try String.fetchOne(db, sql: "SELECT hash FROM setup_code WHERE id = 1") == codeHash,
                  try Int.fetchOne(db, sql: "SELECT count(*) FROM account") == 0
            else { return false }
            try db.execute(sql: "INSERT INTO account (user, role, street, password_hash, disabled, failed_sign_ins, locked_until, session_epoch, created_at, last_sign_in_at, evaluation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           arguments: Self.arguments(account))
            try db.execute(sql: "DELETE FROM setup_code")
            return true
        }
    }

    public func addActivity(_ activity: ActivityRecord) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO account_activity (at, actor, action, user, detail) VALUES (?, ?, ?, ?, ?)",
                           arguments: [activity.at.timeIntervalSince1970, activity.actor, activity.action, activity.user, activity.detail])
        }
    }

    public func activity(limit: Int) async throws -> [ActivityRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM account_activity ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                ActivityRecord(at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"], action: row["action"],
                               user: row["user"], detail: row["detail"])
            }
        }
    }

    static func arguments(_ account: AccountRecord) -> StatementArguments {
        [account.user, account.role.rawValue, account.street, account.passwordHash, account.disabled, account.failedSignIns,
         account.lockedUntil?.timeIntervalSince1970, account.sessionEpoch, account.createdAt.timeIntervalSince1970,
         account.lastSignInAt?.timeIntervalSince1970, account.evaluation]
    }

    static func account(_ row: Row) throws -> AccountRecord {
        let roleName: String = row["role"]
        guard let role = Role(rawValue: roleName) else { throw StoreError.integrity("account \(row["user"] as String) has the unknown role '\(roleName)'") }
        return AccountRecord(user: row["user"], role: role, street: row["street"], passwordHash: row["password_hash"],
                             disabled: row["disabled"], failedSignIns: row["failed_sign_ins"],
                             lockedUntil: (row["locked_until"] as Double?).map(Date.init(timeIntervalSince1970:)),
                             sessionEpoch: row["session_epoch"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                             lastSignInAt: (row["last_sign_in_at"] as Double?).map(Date.init(timeIntervalSince1970:)), evaluation: row["evaluation"])
    }
}
