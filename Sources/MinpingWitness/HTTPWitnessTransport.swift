import AsyncHTTPClient
import Foundation
import MinpingService
import NIOCore
import NIOFoundationCompat

/// Posts checkpoints to witnesses over HTTP with AsyncHTTPClient's shared client; a witness
/// that does not answer within `timeout` counts as down.
public struct HTTPWitnessTransport: WitnessTransport {
    let timeout: TimeAmount

    public init(timeout: TimeAmount = .seconds(10)) {
        self.timeout = timeout
    }

    public func post(_ url: String, body: Data) async throws -> (status: Int, contentType: String?, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 * 1024)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), Data(buffer: bytes))
    }
}
