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
        "[1,]", "tru", #""\u00e9""#,
    ])
    func refusals(text: String) {
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
    }
}

