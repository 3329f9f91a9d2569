import Logging
import PostgresNIO

extension PostgresStore {
    /// Numbered migrations, never edited once shipped; a change is a new one. Plain SQL, so
    /// later code cannot alter what an old migration did. The schema is SQLite's as of its v2
    /// (sealed keys, the publicity period, the key check), in PostgreSQL's types.
    static let migrations: [(version: Int, sql: [PostgresQuery])] = [
        (1, [
            """
            CREATE TABLE api_key (
                hash text PRIMARY KEY,
                role text NOT NULL,
                street text,
                created_at double precision NOT NULL
            )
            """,
            """
            CREATE TABLE log_key (
                street text PRIMARY KEY,
                seed_sealed bytea NOT NULL
            )
            """,
            """
            CREATE TABLE evaluation (
                id text PRIMARY KEY,
                street text NOT NULL,
                definition bytea NOT NULL,
                token_key_sealed bytea NOT NULL,
                state text NOT NULL,
                slips bigint NOT NULL,
                codes bigint NOT NULL,
                issued bigint NOT NULL,
                ballots bigint NOT NULL,
                electorate bigint NOT NULL,
                publicity_days bigint NOT NULL,
                created_at double precision NOT NULL,
                preliminary_at double precision
            )
            """,
            """
            CREATE TABLE enrollment_code (
                evaluation text NOT NULL REFERENCES evaluation(id),
                hash text NOT NULL,
                used boolean NOT NULL,
                PRIMARY KEY (evaluation, hash)
            )
            """,
            // Keyed by the token's random nonce; no serial column or time says when a ballot came.
            """
            CREATE TABLE ballot (
                evaluation text NOT NULL REFERENCES evaluation(id),
                nonce bytea NOT NULL,
                token text NOT NULL,
                ratings text NOT NULL,
                tracker text NOT NULL,
                seq bigint,
                PRIMARY KEY (evaluation, nonce)
            )
            """,
            "CREATE INDEX ballot_by_tracker ON ballot (evaluation, tracker)",
            "CREATE INDEX ballot_pending ON ballot (evaluation) WHERE seq IS NULL",
            """
            CREATE TABLE log_entry (
                evaluation text NOT NULL REFERENCES evaluation(id),
                seq bigint NOT NULL,
                type text NOT NULL,
                bytes bytea NOT NULL,
                leaf_hash bytea NOT NULL,
                PRIMARY KEY (evaluation, seq)
            )
            """,
            """
            CREATE TABLE checkpoint (
                evaluation text NOT NULL REFERENCES evaluation(id),
                size bigint NOT NULL,
                note text NOT NULL,
                PRIMARY KEY (evaluation, size)
            )
            """,
            """
            CREATE TABLE appeal (
                evaluation text NOT NULL REFERENCES evaluation(id),
                id text NOT NULL,
                subject text,
                text text NOT NULL,
                filed_at double precision NOT NULL,
                outcome text,
                note text,
                PRIMARY KEY (evaluation, id)
            )
            """,
            // One row: a value sealed under the key-encryption key, written at the first start.
            """
            CREATE TABLE key_check (
                id integer PRIMARY KEY CHECK (id = 1),
                sealed bytea NOT NULL
            )
            """,
        ]),
        // A used code keeps the answer it got: the same request sent again gets it again.
        (2, [
            "ALTER TABLE enrollment_code ADD COLUMN request text, ADD COLUMN response bytea",
        ]),
        // Remedies (SPEC §6): the current round, results awaiting republication, and each
        // supplementary round's sealed issuing key with its subjects.
        (3, [
            "ALTER TABLE evaluation ADD COLUMN round integer NOT NULL DEFAULT 1, ADD COLUMN republication_due boolean NOT NULL DEFAULT false",
            """
            CREATE TABLE round_key (
                evaluation text NOT NULL REFERENCES evaluation(id),
                round integer NOT NULL,
                sealed bytea NOT NULL,
                subjects text NOT NULL,
                PRIMARY KEY (evaluation, round)
            )
            """,
        ]),
        // Streets' display names (SPEC §8 `minping streets`).
        (4, [
            "CREATE TABLE street (slug text PRIMARY KEY, name text NOT NULL)",
        ]),
        // Slip batches (SPEC §4): every issuance, and which batch each code belongs to.
        (5, [
            """
            CREATE TABLE slip_batch (
                evaluation text NOT NULL REFERENCES evaluation(id),
                id text NOT NULL,
                kind text NOT NULL,
                count integer NOT NULL,
                created_at double precision NOT NULL,
                voided boolean NOT NULL DEFAULT false,
                PRIMARY KEY (evaluation, id)
            )
            """,
            "ALTER TABLE enrollment_code ADD COLUMN batch text",
        ]),
        // Accounts (SPEC §7): people who sign in with a password, the first run's one-time
        // setup code (hashed), and the operator's list of account changes.
        (6, [
            """
            CREATE TABLE account (
                "user" text PRIMARY KEY,
                role text NOT NULL,
                street text,
                password_hash text NOT NULL,
                disabled boolean NOT NULL DEFAULT false,
                failed_sign_ins integer NOT NULL DEFAULT 0,
                locked_until double precision,
                session_epoch integer NOT NULL DEFAULT 0,
                created_at double precision NOT NULL,
                last_sign_in_at double precision
            )
            """,
            "CREATE TABLE setup_code (id integer PRIMARY KEY CHECK (id = 1), hash text NOT NULL)",
            """
            CREATE TABLE account_activity (
                id bigserial PRIMARY KEY,
                at double precision NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                "user" text NOT NULL,
                detail text NOT NULL
            )
            """,
        ]),
        // Tellers act on one evaluation; paper forms keyed by two tellers wait under their 表号.
        (7, [
            "ALTER TABLE api_key ADD COLUMN evaluation text",
            "ALTER TABLE account ADD COLUMN evaluation text",
            """
            CREATE TABLE count_entry (
                evaluation text NOT NULL REFERENCES evaluation(id),
                form text NOT NULL,
                token text NOT NULL,
                ratings text NOT NULL,
                teller text NOT NULL,
                second_ratings text,
                second_teller text,
                PRIMARY KEY (evaluation, form)
            )
            """,
        ]),
        // Ballots counted without a hot row (issue 35): a ballot transaction adds its count to one
        // of a few rows per evaluation, chosen at random, and takes only a key-share lock on the
        // evaluation; a lifecycle step (which locks the evaluation exclusively) folds the rows
        // into evaluation.ballots.
        (8, [
            """
            CREATE TABLE ballot_tally (
                evaluation text NOT NULL,
                shard integer NOT NULL,
                ballots bigint NOT NULL,
                PRIMARY KEY (evaluation, shard)
            )
            """,
        ]),
    ]

    /// Applies the migrations not yet applied, each in its own transaction, under an advisory
    /// lock so that instances starting together migrate once.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await transaction(client, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7236711)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS minping_migration (version integer PRIMARY KEY)", logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM minping_migration", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for (version, statements) in migrations where !applied.contains(version) {
                for statement in statements { try await connection.query(statement, logger: logger) }
                try await connection.query("INSERT INTO minping_migration (version) VALUES (\(version))", logger: logger)
                logger.info("PostgreSQL migration applied", metadata: ["version": "\(version)"])
            }
        }
    }
}
