import MinpingCore
@testable import MinpingLog
import Testing

@Suite("Canonical JSON (RFC 8785, the log's profile)")
struct CanonicalJSONTests {
    @Test("RFC 8785 §3.2.2.2: the string example serializes as published")
    func stringExample() {
        // Input "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/" decodes to these scalars.
        let value = JSONValue.string("\u{20AC}$\u{0F}\nA'B\"\\\\\"/")
        #expect(CanonicalJSON.encodeString(value) == #""€$\u000f\nA'B\"\\\\\"/""#)
    }

    @Test("RFC 8785 §3.2.2.1: literals serialize as published")
    func literals() {
        #expect(CanonicalJSON.encodeString(.array([.null, .bool(true), .bool(false)])) == "[null,true,false]")
    }

    @Test("keys sort by code unit; Chinese strings stay UTF-8; integers print plainly")
    func sortingAndChinese() {
        let value = JSONValue.object([
            ("type", .string("ballot")), ("seq", .int(12)), ("prev", .string("00")), ("v", .int(1)),
            ("ratings", .object([("m-002", .string("满意")), ("m-001", .string("不了解"))])),
            ("Z", .int(-3)), ("a", .array([])),
        ])
        #expect(CanonicalJSON.encodeString(value)
            == #"{"Z":-3,"a":[],"prev":"00","ratings":{"m-001":"不了解","m-002":"满意"},"seq":12,"type":"ballot","v":1}"#)
    }

    @Test("canonical bytes parse back to the same value", arguments: [
        #"{"a":1,"b":[true,false,null,"x"],"c":{"d":"府苑社区"}}"#, #"[]"#, #"{}"#, #""\u001f""#, "9007199254740991", "-9007199254740991",
    ])
    func roundTrip(text: String) throws {
        let value = try CanonicalJSON.parse(Array(text.utf8))
        #expect(CanonicalJSON.encodeString(value) == text)
    }

    @Test("non-canonical or out-of-profile input is refused", arguments: [
        #"{"b":1,"a":2}"#, #"{ "a":1}"#, #"{"a":1} "#, #"{"a":1.5}"#, #"{"a":1e2}"#, #"{"a":01}"#, #"{"a":-0}"#,
        #"{"a":"\u0041"}"#, #"{"a":"\/"}"#, #"{"键":1}"#, #"{"a":1,"a":1}"#, "9007199254740992", #"{"a":"x"#,
        "[1,]", "tru", #""\u00e9""#, "-0", "[-0]", "-01", #""\u000A""#, #""\u000a""#, #""\u001F""#,
    ])
    func refusals(text: String) {
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 in a string is refused, before or after an escape; valid UTF-8 is kept", arguments: [
        [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xEF, 0xBF], [0xE6, 0xBB, 0x41],
    ] as [[UInt8]])
    func invalidUTF8(bad: [UInt8]) throws {
        let quote = UInt8(ascii: "\""), escape: [UInt8] = Array(#"\n"#.utf8)
        for text in [[quote] + bad + [quote], [quote] + escape + bad + [quote], [quote] + bad + escape + [quote]] {
            #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parse(text) }
        }
        let valid = Array("\"府苑\\n社区\u{FFFD}\"".utf8)
        #expect(try CanonicalJSON.parse(valid) == .string("府苑\n社区\u{FFFD}"))
    }

    /// The parser checks canonical form as it reads instead of writing the value back, so
    /// here thousands of near-canonical texts must either be refused or be exactly what
    /// ``CanonicalJSON/encode(_:)`` writes.
    @Test("whatever parses is byte-for-byte its own canonical form (100,000 mutations)")
    func mutationsParseOnlyWhenCanonical() {
        let seeds = [
            #"{"at":"2018-06-01T08:00:00Z","prev":"00ab","ratings":{"m-001":"满意","o1":"不了解"},"seq":120,"type":"ballot","v":1}"#,
            #"{"a":[-12,0,9007199254740991,true,false,null],"b":"\u001f\n\"\\x","c":{}}"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"{}[]":,\-0123456789 abefnrtu/."#.utf8) + [0x0A, 0x1F, 0x7F, 0xE6, 0xBB]
        var generator = SplitMix64(state: 8785)
        var accepted = 0
        for round in 0..<100_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0...Int.random(in: 0...2, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] = alphabet.randomElement(using: &generator)!
                case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            guard let value = try? CanonicalJSON.parse(bytes) else { continue }
            accepted += 1
            #expect(CanonicalJSON.encode(value) == bytes, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 1_000)  // the mutations do reach the parser's accepting paths
    }
}
