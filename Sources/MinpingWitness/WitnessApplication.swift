import Foundation
import Hummingbird
import Logging
import MinpingLog
import NIOCore

/// The witness's HTTP service: `POST /add-checkpoint` (C2SP tlog-witness, SPEC §5),
/// `GET /healthz`, and `GET /` (its name, verifier key and the logs it witnesses, as text).
public func buildWitnessApplication(witness: Witness, configuration: ApplicationConfiguration,
                                    logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.get("healthz") { _, _ in "ok\n" }
    router.get("/") { _, _ -> Response in
        var text = "minping witness \(witness.signer.name)\nverifier key: \(witness.signer.verifier.verifierKey)\nlogs:\n"
        for log in try witness.store.logs() { text += "  \(log.origin) \(log.verifierKey)\n" }
        return plain(.ok, text)
    }
    router.post("add-checkpoint") { request, context -> Response in
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxRequestBytes)
        } catch {
            return plain(.contentTooLarge, "a request is at most \(maxRequestBytes) bytes\n")
        }
        do {
            let line = try witness.addCheckpoint(Data(buffer: body))
            return plain(.ok, line)
        } catch let refusal as WitnessRefusal {
            context.logger.notice("checkpoint refused", metadata: ["status": "\(refusal.status)", "reason": "\(refusal)"])
            if case let .conflict(size) = refusal {
                return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"],
                                body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
            }
            return plain(HTTPResponse.Status(code: refusal.status), "\(refusal)\n")
        } catch {
            context.logger.error("add-checkpoint failed", metadata: ["error": "\(error)"])
            return plain(.internalServerError, "the witness could not store its state\n")
        }
    }
    return Application(router: router, configuration: configuration, logger: logger)
}

/// An old size line, 63 proof lines and a checkpoint with a few signatures fit many times over.
let maxRequestBytes = 64 * 1024

private func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
}
