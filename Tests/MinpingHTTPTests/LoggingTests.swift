import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MinpingCore
import MinpingTokens
import Synchronization
import Testing

/// Every line logged, at every level, with its metadata.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "minping.test") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append("\(event.level) \(event.source) \(event.message) \(all) \(event.error.map { "\($0)" } ?? "")")
        }
    }
}

@Suite("Logging (STYLE habit 7)")
struct LoggingTests {
    let base = "/api/v1/evaluations"

    @Test("a whole evaluation logs, at trace level, no token, enrollment code, API key, token request, tracker or ballot content")
    func noSecretsInLogs() async throws {
        let log = CapturedLog()
        let server = try await TestServer(logger: log.logger)
        let keys = [server.admin, server.reviewer, server.operatorKey]
        let secrets = try await server.app.test(.router) { client -> [String] in
            var secrets = keys
            _ = try await client.call(.post, base, key: server.admin, text: testDefinition)
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3]).json["tokens"] as? [String])
            let codes = try #require(try await client.call(.post, "\(base)/lz-2026/enrollment-codes", key: server.admin, json: ["count": 1]).json["codes"] as? [String])
            let tokenClient = TokenClient(publicKey: try await server.service.tokenPublicKey("lz-2026"),
                                          challenge: TokenChallenge(street: "chengqu", evaluation: "lz-2026"))
            let pending = try tokenClient.request()
            let request = pending.request.bytes.base64URLEncodedString
            let response = try #require(try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0], "token_request": request]).json["token_response"] as? String)
            let remote = try tokenClient.finalize(try TokenResponse(bytes: try #require(Data(base64URLEncoded: response))), for: pending).base64URL
            secrets += tokens + codes + [request, response, remote]
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            for token in tokens + [remote] {
                let tracker = try #require(try await client.call(.post, "\(base)/lz-2026/ballots",
                                                                 json: ["token": token, "ratings": ["m-1": "basically_satisfied", "m-2": "dissatisfied"]]).json["tracker"] as? String)
                secrets.append(tracker)
                _ = try await client.call(.get, "\(base)/lz-2026/receipts/\(tracker)")
            }
            #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": ["m-1": "satisfied"]]).code == "token_spent")
            // The same request again (a lost answer) and another one with the used code.
            #expect(try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0], "token_request": request]).status == 201)
            let other = try tokenClient.request().request.bytes.base64URLEncodedString
            secrets.append(other)
            #expect(try await client.call(.post, "\(base)/lz-2026/tokens", json: ["code": codes[0].lowercased(), "token_request": other]).code == "code_invalid")
            secrets.append(codes[0].lowercased())
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            _ = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            _ = try await client.call(.post, "\(base)/lz-2026/appeals", key: server.reviewer, json: ["text": "申诉人 张三 13800000000"])
            return secrets + ["basically_satisfied", "dissatisfied", "13800000000"]
        }
        let lines = log.all
        #expect(lines.contains { $0.contains("evaluation created") }, "\(lines)")
        for secret in secrets {
            #expect(!lines.contains { $0.contains(secret) }, "a log line holds '\(secret.prefix(12))…'")
        }
    }
}
