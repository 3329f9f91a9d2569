import AsyncHTTPClient
import Foundation
import MinpingService
import NIOCore
import NIOFoundationCompat

/// Posts checkpoints to witnesses over HTTP with AsyncHTTPClient; a witness that does not
/// answer within `timeout` counts as down (a witness checks a signature and a proof: it
/// answers in milliseconds), and one that refuses connections is known down within the
/// connect timeout, not only at the deadline.
public struct HTTPWitnessTransport: WitnessTransport {
    let timeout: TimeAmount

    public init(timeout: TimeAmount = .seconds(5)) {
        self.timeout = timeout
    }

    /// One client for the process, never shut down (it lives as long as the server).
    static let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                   configuration: .init(timeout: .init(connect: .seconds(2), read: .seconds(5))))

    public func post(_ url: String, body: Data) async throws -> (status: Int, contentType: String?, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await Self.client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 * 1024)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), Data(buffer: bytes))
    }
}
