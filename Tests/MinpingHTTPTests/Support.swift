import Foundation
import Testing
import MinpingLog
import Hummingbird
import Logging
import MinpingKeys
import NIOCore
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingService
import MinpingTestSupport
import Synchronization

/// A definition small enough to read in a test, with a 5-day publicity period.
let testDefinition = """
    id: lz-2026
    title: 柳庄社区2026年度党员群众满意度测评
    street: chengqu
    community: 柳庄社区
    electorate: 60
    publicity_days: 5
    organizations:
      - {id: lz-1, name: 柳庄社区第一党支部}
    members:
      - {id: m-1, name: 王某, organization: lz-1}
      - {id: m-2, name: 李某, organization: lz-1}
    """

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(days: Double) { current.withLock { $0 += days * 86_400 } }
}

/// A service on the in-memory store with an admin, a reviewer, and keys for another street.
struct TestServer {
    let service: EvaluationService
    let clock = TestClock()
    let admin: String
    let reviewer: String
    let otherAdmin: String
    let operatorKey: String

    let logger: Logger

    /// The key-encryption key of every test store.
    static let keys = KeyEncryptionKey()

    init(store: any EvaluationStore = MemoryStore(), logger: Logger = Logger(label: "minping.test")) async throws {
        let clock = clock
        self.logger = logger
        service = EvaluationService(store: store, keys: Self.keys, now: { clock.now }, logger: logger)
        admin = try await service.createAPIKey(role: .admin, street: "chengqu")
        reviewer = try await service.createAPIKey(role: .reviewer, street: "chengqu")
        otherAdmin = try await service.createAPIKey(role: .admin, street: "xincheng")
        operatorKey = try await service.createAPIKey(role: .operator, street: nil)
    }

    var app: some ApplicationProtocol { get throws { try buildApplication(service: service, integrateEvery: nil, logger: logger) } }

    /// Both verifiers accept the evaluation's bundle (written to a scratch directory for the
    /// independent Python one); returns the Swift verifier's summary.
    @discardableResult
    func verifyBoth(_ id: String) async throws -> VerificationSummary {
        let bundle = try await service.bundle(id)
        let summary = try BundleVerifier().verify(bundle)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minping-\(id)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try bundle.write(to: directory)
        let python = try IndependentVerifier.run(directory.path)
        #expect(python.status == 0, "\(python.output)")
        return summary
    }

    /// The application with a short idle timeout, for the tests of slow clients.
    func application(idleTimeout: TimeAmount) throws -> some ApplicationProtocol {
        try buildApplication(service: service, integrateEvery: nil, idleTimeout: idleTimeout, logger: logger)
    }
}

import MinpingStore

struct Reply {
    let status: Int
    let body: String
    let contentType: String?
    var retryAfter: String? = nil

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    var code: String? { json["code"] as? String }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, json: Any? = nil, text: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let text {
            headers[.contentType] = "application/yaml"
            body = ByteBuffer(string: text)
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: Int(response.status.code), body: String(buffer: response.body), contentType: response.headers[.contentType],
                  retryAfter: response.headers[.retryAfter])
        }
    }
}

