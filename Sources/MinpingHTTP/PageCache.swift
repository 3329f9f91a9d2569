import CompressNIO
import Foundation
import Hummingbird
import NIOCore

/// Public results pages rendered once per change, not once per request: a large board costs
/// megabytes and a noticeable share of a core to render, and anonymous readers must not slow
/// every API call (BENCHMARKS.md has the figures). Each page is kept with the version it was rendered from (the log's size and
/// what else it shows), served with `ETag`, `Last-Modified` and `Cache-Control`, answered 304
/// when the client already has it, and gzip-compressed once for clients that accept it.
/// Concurrent requests for a page not rendered yet wait on one rendering.
actor PageCache {
    struct Page: Sendable {
        let etag: String
        let lastModified: Date
        let contentType: String
        let plain: ByteBuffer
        let gzip: ByteBuffer?
        let extraHeaders: HTTPFields
    }

    /// Rendered pages kept at most: every evaluation's board and history in two languages,
    /// with room; the oldest rendering goes first.
    static let capacity = 512

    private var pages: [String: Page] = [:]
    private var rendering: [String: Task<Page, any Error>] = [:]
    private var order: [String] = []

    /// The page under `key` at `version`, rendered by `render` if not kept yet.
    func page(key: String, version: String, contentType: String,
              render: @escaping @Sendable () async throws -> (body: String, headers: HTTPFields)) async throws -> Page {
        let etag = "\"" + Self.tag(key + "\n" + version) + "\""
        if let page = pages[key], page.etag == etag { return page }
        let task: Task<Page, any Error>
        if let running = rendering[etag] {
            task = running
        } else {
            task = Task {
                let (body, headers) = try await render()
                let plain = ByteBuffer(string: body)
                var input = plain
                let gzip = plain.readableBytes > 1_024 ? try input.compress(with: .gzip()) : nil
                return Page(etag: etag, lastModified: Date(), contentType: contentType, plain: plain, gzip: gzip, extraHeaders: headers)
            }
            rendering[etag] = task
        }
        defer { rendering[etag] = nil }
        let page = try await task.value
        if pages.updateValue(page, forKey: key) == nil {
            order.append(key)
            if order.count > Self.capacity { pages[order.removeFirst()] = nil }
        }
        return page
    }

    /// A short stable tag for the ETag (FNV-1a, 64 bits: an ETag needs no secrecy).
    static func tag(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}

extension PageCache.Page {
    /// 304 when the request's `If-None-Match` names this page; else the page, gzipped when
    /// the client accepts it.
    func response(to request: Request, cacheControl: String = "public, max-age=0, must-revalidate") -> Response {
        var headers = extraHeaders
        headers[.eTag] = etag
        headers[.lastModified] = Self.httpDate(lastModified)
        headers[.cacheControl] = cacheControl
        headers[.vary] = "Accept-Encoding"
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        if let gzip, Self.acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzip))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: plain))
    }

    /// `Accept-Encoding` naming gzip (or `*`) with a weight above 0.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { return false }
            let weight = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return weight > 0
        }
    }

    /// RFC 9110 §5.6.7 IMF-fixdate.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
