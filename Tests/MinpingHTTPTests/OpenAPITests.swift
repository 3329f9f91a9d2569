import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
@testable import MinpingHTTP
import MinpingService
import MinpingTestSupport
import Testing
import Yams

@Suite("OpenAPI document")
struct OpenAPITests {
    /// `(METHOD, /path/{param})` pairs from the document: path keys at two spaces under
    /// `paths:`, operations at four.
    static func documented(_ text: String) -> Set<String> {
        var pairs = Set<String>()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" "), !line.isEmpty { inPaths = line.hasPrefix("paths:") }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).prefix { $0 != ":" })
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) { pairs.insert("\(key.uppercased()) \(path)") }
            }
        }
        return pairs
    }

    @Test("every route in the router is in openapi.yaml, and the reverse")
    func routesMatch() async throws {
        let router = try buildRouter(service: EvaluationService(store: MemoryStore(), keys: TestServer.keys))
        let routed = Set(router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method) /\(path)"
        })
        let documented = Self.documented(OpenAPIDocument.text)
        #expect(routed.count >= 20)
        #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.yaml: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
    }

    @Test("the document is YAML that parses, with every path's operations under it")
    func parses() throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        #expect(paths.count >= 40 && (document["components"] as? [String: Any])?["schemas"] != nil)
        // The line scan the route test uses sees the same paths the YAML parser does.
        let scanned = Set(Self.documented(OpenAPIDocument.text).map { String($0.split(separator: " ")[1]) })
        #expect(Set(paths.keys).subtracting(["/healthz", "/metrics"]) == scanned.subtracting(["/healthz", "/metrics"]))
    }

    @Test("the document is served at /api/v1/openapi.yaml and is the file in the repository")
    func served() async throws {
        let app = try buildApplication(service: EvaluationService(store: MemoryStore(), keys: TestServer.keys), integrateEvery: nil)
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
        try await app.test(.router) { client in
            let reply = try await client.call(.get, "/api/v1/openapi.yaml")
            #expect(reply.status == 200 && reply.body.hasPrefix("openapi: 3.1"))
            #expect(reply.body == (try String(contentsOf: file, encoding: .utf8)))
        }
    }

    @Test("the problem codes in openapi.yaml are exactly ProblemCode's, and the label catalogue has a message for each, in both languages")
    func problemCodes() throws {
        let text = OpenAPIDocument.text
        let schema = try #require(text.range(of: "    Problem:\n"))
        let enumStart = try #require(text.range(of: "enum: [", range: schema.upperBound..<text.endIndex))
        let enumEnd = try #require(text.range(of: "]", range: enumStart.upperBound..<text.endIndex))
        let documented = Set(text[enumStart.upperBound..<enumEnd.lowerBound].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        })
        let swift = Set(ProblemCode.allCases.map(\.rawValue))
        #expect(documented == swift, "only in openapi.yaml: \(documented.subtracting(swift).sorted()); only in Swift: \(swift.subtracting(documented).sorted())")

        // The one catalogue (console and pages): both languages, the same keys, no empty text,
        // a message for every code.
        try Labels.check()
        for language in [Language.zh, .en] {
            let missing = ProblemCode.allCases.map { "error_\($0.rawValue)" }.filter { Labels.all(language)[$0] == nil }
            #expect(missing.isEmpty, "labels.\(language.rawValue).json has no message for \(missing)")
        }
        #expect(Labels.all(.zh)["state_draft"] == "准备中", "the console and the board call a draft by one name")
        for language in [Language.zh, .en] {
            let states = EvaluationState.allCases.map { "state_\($0.rawValue)" }.filter { Labels.all(language)[$0] == nil }
            #expect(states.isEmpty, "labels.\(language.rawValue).json names no state \(states)")
            #expect(Labels.script(language).count >= 50, "the voting page's words come from the catalogue")
        }
    }
}
