import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingKeys
import MinpingLog
import MinpingService
import MinpingSQLite
import MinpingStore
import MinpingTestSupport
import MinpingTokens
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Defects found by probing the server as an attacker and a reviewer would, one regression
/// test each.
@Suite("Probe defects: bad input never crashes, never stores what cannot be read back")
struct ProbeDefectTests {
    let base = "/api/v1/evaluations"

    static func json(title: String = "标题", name: String = "王某", electorate: Int = 60) -> String {
        """
        {"id":"probe","title":"\(title)","street":"chengqu","electorate":\(electorate),
         "members":[{"id":"m-1","name":"\(name)"}]}
        """
    }

    @Test("an electorate of 2^53 is refused with 422, and the server keeps serving")
    func hugeElectorate() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            for electorate in [9_007_199_254_740_992, 1_000_001] {
                let reply = try await client.call(.post, base, key: server.admin, text: Self.json(electorate: electorate))
                #expect(reply.status == 422 && reply.code == "definition_invalid", "\(reply.body)")
            }
            #expect(try await client.call(.post, base, key: server.admin, text: Self.json(electorate: 1_000_000)).status == 201)
            #expect(try await client.call(.get, "/healthz").status == 200)
        }
    }

    @Test("control characters and noncharacters are refused at the door, nothing is stored",
          arguments: [#"a\u0080b"#, #"a\u009fb"#, #"a\u007fb"#, #"a\ufffeb"#, #"a\uffffb"#, #"a\u0001b"#])
    func controlCharacters(_ text: String) async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            for body in [Self.json(title: text), Self.json(name: text)] {
                let reply = try await client.call(.post, base, key: server.admin, text: body)
                #expect(reply.status == 422 && reply.code == "definition_invalid", "\(reply.body)")
            }
            #expect(try await client.call(.get, "\(base)/probe").status == 404)
        }
    }

    @Test("the YAML escape \\x9A and a raw C1 character are refused")
    func yamlControlEscape() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            for title in [#""a\x9Ab""#, "a\u{85}b"] {
                let yaml = "id: probe\ntitle: \(title)\nstreet: chengqu\nelectorate: 5\nmembers: [{id: m-1, name: 王某}]\n"
                let reply = try await client.call(.post, base, key: server.admin, text: yaml)
                #expect(reply.status == 422 && reply.code == "definition_invalid", "\(reply.body)")
            }
            #expect(try await client.call(.get, "\(base)/probe").status == 404)
        }
    }

    @Test("YAML anchors and aliases are refused; names over 200 characters (titles over 300) too")
    func aliasesAndLengths() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let title = String(repeating: "长", count: 100 * 1024 / 3)
            var yaml = "id: probe\ntitle: &t \"\(title)\"\nstreet: chengqu\nelectorate: 5\nmembers:\n"
            for index in 0..<1_000 { yaml += "  - {id: m-\(index), name: *t}\n" }
            var reply = try await client.call(.post, base, key: server.admin, text: yaml)
            #expect(reply.status == 422 && reply.code == "definition_invalid" && reply.body.contains("anchor"), "\(reply.body.prefix(300))")
            let alias = "id: probe\ntitle: t\nstreet: chengqu\nelectorate: 5\nmembers:\n  - &m {id: m-1, name: 王某}\n  - *m\n"
            reply = try await client.call(.post, base, key: server.admin, text: alias)
            #expect(reply.status == 422 && reply.code == "definition_invalid")
            reply = try await client.call(.post, base, key: server.admin, text: Self.json(name: String(repeating: "名", count: 201)))
            #expect(reply.status == 422 && reply.body.contains("at most 200"), "\(reply.body)")
            reply = try await client.call(.post, base, key: server.admin, text: Self.json(title: String(repeating: "题", count: 301)))
            #expect(reply.status == 422 && reply.body.contains("at most 300"), "\(reply.body)")
            #expect(try await client.call(.get, "\(base)/probe").status == 404)
            reply = try await client.call(.post, base, key: server.admin,
                                          text: Self.json(title: String(repeating: "题", count: 300), name: String(repeating: "名", count: 200)))
            #expect(reply.status == 201, "\(reply.body)")
        }
    }

    @Test("a surrogate pair escape (as Python's json.dumps writes 𠮷) is read as JSON says")
    func surrogatePairs() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let reply = try await client.call(.post, base, key: server.admin, text: Self.json(title: #"\ud842\udfb7家"#, name: #"\uD842\uDFB7"#))
            #expect(reply.status == 201, "\(reply.body)")
            let shown = try await client.call(.get, "\(base)/probe").json
            #expect(shown["title"] as? String == "𠮷家")
            #expect((shown["subjects"] as? [[String: Any]])?.first?["name"] as? String == "𠮷")
            // An escaped backslash before "u" is not an escape; a lone surrogate is refused.
            #expect(try await client.call(.post, base, key: server.admin, text: Self.json(title: #"a\\ud842b"#)).status == 409)
            let lone = try await client.call(.post, base, key: server.admin,
                                             text: Self.json(title: #"\ud842"#).replacingOccurrences(of: "probe", with: "probe-2"))
            #expect(lone.status == 422)
        }
    }

    @Test("invalid UTF-8 is refused, never replaced; a leading byte-order mark is accepted")
    func encodings() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            var bytes = Array("id: probe\ntitle: a".utf8) + [0xFF, 0xFE] + Array("b\nstreet: chengqu\nelectorate: 5\nmembers: [{id: m-1, name: 王某}]\n".utf8)
            var reply = try await client.execute(uri: base, method: .post, headers: [.authorization: "Bearer \(server.admin)"],
                                                 body: ByteBuffer(bytes: bytes)) { Reply(status: Int($0.status.code), body: String(buffer: $0.body), contentType: nil) }
            #expect(reply.status == 422 && reply.body.contains("UTF-8"), "\(reply.body)")
            bytes = [0xEF, 0xBB, 0xBF] + Array(testDefinition.utf8)
            reply = try await client.execute(uri: base, method: .post, headers: [.authorization: "Bearer \(server.admin)"],
                                             body: ByteBuffer(bytes: bytes)) { Reply(status: Int($0.status.code), body: String(buffer: $0.body), contentType: nil) }
            #expect(reply.status == 201, "\(reply.body)")
        }
    }

    @Test("a wrong method on a path that exists is 405 with Allow; HEAD works wherever GET does")
    func methodNotAllowed() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            var reply = try await client.call(.delete, "\(base)/lz-2026")
            #expect(reply.status == 405 && reply.code == "method_not_allowed" && reply.contentType == "application/problem+json")
            let allow = try await client.execute(uri: "\(base)/lz-2026/open", method: .get) { $0.headers[.allow] }
            #expect(allow == "POST")
            let healthz = try await client.execute(uri: "/healthz", method: .head) { ($0.status.code, $0.headers[.allow]) }
            #expect(healthz.0 == 200)
            reply = try await client.call(.put, "/healthz")
            #expect(reply.status == 405)
            #expect(try await client.execute(uri: "/healthz", method: .put) { $0.headers[.allow] } == "GET, HEAD")
            #expect(try await client.call(.get, "/no/such/path").status == 404)
        }
    }

    @Test("refusals speak of what was asked: a token request after close is 'cannot issue a token for'")
    func refusalWording() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            let codes = try #require(try await client.call(.post, "\(base)/lz-2026/enrollment-codes", key: server.admin, json: ["count": 1])
                .json["codes"] as? [String])
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            let tokenClient = TokenClient(publicKey: try await server.service.tokenPublicKey("lz-2026"),
                                          challenge: TokenChallenge(street: "chengqu", evaluation: "lz-2026"))
            let request = try tokenClient.request().request.bytes.base64URLEncodedString
            let reply = try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0], "token_request": request])
            #expect(reply.status == 409 && reply.code == "invalid_transition", "\(reply.body)")
            #expect(reply.json["detail"] as? String == "cannot issue a token for an evaluation that is closed")
            #expect(try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": "", "token_request": request]).status == 400)
        }
    }

    @Test("close succeeds while voters keep casting: every 202 is logged, none after (SQLite)")
    func closeWhileCasting() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-close-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let service = try await TestServer(store: try SQLiteStore(path: path, keys: TestServer.keys)).service
        let definition = testDefinition.replacingOccurrences(of: "electorate: 60", with: "electorate: 3000")
        _ = try await service.create(try DefinitionParser.parse(definition, file: "test"))
        let tokens = try await service.issueSlips("lz-2026", count: 3000).map(\.base64URL)
        _ = try await service.open("lz-2026")
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<12 {
                group.addTask {
                    var accepted = 0
                    for token in tokens[(client * 250)..<((client + 1) * 250)] {
                        do {
                            _ = try await service.castBallot("lz-2026", token: token, ratings: ["m-1": "satisfied"])
                            accepted += 1
                        } catch ServiceError.refused(.notOpen) {
                            break
                        }
                    }
                    return accepted
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await service.close("lz-2026") == .closed)
                return 0
            }
            return try await group.reduce(0, +)
        }
        let report = try BundleVerifier().verify(try await service.bundle("lz-2026"))
        #expect(report.ballots == accepted && report.stage == "closed")
        #expect(try await service.record("lz-2026").ballots == accepted)
    }

    @Test("a corrupted ballot entry makes publish refuse with integrity_error; nothing is published")
    func integrity() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-integrity-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let log = CapturedLog()
        let server = try await TestServer(store: try SQLiteStore(path: path, keys: TestServer.keys), logger: log.logger)
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3]).json["tokens"] as? [String])
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            for token in tokens { _ = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-1": "satisfied"]]) }
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            for corruption in [#"{"not":"an entry"}"#, "garbage"] {
                try await DatabaseQueue(path: path).write { db in
                    try db.execute(sql: """
                        UPDATE log_entry SET bytes = CAST(? AS BLOB)
                        WHERE seq = (SELECT min(seq) FROM log_entry WHERE evaluation = 'lz-2026' AND type = 'ballot')
                        """, arguments: [corruption])
                }
                let reply = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
                #expect(reply.status == 500 && reply.code == "integrity_error" && reply.contentType == "application/problem+json", "\(reply.body)")
                #expect(try await client.call(.get, "\(base)/lz-2026/results").code == "results_not_published")
                #expect(try await client.call(.get, "\(base)/lz-2026").json["state"] as? String == "closed")
            }
            let entries = try await client.call(.get, "\(base)/lz-2026/log/entries")
            #expect(entries.status == 500 && entries.code == "integrity_error")
        }
        let lines = log.all
        #expect(lines.contains { $0.hasPrefix("error") && $0.contains("integrity check failed") && $0.contains("lz-2026") && $0.contains("seq") })
        // A ballot altered to another valid option is caught by its leaf hash.
        try await DatabaseQueue(path: path).write { db in
            let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM log_entry WHERE type = 'ballot' ORDER BY seq DESC LIMIT 1") ?? Data()
            try db.execute(sql: """
                UPDATE log_entry SET bytes = ? WHERE seq = (SELECT min(seq) FROM log_entry WHERE evaluation = 'lz-2026' AND type = 'ballot')
                """, arguments: [Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"satisfied\"", with: "\"dissatisfied\"").utf8)])
        }
        await #expect(throws: ServiceError.self) { try await server.service.publish("lz-2026", stage: .preliminary) }
        // A ballot whose type column was changed cannot hide from the recount.
        try await DatabaseQueue(path: path).write { db in
            let row = try Row.fetchOne(db, sql: "SELECT bytes, leaf_hash FROM log_entry WHERE type = 'ballot' ORDER BY seq DESC LIMIT 1")
            try db.execute(sql: """
                UPDATE log_entry SET bytes = ?, leaf_hash = ?, type = 'opened'
                WHERE seq = (SELECT min(seq) FROM log_entry WHERE evaluation = 'lz-2026' AND type = 'ballot')
                """, arguments: [row?["bytes"] as Data?, row?["leaf_hash"] as Data?])
        }
        await #expect(throws: ServiceError.self) { try await server.service.publish("lz-2026", stage: .preliminary) }
        // A valid-looking ballot that rates an unknown option also refuses to count.
        try await DatabaseQueue(path: path).write { db in
            let bytes = try Data.fetchOne(db, sql: "SELECT bytes FROM log_entry WHERE type = 'ballot' ORDER BY seq DESC LIMIT 1") ?? Data()
            try db.execute(sql: """
                UPDATE log_entry SET bytes = ? WHERE seq = (SELECT min(seq) FROM log_entry WHERE evaluation = 'lz-2026' AND type = 'ballot')
                """, arguments: [Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"satisfied\"", with: "\"nope\"").utf8)])
        }
        await #expect(throws: ServiceError.self) { try await server.service.publish("lz-2026", stage: .preliminary) }
        // A state this code does not know is not read as some other state.
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: "UPDATE evaluation SET state = 'bogus'") }
        try await server.app.test(.router) { client in
            let reply = try await client.call(.get, "\(base)/lz-2026")
            #expect(reply.status == 500 && reply.code == "integrity_error", "\(reply.body)")
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.admin).code == "integrity_error")
        }
    }

    @Test("the database file holds no PEM and no raw key seed")
    func keysAtRest() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-keys-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path, keys: TestServer.keys)
        let service = try await TestServer(store: store).service
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        _ = try await service.issueSlips("lz-2026", count: 2)
        let sealedPEM = try #require(try await store.sealedTokenKey(evaluation: "lz-2026"))
        let pem = String(decoding: try TestServer.keys.open(sealedPEM, purpose: KeyEncryptionKey.tokenKeyPurpose(evaluation: "lz-2026")), as: UTF8.self)
        let seed = try TestServer.keys.open(try await store.sealedLogKey(street: "chengqu") { Data() },
                                            purpose: KeyEncryptionKey.logKeyPurpose(street: "chengqu"))
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----") && seed.count == 32)
        var bytes = Data()
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            bytes += try Data(contentsOf: URL(fileURLWithPath: path + suffix))
        }
        #expect(bytes.range(of: Data("PRIVATE KEY".utf8)) == nil)
        for line in pem.split(separator: "\n").dropFirst().prefix(5) {
            #expect(bytes.range(of: Data(line.utf8)) == nil)
        }
        #expect(bytes.range(of: seed) == nil)
        // Another key-encryption key cannot sign with this database.
        let stranger = EvaluationService(store: store, keys: KeyEncryptionKey())
        await #expect(throws: KeyFileError.wrongKey) { try await stranger.checkKeyFile() }
    }
}

