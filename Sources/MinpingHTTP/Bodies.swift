import Foundation
import Hummingbird
import MinpingCore
import NIOCore

/// Small helpers for the JSON bodies of SPEC §7: read with a size limit, refuse what is not a
/// JSON object (400 malformed_request), and answer with our ordered JSON.
enum Body {
    static func bytes(_ request: Request, limit: Int) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return Data(buffer: buffer)
    }

    static func object(_ request: Request, limit: Int = 64 * 1024) async throws -> JSONObject {
        let data = try await bytes(request, limit: limit)
        guard !data.isEmpty else { return JSONObject(fields: [:]) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem(.badRequest, "malformed_request", "the body must be a JSON object")
        }
        return JSONObject(fields: object)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: value.serialized)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A parsed JSON object with typed, erroring accessors: a wrong field is a 400 naming it.
struct JSONObject {
    let fields: [String: Any]

    func string(_ key: String) throws -> String {
        guard let value = fields[key] as? String else { throw Problem(.badRequest, "malformed_request", "'\(key)' must be a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = fields[key], !(value is NSNull) else { return nil }
        return try string(key)
    }

    func int(_ key: String) throws -> Int {
        // JSONSerialization reads true and false as NSNumbers too (of type "c"): a count must
        // be a number.
        guard let number = fields[key] as? NSNumber, String(cString: number.objCType) != "c",
              let value = Int(exactly: number.doubleValue)
        else { throw Problem(.badRequest, "malformed_request", "'\(key)' must be a whole number") }
        return value
    }

    func stringMap(_ key: String) throws -> [String: String] {
        guard let value = fields[key] as? [String: Any] else {
            throw Problem(.badRequest, "malformed_request", "'\(key)' must be an object of strings")
        }
        var map: [String: String] = [:]
        for (name, item) in value {
            guard let text = item as? String else { throw Problem(.badRequest, "malformed_request", "'\(key).\(name)' must be a string") }
            map[name] = text
        }
        return map
    }
}
