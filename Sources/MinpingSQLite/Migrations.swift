import Foundation
import GRDB
import MinpingKeys
import MinpingStore

extension SQLiteStore {
    /// Migrations are never edited once shipped; a change is a new migration. They use plain
    /// SQL, not app types, so later code changes cannot alter what an old migration did.
    /// `keys` seals what v1 kept in the clear.
    static func migrator(keys: KeyEncryptionKey) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE api_key (
                    hash TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    street TEXT,
                    created_at REAL NOT NULL
                );
                CREATE TABLE log_key (
                    street TEXT PRIMARY KEY,
                    seed BLOB NOT NULL
                );
                CREATE TABLE evaluation (
                    id TEXT PRIMARY KEY,
                    street TEXT NOT NULL,
                    definition BLOB NOT NULL,
                    token_key_pem TEXT NOT NULL,
                    state TEXT NOT NULL,
                    slips INTEGER NOT NULL,
                    codes INTEGER NOT NULL,
                    issued INTEGER NOT NULL,
                    ballots INTEGER NOT NULL,
                    electorate INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    preliminary_at REAL
                );
                CREATE TABLE enrollment_code (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    hash TEXT NOT NULL,
                    used INTEGER NOT NULL,
                    PRIMARY KEY (evaluation, hash)
                ) WITHOUT ROWID;
                -- Keyed by the token's random nonce and without a rowid, so neither the table
                -- nor its order says when a ballot came.
                CREATE TABLE ballot (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    nonce BLOB NOT NULL,
                    token TEXT NOT NULL,
                    ratings TEXT NOT NULL,
                    tracker TEXT NOT NULL,
                    seq INTEGER,
                    PRIMARY KEY (evaluation, nonce)
                ) WITHOUT ROWID;
                CREATE INDEX ballot_by_tracker ON ballot (evaluation, tracker);
                CREATE INDEX ballot_pending ON ballot (evaluation) WHERE seq IS NULL;
                CREATE TABLE log_entry (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    seq INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    leaf_hash BLOB NOT NULL,
                    PRIMARY KEY (evaluation, seq)
                ) WITHOUT ROWID;
                CREATE TABLE checkpoint (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    size INTEGER NOT NULL,
                    note TEXT NOT NULL,
                    PRIMARY KEY (evaluation, size)
                ) WITHOUT ROWID;
                CREATE TABLE appeal (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    id TEXT NOT NULL,
                    subject TEXT,
                    text TEXT NOT NULL,
                    filed_at REAL NOT NULL,
                    outcome TEXT,
                    note TEXT,
                    PRIMARY KEY (evaluation, id)
                );
                """)
        }
        // v2: signing keys sealed under the key-encryption key (SPEC §4, keys at rest), and
        // the publicity period beside the state it governs.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE evaluation ADD COLUMN publicity_days INTEGER NOT NULL DEFAULT 5;
                UPDATE evaluation SET publicity_days = coalesce(json_extract(CAST(definition AS TEXT), '$.publicity_days'), 5);
                ALTER TABLE evaluation ADD COLUMN token_key_sealed BLOB;
                ALTER TABLE log_key ADD COLUMN seed_sealed BLOB;
                """)
            for row in try Row.fetchAll(db, sql: "SELECT id, token_key_pem FROM evaluation") {
                let id: String = row["id"]
                let pem: String = row["token_key_pem"]
                try db.execute(sql: "UPDATE evaluation SET token_key_sealed = ? WHERE id = ?",
                               arguments: [try keys.seal(Data(pem.utf8), purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: id)), id])
            }
            for row in try Row.fetchAll(db, sql: "SELECT street, seed FROM log_key") {
                let street: String = row["street"]
                let seed: Data = row["seed"]
                try db.execute(sql: "UPDATE log_key SET seed_sealed = ? WHERE street = ?",
                               arguments: [try keys.seal(seed, purpose: KeyEncryptionKey.logKeyPurpose(street: street)), street])
            }
            try db.execute(sql: """
                ALTER TABLE evaluation DROP COLUMN token_key_pem;
                ALTER TABLE log_key DROP COLUMN seed;
                -- One row: a value sealed under the database's key-encryption key, written at
                -- the first start, so the database is bound to its key file before it holds
                -- any signing key, and a wrong key file is refused at once.
                CREATE TABLE key_check (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    sealed BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3") { db in
            // A used code keeps the answer it got (SPEC §4): the same request sent
            // again after a lost answer gets the same TokenResponse.
            try db.execute(sql: """
                ALTER TABLE enrollment_code ADD COLUMN request TEXT;
                ALTER TABLE enrollment_code ADD COLUMN response BLOB;
                """)
        }
        migrator.registerMigration("v4") { db in
            // Ballots and log entries move to rowid tables. A row of either is about
            // 1.5 KB (token and 40 ratings); a WITHOUT ROWID table keeps at most about 1 KB of a
            // row in its 4 KB page and spilled the rest of every row to an overflow page, so
            // integration's UPDATE of `seq` rewrote a leaf, an overflow page and the freelist
            // per ballot. A rowid table holds such a row in its page.
            // The ballot rowid never keeps casting order: rows copied here are numbered in
            // nonce order (random), and new ones get a random rowid (spendTokensAndStoreBallots).
            try db.execute(sql: """
                CREATE TABLE ballot_v4 (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    nonce BLOB NOT NULL,
                    token TEXT NOT NULL,
                    ratings TEXT NOT NULL,
                    tracker TEXT NOT NULL,
                    seq INTEGER,
                    PRIMARY KEY (evaluation, nonce)
                );
                INSERT INTO ballot_v4 (evaluation, nonce, token, ratings, tracker, seq)
                    SELECT evaluation, nonce, token, ratings, tracker, seq FROM ballot ORDER BY evaluation, nonce;
                DROP TABLE ballot;
                ALTER TABLE ballot_v4 RENAME TO ballot;
                CREATE INDEX ballot_by_tracker ON ballot (evaluation, tracker);
                CREATE INDEX ballot_pending ON ballot (evaluation) WHERE seq IS NULL;
                CREATE TABLE log_entry_v4 (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    seq INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    leaf_hash BLOB NOT NULL,
                    PRIMARY KEY (evaluation, seq)
                );
                INSERT INTO log_entry_v4 (evaluation, seq, type, bytes, leaf_hash)
                    SELECT evaluation, seq, type, bytes, leaf_hash FROM log_entry ORDER BY evaluation, seq;
                DROP TABLE log_entry;
                ALTER TABLE log_entry_v4 RENAME TO log_entry;
                """)
        }
        migrator.registerMigration("v5") { db in
            // A ballot's row is written once, when it is cast, and never updated:
            // setting its log position in the row rewrote one more random page per ballot at
            // integration. Ballots not yet in the log are listed by nonce in a small table that
            // integration empties; where a logged ballot stands is kept by tracker, for receipts.
            // Both are keyed by random values (nonce, tracker), so neither keeps casting order.
            try db.execute(sql: """
                CREATE TABLE pending_ballot (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    nonce BLOB NOT NULL,
                    tracker TEXT NOT NULL,
                    PRIMARY KEY (evaluation, nonce)
                ) WITHOUT ROWID;
                CREATE TABLE ballot_position (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    tracker TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (evaluation, tracker)
                ) WITHOUT ROWID;
                INSERT INTO pending_ballot (evaluation, nonce, tracker)
                    SELECT evaluation, nonce, tracker FROM ballot WHERE seq IS NULL ORDER BY evaluation, nonce;
                INSERT INTO ballot_position (evaluation, tracker, seq)
                    SELECT evaluation, tracker, seq FROM ballot WHERE seq IS NOT NULL ORDER BY evaluation, tracker;
                DROP INDEX ballot_pending;
                DROP INDEX ballot_by_tracker;
                ALTER TABLE ballot DROP COLUMN seq;
                """)
        }
        migrator.registerMigration("v6") { db in
            // Remedies (SPEC §6): the current round and whether results await republication;
            // each supplementary round's sealed issuing key and its subjects.
            try db.execute(sql: """
                ALTER TABLE evaluation ADD COLUMN round INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE evaluation ADD COLUMN republication_due INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE round_key (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    round INTEGER NOT NULL,
                    sealed BLOB NOT NULL,
                    subjects TEXT NOT NULL,
                    PRIMARY KEY (evaluation, round)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v7") { db in
            // Streets' display names (SPEC §8 `minping streets`): pages show 城区街道, not chengqu.
            try db.execute(sql: "CREATE TABLE street (slug TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID")
        }
        migrator.registerMigration("v8") { db in
            // Slip batches (SPEC §4): every issuance, and which batch each code belongs to, so
            // that a lost batch of code slips can be voided and reprinted.
            try db.execute(sql: """
                CREATE TABLE slip_batch (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    voided INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (evaluation, id)
                ) WITHOUT ROWID;
                ALTER TABLE enrollment_code ADD COLUMN batch TEXT;
                """)
        }
        migrator.registerMigration("v9") { db in
            // Accounts (SPEC §7): people who sign in with a password, the first run's one-time
            // setup code (hashed), and the operator's list of account changes.
            try db.execute(sql: """
                CREATE TABLE account (
                    user TEXT PRIMARY KEY,
                    role TEXT NOT NULL,
                    street TEXT,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
                    locked_until REAL,
                    session_epoch INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    last_sign_in_at REAL
                ) WITHOUT ROWID;
                CREATE TABLE setup_code (id INTEGER PRIMARY KEY CHECK (id = 1), hash TEXT NOT NULL);
                CREATE TABLE account_activity (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    user TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v10") { db in
            // Tellers (计票人) act on one evaluation; paper forms keyed by two tellers wait here
            // under their 表号 until they are cast (SPEC §4): the first entry, and a second one
            // that differs, for the scrutineer.
            try db.execute(sql: """
                ALTER TABLE api_key ADD COLUMN evaluation TEXT;
                ALTER TABLE account ADD COLUMN evaluation TEXT;
                CREATE TABLE count_entry (
                    evaluation TEXT NOT NULL REFERENCES evaluation(id),
                    form TEXT NOT NULL,
                    token TEXT NOT NULL,
                    ratings TEXT NOT NULL,
                    teller TEXT NOT NULL,
                    second_ratings TEXT,
                    second_teller TEXT,
                    PRIMARY KEY (evaluation, form)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
