import Foundation
import GRDB
import Hummingbird

/// The baseline of tools/bench/http: a bare Hummingbird + GRDB endpoint that stores the same
/// ballot rows as `minping serve` (same SQLite settings: WAL, synchronous=FULL), but without
/// tokens, verification, group commit or the log. One transaction per request.
///   minping-bare --db FILE --port PORT
let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

let pool = try DatabasePool(path: option("--db", "bare.sqlite"))
try pool.writeWithoutTransaction { db in
    try db.execute(sql: "PRAGMA synchronous = FULL")
    try db.execute(sql: """
        CREATE TABLE IF NOT EXISTS ballot (
            evaluation TEXT NOT NULL, nonce BLOB NOT NULL, token TEXT NOT NULL, ratings TEXT NOT NULL,
            tracker TEXT NOT NULL, seq INTEGER, PRIMARY KEY (evaluation, nonce)
        ) WITHOUT ROWID
        """)
}

struct Ballot: Decodable {
    var token: String
    var ratings: [String: String]
}

let router = Router()
router.post("api/v1/evaluations/:id/ballots") { request, context -> Response in
    let id = try context.parameters.require("id")
    let ballot = try await request.decode(as: Ballot.self, context: context)
    let nonce = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
    let ratings = String(decoding: try JSONEncoder().encode(ballot.ratings), as: UTF8.self)
    try await pool.write { db in
        try db.execute(sql: "INSERT INTO ballot (evaluation, nonce, token, ratings, tracker) VALUES (?, ?, ?, ?, ?)",
                       arguments: [id, nonce, ballot.token, ratings, nonce.base64EncodedString()])
    }
    return Response(status: .accepted, body: .init(byteBuffer: ByteBuffer(string: #"{"tracker":"x"}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: Int(option("--port", "8081")) ?? 8081)))
try await app.runService()