/// A raw HTTP/1.1 client on a real socket, for what well-behaved clients never send. Its
/// calls block, so they run on a thread of their own, never on the pool the server's
/// handlers need (two threads on two cores).
enum RawSocket {
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socket >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        return socket
    }

    static func send(_ socket: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }  // the server stopped reading (it refused the request)
            sent += count
        }
    }

    /// What the server sends until it closes the connection (or, with `untilComplete`, until
    /// one whole response with a Content-Length has come); nil if neither within `seconds`.
    static func readUntilClosed(_ socket: Int32, seconds: Int, untilComplete: Bool = false) -> String? {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            // A server that closes with our bytes unread resets the connection: closed, too.
            if count == 0 || (count < 0 && errno == ECONNRESET) { return String(decoding: received, as: UTF8.self) }
            if count < 0 { return nil }
            received += buffer[0..<count]
            if untilComplete, let text = Optional(String(decoding: received, as: UTF8.self)),
               let split = text.range(of: "\r\n\r\n"),
               let lengthLine = text[..<split.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
               let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
               text[split.upperBound...].utf8.count >= length {
                return text
            }
        }
    }
}

@Suite("Slow, broken and vanishing clients on a real socket")
struct HostileClientTests {
    @Test("a client that hangs up mid-body is not a 5xx and is logged at debug, not error")
    func hangUpMidBody() async throws {
        let log = CapturedLog()
        let server = try await TestServer(logger: log.logger)
        try await server.app.test(.live) { client in
            let port = try #require(client.port)
            for _ in 0..<5 {
                let socket = try RawSocket.connect(port: port)
                RawSocket.send(socket, "POST /api/v1/evaluations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.admin)\r\n"
                                   + "Content-Type: application/yaml\r\nContent-Length: 5000\r\n\r\nid: lz-2026\ntitle: 柳")
                close(socket)
            }
            try await Task.sleep(for: .milliseconds(500))
            let metrics = try await client.call(.get, "/metrics").body
            let lines = metrics.split(separator: "\n").filter { $0.contains(#""/api/v1/evaluations""#) && $0.contains("status_code=\"5") }
            #expect(lines.isEmpty, "\(lines)")
        }
        #expect(!log.all.contains { $0.hasPrefix("error") }, "\(log.all.filter { $0.hasPrefix("error") })")
        #expect(log.all.contains { $0.hasPrefix("debug") && $0.contains("went away") })
    }

    @Test("idle and half-sent connections are closed after the idle timeout")
    func idleTimeout() async throws {
        let server = try await TestServer()
        try await server.application(idleTimeout: .seconds(1)).test(.live) { client in
            let port = try #require(client.port)
            let idle = try RawSocket.connect(port: port)
            let halfSent = try RawSocket.connect(port: port)
            RawSocket.send(halfSent, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            #expect(await RawSocket.offPool { RawSocket.readUntilClosed(idle, seconds: 10) } != nil)
            #expect(await RawSocket.offPool { RawSocket.readUntilClosed(halfSent, seconds: 10) } != nil)
            close(idle)
            close(halfSent)
        }
    }

    @Test("malformed HTTP gets a problem+json 400, not an empty one",
          arguments: [
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100 * 1024))\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\n" + (0..<10_000).map { "X-H\($0): v\r\n" }.joined() + "\r\n",
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
          ])
    func malformed(_ request: String) async throws {
        let server = try await TestServer()
        try await server.app.test(.live) { client in
            let socket = try RawSocket.connect(port: try #require(client.port))
            defer { close(socket) }
            let answer = try #require(await RawSocket.offPool {
                RawSocket.send(socket, request)
                return RawSocket.readUntilClosed(socket, seconds: 10, untilComplete: true)
            })
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            #expect(answer.lowercased().contains("content-type: application/problem+json"), "\(answer.prefix(400))")
            #expect(answer.contains(#""status":400"#) && answer.contains(#""code":""#), "\(answer.suffix(300))")
        }
    }
}
