import Foundation
import GRDB
import MinpingCore
import MinpingStore

/// `minping migrate` from or to SQLite: rows as stored, keys still sealed.
extension SQLiteStore: TransferableStore {
    public func isEmpty() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM api_key UNION ALL SELECT 1 FROM log_key UNION ALL SELECT 1 FROM evaluation)
                """) ?? false
        }
    }

    public func streetRows() async throws -> StreetRows {
        try await pool.read { db in
            let apiKeys = try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY hash").map(SQLiteStore.apiKey)
            let logKeys = try Row.fetchAll(db, sql: "SELECT street, seed_sealed FROM log_key ORDER BY street").map { row in
                LogKeyRow(street: row["street"], sealedSeed: try Self.sealed(row["seed_sealed"]))
            }
            let names = Dictionary(try Row.fetchAll(db, sql: "SELECT slug, name FROM street").map { ($0["slug"] as String, $0["name"] as String) },
                                   uniquingKeysWith: { first, _ in first })
            return StreetRows(apiKeys: apiKeys, logKeys: logKeys, names: names)
        }
    }

    public func dump(evaluation id: String) async throws -> EvaluationDump {
        try await pool.read { db in
            let record = try Self.requireEvaluation(id, db)
            let sealed = try Self.sealed(try Data.fetchOne(db, sql: "SELECT token_key_sealed FROM evaluation WHERE id = ?", arguments: [id]))
            let codes = try Row.fetchAll(db, sql: "SELECT hash, used, request, response, batch FROM enrollment_code WHERE evaluation = ?",
                                         arguments: [id]).map { row in
                let request: String? = row["request"], response: Data? = row["response"]
                return CodeRow(hash: row["hash"], used: row["used"],
                               answer: request.flatMap { request in response.map { CodeAnswer(request: request, response: $0) } },
                               batch: row["batch"])
            }
            let ballots = try Row.fetchAll(db, sql: """
                SELECT b.evaluation, b.nonce, b.token, b.ratings, b.tracker, p.seq FROM ballot b
                LEFT JOIN ballot_position p ON p.evaluation = b.evaluation AND p.tracker = b.tracker WHERE b.evaluation = ?
                """, arguments: [id]).map { row throws(StoreError) in try Self.ballot(row) }
            let entries = try Row.fetchAll(db, sql: "SELECT seq, type, bytes, leaf_hash FROM log_entry WHERE evaluation = ? ORDER BY seq",
                                           arguments: [id]).map { row in
                StoredEntry(seq: row["seq"], type: row["type"], bytes: Array(row["bytes"] as Data), leafHash: row["leaf_hash"])
            }
            let checkpoints = try Row.fetchAll(db, sql: "SELECT size, note FROM checkpoint WHERE evaluation = ? ORDER BY size",
                                               arguments: [id]).map { CheckpointRow(size: $0["size"], note: $0["note"]) }
            let appeals = try Row.fetchAll(db, sql: "SELECT * FROM appeal WHERE evaluation = ? ORDER BY id", arguments: [id]).map { row in
                AppealRecord(evaluation: row["evaluation"], id: row["id"], subject: row["subject"], text: row["text"],
                             filedAt: Date(timeIntervalSince1970: row["filed_at"]), outcome: try Self.outcome(row["outcome"]), note: row["note"])
            }
            return EvaluationDump(record: record, sealedTokenKey: sealed, codes: codes, ballots: ballots, entries: entries,
                                  checkpoints: checkpoints, appeals: appeals, roundKeys: try Self.roundKeys(id, db),
                                  batches: try Self.batches(id, db))
        }
    }

    public func load(_ rows: StreetRows) async throws {
        try await pool.write { db in
            for key in rows.apiKeys {
                try db.execute(sql: "INSERT INTO api_key (hash, role, street, evaluation, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [key.hash, key.role.rawValue, key.street, key.evaluation, key.createdAt.timeIntervalSince1970])
            }
            for key in rows.logKeys {
                try db.execute(sql: "INSERT INTO log_key (street, seed_sealed) VALUES (?, ?)", arguments: [key.street, key.sealedSeed])
            }
            for (slug, name) in rows.names.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT INTO street (slug, name) VALUES (?, ?)", arguments: [slug, name])
            }
        }
    }

    public func load(_ dump: EvaluationDump) async throws {
        let record = dump.record
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO evaluation (id, street, definition, token_key_sealed, state, slips, codes, issued, ballots,
                                        electorate, publicity_days, created_at, preliminary_at)
                VALUES (?, ?, ?, ?, 'draft', 0, 0, 0, 0, ?, ?, ?, NULL)
                """, arguments: [record.id, record.street, Data(record.definitionJSON), dump.sealedTokenKey,
                                 record.lifecycle.electorate, record.lifecycle.publicityDays, record.createdAt.timeIntervalSince1970])
            try Self.write(record.lifecycle, evaluation: record.id, db)
            for batch in dump.batches { try Self.insert(batch, evaluation: record.id, db) }
            for code in dump.codes {
                try db.execute(sql: "INSERT INTO enrollment_code (evaluation, hash, used, request, response, batch) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [record.id, code.hash, code.used, code.answer?.request, code.answer?.response, code.batch])
            }
            // In nonce order, so the rowids numbered here say nothing of casting order.
            for ballot in dump.ballots.sorted(by: { $0.nonce.lexicographicallyPrecedes($1.nonce) }) {
                try db.execute(sql: "INSERT INTO ballot (evaluation, nonce, token, ratings, tracker) VALUES (?, ?, ?, ?, ?)",
                               arguments: [record.id, ballot.nonce, ballot.token, ballot.storedRatings, ballot.tracker])
                if let seq = ballot.seq {
                    try db.execute(sql: "INSERT INTO ballot_position (evaluation, tracker, seq) VALUES (?, ?, ?)",
                                   arguments: [record.id, ballot.tracker, seq])
                } else {
                    try db.execute(sql: "INSERT INTO pending_ballot (evaluation, nonce, tracker) VALUES (?, ?, ?)",
                                   arguments: [record.id, ballot.nonce, ballot.tracker])
                }
            }
            for key in dump.roundKeys { try Self.insert(key, evaluation: record.id, db) }
            for entry in dump.entries { try Self.insert(entry, evaluation: record.id, db) }
            for checkpoint in dump.checkpoints {
                try Self.insertCheckpoint(checkpoint.note, size: checkpoint.size, evaluation: record.id, db)
            }
            for appeal in dump.appeals {
                try db.execute(sql: """
                    INSERT INTO appeal (evaluation, id, subject, text, filed_at, outcome, note) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [record.id, appeal.id, appeal.subject, appeal.text, appeal.filedAt.timeIntervalSince1970,
                                     appeal.outcome?.rawValue, appeal.note])
            }
        }
    }
}
