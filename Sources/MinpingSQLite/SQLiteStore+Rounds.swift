import Foundation
import GRDB
import MinpingCore
import MinpingStore

/// Streets' display names, supplementary rounds' keys and slip batches (SPEC §4, §6, §8).
extension SQLiteStore {
    public func streetNames() async throws -> [String: String] {
        try await pool.read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT slug, name FROM street").map { ($0["slug"], $0["name"]) },
                       uniquingKeysWith: { first, _ in first })
        }
    }

    public func setStreetName(street: String, name: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO street (slug, name) VALUES (?, ?) ON CONFLICT (slug) DO UPDATE SET name = excluded.name",
                           arguments: [street, name])
        }
    }

    public func roundKeys(evaluation: String) async throws -> [RoundKey] {
        try await pool.read { db in try Self.roundKeys(evaluation, db) }
    }

    public func slipBatches(evaluation: String) async throws -> [SlipBatch] {
        try await pool.read { db in try Self.batches(evaluation, db) }
    }

    static func insert(_ batch: SlipBatch, evaluation: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO slip_batch (evaluation, id, kind, count, created_at, voided) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [evaluation, batch.id, batch.kind.rawValue, batch.count, batch.createdAt.timeIntervalSince1970, batch.voided])
    }

    /// The batches, oldest first; a code batch's `used` counts its codes that got an answer.
    static func batches(_ evaluation: String, _ db: Database) throws -> [SlipBatch] {
        try Row.fetchAll(db, sql: """
            SELECT b.id, b.kind, b.count, b.created_at, b.voided,
                   (SELECT count(*) FROM enrollment_code c WHERE c.evaluation = b.evaluation AND c.batch = b.id AND c.request IS NOT NULL) AS used
            FROM slip_batch b WHERE b.evaluation = ? ORDER BY b.created_at, b.id
            """, arguments: [evaluation]).map { row in
            let kindName: String = row["kind"]
            guard let kind = SlipBatch.Kind(rawValue: kindName) else { throw StoreError.integrity("a slip batch has the unknown kind '\(kindName)'") }
            return SlipBatch(id: row["id"], kind: kind, count: row["count"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                             used: row["used"], voided: row["voided"])
        }
    }

    static func insert(_ key: RoundKey, evaluation: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO round_key (evaluation, round, sealed, subjects) VALUES (?, ?, ?, ?)",
                       arguments: [evaluation, key.round, key.sealed, RoundKey.encode(key.subjects)])
    }

    static func roundKeys(_ evaluation: String, _ db: Database) throws -> [RoundKey] {
        try Row.fetchAll(db, sql: "SELECT round, sealed, subjects FROM round_key WHERE evaluation = ? ORDER BY round",
                         arguments: [evaluation]).map { row in
            RoundKey(round: row["round"], sealed: row["sealed"], subjects: try RoundKey.decode(row["subjects"]))
        }
    }
}
