import Foundation
import Hummingbird
import MinpingCore
import NIOCore

/// The JSON bodies of SPEC §7: requests decode into `Decodable` structs (a wrong field is a 400
/// naming it), responses are structs written by our ordered JSON writer.
enum Body {
    static func bytes(_ request: Request, limit: Int) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return Data(buffer: buffer)
    }

    /// Decodes the body as `T`; an empty body reads as `{}`.
    static func decode<T: Decodable>(_: T.Type, _ request: Request, limit: Int = 64 * 1024) async throws -> T {
        let data = try await bytes(request, limit: limit)
        do {
            return try JSONDecoder().decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw Problem(.malformedRequest, "'\(path(context.codingPath + [key]))' is required")
        } catch let DecodingError.typeMismatch(type, context) where !context.codingPath.isEmpty {
            throw Problem(.malformedRequest, "'\(path(context.codingPath))' must be \(describe(type))")
        } catch let DecodingError.valueNotFound(type, context) where !context.codingPath.isEmpty {
            throw Problem(.malformedRequest, "'\(path(context.codingPath))' must be \(describe(type))")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw Problem(.malformedRequest, "'\(path(context.codingPath))': \(context.debugDescription)")
        } catch is DecodingError {
            throw Problem(.malformedRequest, "the body must be a JSON object")
        }
    }

    /// A ballot's body, `{"token": "…", "ratings": {"<subject>": "<option>", …}}`, read with
    /// JSONSerialization: the hot path of voting, where JSONDecoder's keyed decoding of the
    /// ratings cost twice as much. Its refusals say what ``decode(_:_:limit:)`` would.
    static func ballot(_ request: Request, limit: Int) async throws -> (token: String, ratings: [String: String]) {
        let data = try await bytes(request, limit: limit)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw Problem(.malformedRequest, "the body must be a JSON object")
        }
        guard let object = parsed as? [String: Any] else {
            throw Problem(.malformedRequest, "the body must be a JSON object")
        }
        guard let tokenValue = object["token"] else { throw Problem(.malformedRequest, "'token' is required") }
        guard let token = tokenValue as? String else { throw Problem(.malformedRequest, "'token' must be a string") }
        guard let ratingsValue = object["ratings"] else { throw Problem(.malformedRequest, "'ratings' is required") }
        guard let members = ratingsValue as? [String: Any] else {
            throw Problem(.malformedRequest, "'ratings' must be an object of option ids")
        }
        var ratings: [String: String] = [:]
        ratings.reserveCapacity(members.count)
        for (subject, value) in members {
            // NSNumber and NSNull never cast to String: only JSON strings pass.
            guard let option = value as? String else {
                throw Problem(.malformedRequest, "'ratings.\(subject)' must be a string")
            }
            ratings[subject] = option
        }
        return (token, ratings)
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a whole number"
        default: "of another kind (\(type))"
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: value.serialized)))
    }

    /// A file to save (`Content-Disposition: attachment`); ids are slugs, so the name needs no quoting.
    /// `filename`: an ASCII name for old clients; `displayName`: the name people see (Chinese),
    /// as RFC 6266 `filename*` (UTF-8, percent-encoded).
    static func download(_ data: Data, type: String, filename: String, displayName: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: type]
        var disposition = "attachment; filename=\"\(filename)\""
        if let displayName {
            let allowed = CharacterSet.alphanumerics.subtracting(CharacterSet(charactersIn: "\u{80}"..."\u{10FFFF}")).union(CharacterSet(charactersIn: "-._~"))
            let encoded = displayName.replacingOccurrences(of: "/", with: "／").addingPercentEncoding(withAllowedCharacters: allowed) ?? filename
            disposition += "; filename*=UTF-8''\(encoded)"
        }
        headers[.contentDisposition] = disposition
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A typed response body: an `Encodable` struct declared in the key order SPEC §7 shows,
/// written by ``JSONValueEncoder`` (snake_case keys, `null` for an absent value, Chinese as
/// UTF-8, slashes unescaped), so every JSON answer goes through one writer.
protocol JSONResponse: ResponseGenerator, Encodable {
    var status: HTTPResponse.Status { get }
}

extension JSONResponse {
    var status: HTTPResponse.Status { .ok }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Body.json(try JSONValueEncoder().encode(self), status: status)
    }
}

/// A value whose JSON form its own type writes (results, history: SPEC §3's canonical form).
struct Written: JSONResponse {
    let json: JSONValue

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(json)
    }
}

/// A request field that must not be empty or blank.
struct NonEmpty: Decodable, Sendable {
    let text: String

    init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "must not be empty"))
        }
    }
}
