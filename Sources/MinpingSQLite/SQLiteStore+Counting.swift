import Foundation
import GRDB
import MinpingCore
import MinpingKeys
import MinpingStore

// The tellers' desk (SPEC §4): paper forms keyed once, or in dispute, waiting under their 表号.
extension SQLiteStore {
    public func addCountEntry(_ entry: CountEntry) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO count_entry (evaluation, form, token, ratings, teller) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (evaluation, form) DO NOTHING
                """, arguments: [entry.evaluation, entry.form, entry.token, StoredRatings.encode(entry.ratings), entry.teller])
            return db.changesCount > 0
        }
    }

    public func countEntry(evaluation: String, form: String) async throws -> CountEntry? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM count_entry WHERE evaluation = ? AND form = ?", arguments: [evaluation, form])
                .map(Self.countEntry)
        }
    }

    public func setSecondCountEntry(evaluation: String, form: String, ratings: [String: String], teller: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE count_entry SET second_ratings = ?, second_teller = ? WHERE evaluation = ? AND form = ?",
                           arguments: [StoredRatings.encode(ratings), teller, evaluation, form])
        }
    }

    public func removeCountEntry(evaluation: String, form: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM count_entry WHERE evaluation = ? AND form = ?", arguments: [evaluation, form])
        }
    }

    public func countEntries(evaluation: String) async throws -> [CountEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM count_entry WHERE evaluation = ? ORDER BY form", arguments: [evaluation]).map(Self.countEntry)
        }
    }

    static func countEntry(_ row: Row) throws -> CountEntry {
        let second: String? = row["second_ratings"]
        return CountEntry(evaluation: row["evaluation"], form: row["form"], token: row["token"], ratings: try StoredRatings.decode(row["ratings"]),
                          teller: row["teller"], secondRatings: try second.map { text throws(StoreError) in try StoredRatings.decode(text) },
                          secondTeller: row["second_teller"])
    }
}
