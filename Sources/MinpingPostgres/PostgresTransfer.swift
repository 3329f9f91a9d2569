import Foundation
import MinpingCore
import MinpingStore
import PostgresNIO

/// `minping migrate` from or to PostgreSQL: rows as stored, keys still sealed.
extension PostgresStore: TransferableStore {
    public func isEmpty() async throws -> Bool {
        try await rows("""
            SELECT NOT EXISTS (SELECT 1 FROM api_key UNION ALL SELECT 1 FROM log_key UNION ALL SELECT 1 FROM evaluation)
            """).first?.decode(Bool.self) ?? false
    }

    public func streetRows() async throws -> StreetRows {
        let apiKeys = try await rows("SELECT hash, role, street, created_at, evaluation FROM api_key ORDER BY hash COLLATE \"C\"")
            .map(PostgresStore.apiKey)
        let logKeys = try await rows("SELECT street, seed_sealed FROM log_key ORDER BY street COLLATE \"C\"").map { row in
            let (street, sealed) = try row.decode((String, Data).self)
            return LogKeyRow(street: street, sealedSeed: sealed)
        }
        var names: [String: String] = [:]
        for row in try await rows("SELECT slug, name FROM street") {
            let (slug, name) = try row.decode((String, String).self)
            names[slug] = name
        }
        return StreetRows(apiKeys: apiKeys, logKeys: logKeys, names: names)
    }

    public func dump(evaluation id: String) async throws -> EvaluationDump {
        try await write { connection in
            // One snapshot: the row lock keeps the evaluation still while it is read.
            guard let record = try await Self.fetchEvaluation(id, lock: .exclusive, connection, logger) else {
                throw StoreError.notFound("evaluation \(id)")
            }
            func all(_ query: PostgresQuery) async throws -> [PostgresRow] { try await connection.query(query, logger: logger).collect() }
            guard let sealed = try await all("SELECT token_key_sealed FROM evaluation WHERE id = \(id)").first?.decode(Data.self) else {
                throw StoreError.integrity("evaluation \(id) has no issuing key")
            }
            let codes = try await all("SELECT hash, used, request, response, batch FROM enrollment_code WHERE evaluation = \(id)").map { row in
                let (hash, used, request, response, batch) = try row.decode((String, Bool, String?, Data?, String?).self)
                return CodeRow(hash: hash, used: used,
                               answer: request.flatMap { request in response.map { CodeAnswer(request: request, response: $0) } }, batch: batch)
            }
            let ballots = try await all("SELECT evaluation, nonce, token, ratings, tracker, seq FROM ballot WHERE evaluation = \(id)")
                .map(Self.ballot)
            let entries = try await all("SELECT seq, type, bytes, leaf_hash FROM log_entry WHERE evaluation = \(id) ORDER BY seq").map { row in
                let (seq, type, bytes, leafHash) = try row.decode((Int, String, Data, Data).self)
                return StoredEntry(seq: seq, type: type, bytes: Array(bytes), leafHash: leafHash)
            }
            let checkpoints = try await all("SELECT size, note FROM checkpoint WHERE evaluation = \(id) ORDER BY size").map { row in
                let (size, note) = try row.decode((Int, String).self)
                return CheckpointRow(size: size, note: note)
            }
            let appeals = try await all("""
                SELECT evaluation, id, subject, text, filed_at, outcome, note FROM appeal WHERE evaluation = \(id) ORDER BY id COLLATE "C"
                """).map { row in
                let (evaluation, appeal, subject, text, filed, outcome, note)
                    = try row.decode((String, String, String?, String, Double, String?, String?).self)
                return AppealRecord(evaluation: evaluation, id: appeal, subject: subject, text: text,
                                    filedAt: Date(timeIntervalSince1970: filed), outcome: try Self.outcome(outcome), note: note)
            }
            return EvaluationDump(record: record, sealedTokenKey: sealed, codes: codes, ballots: ballots, entries: entries,
                                  checkpoints: checkpoints, appeals: appeals, roundKeys: try await Self.roundKeys(id, connection, logger),
                                  batches: try await Self.batches(id, connection, logger))
        }
    }

    public func load(_ rows: StreetRows) async throws {
        try await write { connection in
            for key in rows.apiKeys {
                try await connection.query("""
                    INSERT INTO api_key (hash, role, street, evaluation, created_at)
                    VALUES (\(key.hash), \(key.role.rawValue), \(key.street), \(key.evaluation), \(key.createdAt.timeIntervalSince1970))
                    """, logger: logger)
            }
            for key in rows.logKeys {
                try await connection.query("INSERT INTO log_key (street, seed_sealed) VALUES (\(key.street), \(key.sealedSeed))",
                                           logger: logger)
            }
            for (slug, name) in rows.names.sorted(by: { $0.key < $1.key }) {
                try await connection.query("INSERT INTO street (slug, name) VALUES (\(slug), \(name))", logger: logger)
            }
        }
    }

    public func load(_ dump: EvaluationDump) async throws {
        let record = dump.record
        try await write { connection in
            try await connection.query("""
                INSERT INTO evaluation (id, street, definition, token_key_sealed, state, slips, codes, issued, ballots,
                                        electorate, publicity_days, created_at, preliminary_at)
                VALUES (\(record.id), \(record.street), \(Data(record.definitionJSON)), \(dump.sealedTokenKey), 'draft', 0, 0, 0, 0,
                        \(record.lifecycle.electorate), \(record.lifecycle.publicityDays), \(record.createdAt.timeIntervalSince1970), NULL)
                """, logger: logger)
            try await Self.write(record.lifecycle, evaluation: record.id, connection, logger)
            for batch in dump.batches { try await Self.insert(batch, evaluation: record.id, connection, logger) }
            for code in dump.codes {
                try await connection.query("""
                    INSERT INTO enrollment_code (evaluation, hash, used, request, response, batch)
                    VALUES (\(record.id), \(code.hash), \(code.used), \(code.answer?.request), \(code.answer?.response), \(code.batch))
                    """, logger: logger)
            }
            for ballot in dump.ballots {
                try await connection.query("""
                    INSERT INTO ballot (evaluation, nonce, token, ratings, tracker, seq)
                    VALUES (\(record.id), \(ballot.nonce), \(ballot.token), \(ballot.storedRatings), \(ballot.tracker), \(ballot.seq))
                    """, logger: logger)
            }
            for key in dump.roundKeys { try await Self.insert(key, evaluation: record.id, connection, logger) }
            try await Self.insert(dump.entries, evaluation: record.id, connection, logger)
            for checkpoint in dump.checkpoints {
                try await Self.insertCheckpoint(checkpoint.note, size: checkpoint.size, evaluation: record.id, connection, logger)
            }
            for appeal in dump.appeals {
                try await connection.query("""
                    INSERT INTO appeal (evaluation, id, subject, text, filed_at, outcome, note)
                    VALUES (\(record.id), \(appeal.id), \(appeal.subject), \(appeal.text), \(appeal.filedAt.timeIntervalSince1970),
                            \(appeal.outcome?.rawValue), \(appeal.note))
                    """, logger: logger)
            }
        }
    }
}
