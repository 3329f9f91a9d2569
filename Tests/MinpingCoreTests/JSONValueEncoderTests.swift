import Foundation
import MinpingCore
import Testing

@Suite("JSONValueEncoder: a struct written in SPEC's key order")
struct JSONValueEncoderTests {
    enum Colour: String, Encodable { case red }

    struct Inner: Encodable { let tokenKeyID: String, count: Int }

    struct Response: Encodable {
        let zeta: Int
        let alpha: String?
        @OmittedIfNil var leftOut: String?
        @OmittedIfNil var keptIn: [Int]?
        let createdAt: Date
        let colour: Colour
        let inner: [Inner]
        let raw: JSONValue
        let tokenKeySPKI: Bool
    }

    @Test("declaration order, snake_case keys, null for nil, omitted when marked, dates in log time, enums by raw value")
    func conventions() throws {
        let value = Response(zeta: 1, alpha: nil, leftOut: nil, keptIn: [2], createdAt: Date(timeIntervalSince1970: 0), colour: .red,
                             inner: [Inner(tokenKeyID: "k", count: 3)], raw: .object([("B", .int(1)), ("a", .null)]), tokenKeySPKI: true)
        let json = try JSONValueEncoder().encode(value).serialized
        #expect(json == #"{"zeta":1,"alpha":null,"kept_in":[2],"created_at":"1970-01-01T00:00:00Z","colour":"red","#
            + #""inner":[{"token_key_id":"k","count":3}],"raw":{"B":1,"a":null},"token_key_spki":true}"#)
    }

    @Test("a page's view model keeps its names as declared")
    func declaredKeys() throws {
        let json = try JSONValueEncoder(keys: .asDeclared).encode(Inner(tokenKeyID: "k", count: 3)).serialized
        #expect(json == #"{"tokenKeyID":"k","count":3}"#)
    }

    @Test("a floating-point value is refused, not rounded")
    func noDoubles() {
        struct Rate: Encodable { let rate: Double }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Rate(rate: 0.5)) }
    }
}
