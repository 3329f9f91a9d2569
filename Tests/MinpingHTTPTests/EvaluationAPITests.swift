import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingLog
import MinpingService
import MinpingSQLite
import MinpingTestSupport
import MinpingTokens
import Testing

@Suite("HTTP API: a whole evaluation through buildApplication")
struct EvaluationAPITests {
    let base = "/api/v1/evaluations"

    @Test("create, slips, open, vote, close, publish, appeal, final, receipts, bundle")
    func wholeEvaluation() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            var reply = try await client.call(.post, base, key: server.admin, text: testDefinition)
            #expect(reply.status == 201, "\(reply.body)")
            #expect(reply.json["origin"] as? String == "minping/chengqu/lz-2026")
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).code == "evaluation_exists")
            #expect(try await client.call(.post, base, key: server.admin, text: "id: x\n").code == "definition_invalid")

            reply = try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 12])
            #expect(reply.status == 201)
            let tokens = try #require(reply.json["tokens"] as? [String])
            let urls = try #require(reply.json["urls"] as? [String])
            #expect(tokens.count == 12 && urls[0].hasSuffix("/vote/lz-2026#t=\(tokens[0])"))
            #expect(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 49]).code == "electorate_exceeded")

            // Ballots before opening are refused; results are not public yet.
            reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": ["m-1": "satisfied"]])
            #expect(reply.status == 409 && reply.code == "evaluation_not_open")
            #expect(try await client.call(.get, "\(base)/lz-2026/results").code == "results_not_published")
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.admin).json["state"] as? String == "open")
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.admin).code == "invalid_transition")

            var trackers: [String] = []
            for (index, token) in tokens.enumerated() {
                let ratings = ["m-1": index < 10 ? "satisfied" : "dissatisfied", "m-2": "basically_satisfied", "lz-1": "satisfied"]
                reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ratings])
                #expect(reply.status == 202, "\(reply.body)")
                let tracker = try #require(reply.json["tracker"] as? String)
                #expect(tracker == Tracker.of(token: token, ratings: ratings))
                trackers.append(tracker)
            }
            reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": ["m-1": "satisfied"]])
            #expect(reply.status == 409 && reply.code == "token_spent")
            var forged = tokens[1]
            forged.removeLast(2)
            forged += tokens[1].hasSuffix("AA") ? "AB" : "AA"
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": forged, "ratings": ["m-1": "satisfied"]]).code == "token_invalid")
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": "x", "ratings": [:]]).code == "token_invalid")
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["ratings": ["m-1": "satisfied"]]).code == "malformed_request")
            // Each malformed body is refused with 400, naming the field; nothing is stored.
            for (body, detail) in [
                (["token": tokens[5]] as [String: Any], "'ratings' is required"),
                (["token": 7, "ratings": ["m-1": "satisfied"]], "'token' must be a string"),
                (["token": tokens[5], "ratings": ["m-1", "satisfied"]], "'ratings' must be an object of option ids"),
                (["token": tokens[5], "ratings": ["m-1": 1]], "'ratings.m-1' must be a string"),
                (["token": tokens[5], "ratings": ["m-1": NSNull()]], "'ratings.m-1' must be a string"),
                (["token": tokens[5], "ratings": ["m-1": true]], "'ratings.m-1' must be a string"),
            ] {
                let refused = try await client.call(.post, "\(base)/lz-2026/ballots", json: body)
                #expect(refused.status == 400 && refused.code == "malformed_request", "\(body)")
                #expect(refused.json["detail"] as? String == detail, "\(refused.body)")
            }
            for text in ["[1]", "{", "\"x\"", "{\"token\":\"a\",\"ratings\":{}}}"] {
                let refused = try await client.execute(uri: "\(base)/lz-2026/ballots", method: .post, headers: [.contentType: "application/json"],
                                                       body: ByteBuffer(string: text)) { Int($0.status.code) }
                #expect(refused == 400, "\(text)")
            }

            // Turnout is public, results are not; a pending ballot's receipt says so.
            reply = try await client.call(.get, "\(base)/lz-2026")
            #expect(reply.json["ballots"] as? Int == 12 && reply.json["issued"] as? Int == 12)
            #expect(try await client.call(.get, "\(base)/lz-2026/receipts/\(trackers[0])").status == 202)
            #expect(try await client.call(.get, "\(base)/lz-2026/receipts/\(String(repeating: "0", count: 64))").code == "not_found")
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"]).code == "invalid_transition")

            #expect(try await client.call(.post, "\(base)/lz-2026/close", key: server.admin).json["state"] as? String == "closed")
            reply = try await client.call(.get, "\(base)/lz-2026/receipts/\(trackers[3])")
            #expect(reply.status == 200 && reply.body.hasPrefix("c2sp.org/tlog-proof@v1\n"))
            let receipt = try Receipt(text: reply.body)
            let key = try await server.service.logVerifierKey(street: "chengqu")
            _ = try receipt.verify(token: tokens[3], ratings: ["m-1": "satisfied", "m-2": "basically_satisfied", "lz-1": "satisfied"],
                                   verifier: NoteVerifier(verifierKey: key), origin: "minping/chengqu/lz-2026")

            reply = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            #expect(reply.status == 200, "\(reply.body)")
            let subjects = try #require(reply.json["subjects"] as? [[String: Any]])
            #expect(subjects.count == 3)
            #expect(try await client.call(.get, "\(base)/lz-2026/results").status == 200)

            reply = try await client.call(.post, "\(base)/lz-2026/appeals", key: server.reviewer, json: ["subject": "m-1", "text": "申诉：请求复查"])
            #expect(reply.status == 201)
            let appeal = try #require(reply.json["appeal"] as? String)
            #expect(try await client.call(.post, "\(base)/lz-2026/appeals", key: server.admin, json: ["subject": "m-9", "text": "x"]).code == "appeal_invalid")
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"]).code == "appeals_pending")
            #expect(try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.admin,
                                          json: ["outcome": "dismissed", "note": "维持"]).code == "forbidden")
            reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer, json: ["outcome": "dismissed", "note": "维持"])
            #expect(reply.status == 200, "\(reply.body)")
            #expect(try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer,
                                          json: ["outcome": "upheld", "note": "x"]).code == "already_resolved")
            // A corrected 公示 may go out again before final; the publicity period still runs from the first.
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"]).status == 200)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"]).code == "publicity_not_over")
            server.clock.advance(days: 5)
            reply = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"])
            #expect(reply.status == 200 && reply.json["stage"] as? String == "final", "\(reply.body)")

            // The public log view shows ballots only as index, tracker and leaf hash.
            reply = try await client.call(.get, "\(base)/lz-2026/log/entries?start=0&end=100")
            let entries = try #require(reply.json["entries"] as? [[String: Any]])
            let ballots = entries.filter { $0["type"] as? String == "ballot" }
            #expect(ballots.count == 12 && ballots.allSatisfy { Set($0.keys) == ["index", "type", "tracker", "leaf_hash"] })
            #expect(entries.map { $0["index"] as? Int } == Array(0..<entries.count))
            #expect(try await client.call(.get, "\(base)/lz-2026/log/entries?start=abc").code == "malformed_request")
            #expect(try await client.call(.get, "\(base)/lz-2026/log/entries?start=5&end=2").code == "malformed_request")
            reply = try await client.call(.get, "\(base)/lz-2026/log/entries?start=9223372036854775000")
            #expect(reply.status == 200 && (reply.json["entries"] as? [Any])?.isEmpty == true, "\(reply.body)")
            #expect(Set(ballots.compactMap { $0["tracker"] as? String }) == Set(trackers))
            #expect(!reply.body.contains(tokens[5]))
            reply = try await client.call(.get, "\(base)/lz-2026/log/checkpoint")
            #expect(reply.body.hasPrefix("minping/chengqu/lz-2026\n"))

            // The reviewer's bundle is a tar both verifiers accept.
            #expect(try await client.call(.get, "\(base)/lz-2026/bundle").code == "unauthenticated")
            #expect(try await client.call(.get, "\(base)/lz-2026/bundle", key: server.admin).code == "forbidden")
            reply = try await client.call(.get, "\(base)/lz-2026/bundle", key: server.reviewer)
            #expect(reply.status == 200 && reply.contentType == "application/x-tar")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-tar-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(reply.body.utf8).write(to: directory.appendingPathComponent("bundle.tar"))
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            tar.arguments = ["tar", "-xf", "bundle.tar"]
            tar.currentDirectoryURL = directory
            try tar.run()
            tar.waitUntilExit()
            #expect(tar.terminationStatus == 0)
            let extracted = try AuditBundle.read(from: directory.appendingPathComponent("lz-2026-bundle"))
            #expect(try BundleVerifier(pinnedLogKey: key).verify(extracted).ballots == 12)
            // Sent a chunk of entries at a time (issue 35), it is the bundle the service makes whole,
            // file for file, and read in chunks of 5 the entries are the same.
            let whole = try await server.service.storedBundle("lz-2026")
            #expect(extracted.files.map(\.path) == whole.files.map(\.path) && extracted.files.map(\.contents) == whole.files.map(\.contents))
            let stream = try await server.service.bundleStream("lz-2026", chunk: 5)
            var lines: [[UInt8]] = []
            for start in stride(from: 0, to: stream.size, by: stream.chunk) { lines += try await stream.entries(start..<min(stream.size, start + 5)) }
            #expect(lines == whole.entries && stream.entriesLength == whole.entries.reduce(0) { $0 + $1.count + 1 })
            // `minping audit export` writes the stream: the same files, read back.
            let exported = directory.appendingPathComponent("exported")
            try await stream.write(to: exported)
            let written = try AuditBundle.read(from: exported)
            #expect(written.files.map(\.path) == whole.files.map(\.path) && written.files.map(\.contents) == whole.files.map(\.contents))
            let python = try IndependentVerifier.run(directory.appendingPathComponent("lz-2026-bundle").path, arguments: ["--log-key", key])
            #expect(python.status == 0 && python.output.hasPrefix("OK minping/chengqu/lz-2026"), "\(python.output)")

            // Metrics count ballots by outcome.
            let metrics = try await client.call(.get, "/metrics").body
            #expect(metrics.contains("minping_ballots_accepted_total"))
            #expect(metrics.contains(#"minping_ballots_refused_total{code="token_spent"}"#))
            // Refusals are counted as the responses they become (409, 403), never as 500.
            let ballotLines = metrics.split(separator: "\n").filter { $0.contains("ballots") && $0.contains("status_code") }
            #expect(ballotLines.contains { $0.contains(#"status_code="409""#) }, "\(ballotLines)")
            #expect(!ballotLines.contains { $0.contains(#"status_code="500""#) }, "\(ballotLines)")
        }
        let bundle = try await server.service.bundle("lz-2026")
        let summary = try BundleVerifier(pinnedLogKey: try await server.service.logVerifierKey(street: "chengqu")).verify(bundle)
        #expect(summary.ballots == 12 && summary.stage == "final")
        // At close the last batch of ballots got its own checkpoint, and so did 'closed'.
        let closed = try #require(bundle.entries.firstIndex { String(decoding: $0, as: UTF8.self).contains(#""type":"closed""#) })
        let sizes = Set(bundle.checkpoints.compactMap(Checkpoint.claimedSize))
        #expect(sizes.isSuperset(of: [closed, closed + 1]), "\(sizes.sorted()) around closed at \(closed)")
    }

    @Test("tenancy and roles: no key 401, bad key 401, wrong street or role 403, operator everywhere")
    func roles() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, text: testDefinition).code == "unauthenticated")
            #expect(try await client.call(.post, base, key: "mp_nonsense", text: testDefinition).code == "unauthenticated")
            // Another scheme (a proxy's Basic credentials) is no key: public routes still answer.
            let basic: HTTPFields = [.authorization: "Basic dXNlcjpwYXNz"]
            #expect(try await client.execute(uri: "\(base)/none", method: .get, headers: basic) { $0.status } == .notFound)
            #expect(try await client.execute(uri: base, method: .post, headers: basic, body: ByteBuffer(string: testDefinition)) { $0.status }
                    == .unauthorized)
            #expect(try await client.call(.post, base, key: server.otherAdmin, text: testDefinition).code == "forbidden")
            #expect(try await client.call(.post, base, key: server.reviewer, text: testDefinition).code == "forbidden")
            #expect(try await client.call(.post, base, key: server.reviewer, text: "id: [unclosed").code == "forbidden")
            #expect(try await client.call(.post, base, key: server.operatorKey, text: testDefinition).status == 201)
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.otherAdmin).code == "forbidden")
            #expect(try await client.call(.post, "\(base)/lz-2026/open", key: server.reviewer).code == "forbidden")
            #expect(try await client.call(.post, "\(base)/lz-2026/slips", key: server.otherAdmin, json: ["count": 1]).code == "forbidden")
            #expect(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": "x"]).code == "malformed_request")
            #expect(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": true]).code == "malformed_request")
            #expect(try await client.call(.get, "\(base)/nope").code == "not_found")
            #expect(try await client.call(.get, "/api/v1/nothing-here").status == 404)
            // A ballot for three subjects is limited to a few KiB.
            let huge = ["token": String(repeating: "A", count: 5_000), "ratings": [:]] as [String: Any]
            let reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: huge)
            #expect(reply.status == 413 && reply.code == "payload_too_large")
        }
    }

    @Test("annulment: from any state but final, recorded in the log; nothing after it")
    func annul() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            let token = try #require((try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 1]).json["tokens"] as? [String])?.first)
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            #expect(try await client.call(.post, "\(base)/lz-2026/annul", key: server.reviewer, json: ["reason": "x"]).code == "forbidden")
            let reply = try await client.call(.post, "\(base)/lz-2026/annul", key: server.admin, json: ["reason": "选票印制错误"])
            #expect(reply.json["state"] as? String == "annulled", "\(reply.body)")
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-1": "satisfied"]]).code == "evaluation_not_open")
            #expect(try await client.call(.post, "\(base)/lz-2026/annul", key: server.admin, json: ["reason": "again"]).code == "invalid_transition")
            #expect(try await client.call(.post, "\(base)/lz-2026/close", key: server.admin).code == "invalid_transition")
            // Annulled before anything was published: no results, said at once.
            #expect(try await client.call(.get, "\(base)/lz-2026/results").code == "results_not_published")
        }
        let bundle = try await server.service.bundle("lz-2026")
        #expect(try BundleVerifier().verify(bundle).stage == "annulled")
    }

    @Test("annulment from draft, open, closed and preliminary verifies; from final it is refused")
    func annulFromEveryState() async throws {
        let server = try await TestServer()
        let service = server.service
        let steps: [(EvaluationService, String) async throws -> Void] = [
            { _, _ in },
            { service, id in _ = try await service.open(id) },
            { service, id in _ = try await service.close(id) },
            { service, id in _ = try await service.publish(id, stage: .preliminary) },
        ]
        for (index, _) in steps.enumerated() {
            let id = "lz-2026-\(index)"
            _ = try await service.create(try DefinitionParser.parse(testDefinition.replacingOccurrences(of: "lz-2026", with: id), file: "test"))
            for step in steps[...index] { try await step(service, id) }
            #expect(try await service.annul(id, reason: "选票印制错误") == .annulled)
            #expect(try BundleVerifier().verify(try await service.bundle(id)).stage == "annulled")
        }
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        for step in steps { try await step(service, "lz-2026") }
        server.clock.advance(days: 6)
        _ = try await service.publish("lz-2026", stage: .final)
        await #expect(throws: ServiceError.self) { try await service.annul("lz-2026", reason: "太晚了") }
    }

    @Test("a batch enters the log in random order, not in the order its ballots were cast")
    func shuffledBatch() async throws {
        let service = try await TestServer().service
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let tokens = try await service.issueSlips("lz-2026", count: 50)
        _ = try await service.open("lz-2026")
        var cast: [String] = []
        for token in tokens {
            cast.append(try await service.castBallot("lz-2026", token: token.base64URL, ratings: ["m-1": "satisfied"]))
        }
        #expect(try await service.integratePending("lz-2026") == 50)
        let logged = try await service.bundle("lz-2026").entries.compactMap { bytes in (try? LogEntry(bytes: bytes)).flatMap(Tracker.of) }
        #expect(Set(logged) == Set(cast))
        #expect(logged != cast)  // the same order has probability 1/50!
    }

    @Test("appeals filed at the same moment get distinct ids")
    func concurrentAppeals() async throws {
        let server = try await TestServer()
        let service = server.service
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        _ = try await service.open("lz-2026")
        _ = try await service.close("lz-2026")
        _ = try await service.publish("lz-2026", stage: .preliminary)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<5 { group.addTask { try await service.fileAppeal("lz-2026", subject: nil, text: "申诉 \(index)") } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids == ["a-1", "a-2", "a-3", "a-4", "a-5"])
        #expect(try BundleVerifier().verify(try await service.bundle("lz-2026")).stage == "preliminary")
    }

    @Test("an appeal filed while final results are published: exactly one of them is accepted (SQLite)")
    func appealDuringFinal() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-final-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let server = try await TestServer(store: try SQLiteStore(path: path, keys: TestServer.keys))
        let service = server.service
        for round in 0..<8 {
            let id = "lz-2026-\(round)"
            _ = try await service.create(try DefinitionParser.parse(testDefinition.replacingOccurrences(of: "lz-2026", with: id), file: "test"))
            _ = try await service.open(id)
            _ = try await service.close(id)
            _ = try await service.publish(id, stage: .preliminary)
            server.clock.advance(days: 6)
            async let finalPublished = (try? await service.publish(id, stage: .final)) != nil
            async let appealFiled = (try? await service.fileAppeal(id, subject: nil, text: "公示期最后一天的申诉")) != nil
            let (published, filed) = await (finalPublished, appealFiled)
            #expect(published != filed)
            #expect(try BundleVerifier().verify(try await service.bundle(id)).stage == (published ? "final" : "preliminary"))
        }
    }

    @Test("remote voting: an enrollment code buys one blind-signed token the server cannot link")
    func enrollment() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            var reply = try await client.call(.post, "\(base)/lz-2026/enrollment-codes", key: server.admin, json: ["count": 2])
            let codes = try #require(reply.json["codes"] as? [String])
            #expect(codes.count == 2)
            let publicKey = try await server.service.tokenPublicKey("lz-2026")
            let tokenClient = TokenClient(publicKey: publicKey, challenge: TokenChallenge(street: "chengqu", evaluation: "lz-2026"))
            let pending = try tokenClient.request()
            let request = pending.request.bytes.base64URLEncodedString
            reply = try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0], "token_request": request])
            #expect(reply.status == 201, "\(reply.body)")
            let responseText = try #require(reply.json["token_response"] as? String)
            let response = try TokenResponse(bytes: try #require(Data(base64URLEncoded: responseText)))
            let token = try tokenClient.finalize(response, for: pending)
            // The answer was lost: the same code with the same request gets the same answer,
            // and nothing more is recorded (no second token, no log entry).
            func logSize() async throws -> String? {
                try await client.call(.get, "\(base)/lz-2026/log/checkpoint").body.split(separator: "\n").dropFirst().first.map(String.init)
            }
            let entries = try await logSize()
            reply = try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0], "token_request": request])
            #expect(reply.status == 201 && reply.json["token_response"] as? String == responseText, "\(reply.body)")
            #expect(try await logSize() == entries && entries != nil)
            // The used code with another request: refused.
            let other = try tokenClient.request().request.bytes.base64URLEncodedString
            #expect(try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0], "token_request": other]).code == "code_invalid")
            #expect(try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": "XXXX", "token_request": request]).code == "code_invalid")
            // Typed by hand: case, spaces and dashes do not matter.
            let typed = " " + codes[1].lowercased().replacingOccurrences(of: "-", with: "") + " "
            reply = try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": typed, "token_request": other])
            #expect(reply.status == 201, "\(reply.body)")
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token.base64URL, "ratings": ["m-1": "satisfied"]])
            #expect(reply.status == 202, "\(reply.body)")
            #expect(try await client.call(.get, "\(base)/lz-2026").json["issued"] as? Int == 2)
            // The page's client reads the key from the evaluation and checks its id.
            let info = try await client.call(.get, "\(base)/lz-2026").json
            let spkiText = try #require(info["token_key_spki"] as? String)
            let spki = try #require(Data(base64Encoded: spkiText))
            #expect(spki == publicKey.spki && info["token_key_id"] as? String == publicKey.tokenKeyID.hex)
        }
    }

    @Test("50 concurrent submissions of one token: exactly one 202 and 49 token_spent (SQLite)")
    func concurrentDoubleSpend() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-http-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let server = try await TestServer(store: try SQLiteStore(path: path, keys: TestServer.keys))
        try await server.app.test(.router) { client in
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            let token = try #require((try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 1]).json["tokens"] as? [String])?.first)
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            let statuses = try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await client.call(.post, "\(base)/lz-2026/ballots",
                                              json: ["token": token, "ratings": ["m-1": index % 2 == 0 ? "satisfied" : "dissatisfied"]])
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0.status == 202 }.count == 1)
            #expect(statuses.filter { $0.status == 409 && $0.code == "token_spent" }.count == 49)
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            #expect(try await client.call(.get, "\(base)/lz-2026").json["ballots"] as? Int == 1)
        }
        let bundle = try await server.service.bundle("lz-2026")
        #expect(try BundleVerifier().verify(bundle).ballots == 1)
    }

    @Test("close and annul while the integrator runs: both succeed and every ballot is logged once (SQLite)")
    func endVotingDuringIntegration() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-race-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let service = try await TestServer(store: try SQLiteStore(path: path, keys: TestServer.keys)).service
        for round in 0..<8 {
            let id = "lz-2026-\(round)"
            _ = try await service.create(try DefinitionParser.parse(testDefinition.replacingOccurrences(of: "lz-2026", with: id), file: "test"))
            let tokens = try await service.issueSlips(id, count: 20)
            _ = try await service.open(id)
            for token in tokens { _ = try await service.castBallot(id, token: token.base64URL, ratings: ["m-1": "satisfied"]) }
            // The integrator's tick and the street's request, at the same moment.
            async let integrated = service.integratePending(id)
            async let ended = round % 2 == 0 ? service.close(id) : service.annul(id, reason: "重新测评")
            let (count, state) = try await (integrated, ended)
            #expect(count == 0 || count == 20)
            #expect(state == (round % 2 == 0 ? .closed : .annulled))
            let report = try BundleVerifier().verify(try await service.bundle(id))
            #expect(report.ballots == 20 && report.stage == (round % 2 == 0 ? "closed" : "annulled"))
        }
    }

    @Test("a live server on a real socket answers /healthz, /metrics and the API")
    func live() async throws {
        let server = try await TestServer()
        try await server.app.test(.live) { client in
            #expect(try await client.call(.get, "/healthz").body == "ok\n")
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).status == 201)
            #expect(try await client.call(.get, "\(base)/lz-2026").json["title"] as? String == "柳庄社区2026年度党员群众满意度测评")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == 200 && metrics.contentType?.hasPrefix("text/plain") == true)
        }
    }
}
