import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The TLS certificate and key the server answers HTTPS with (SPEC §8 `--tls-cert`,
/// `--tls-key`). `reload()` reads the files again (SIGHUP): new connections use the new pair,
/// open ones keep theirs, nothing is dropped. A pair that cannot be read, or a key that is not
/// the certificate's, is refused and the pair in use stays.
public final class TLSCertificates: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let current: Mutex<NIOSSLContext>

    /// A file that is not a certificate chain or a key, or a key that is not the certificate's.
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(certificate: String, key: String) throws(SetupError) {
        certificatePath = certificate
        keyPath = key
        current = Mutex(try Self.context(certificate: certificate, key: key))
    }

    public func reload() throws(SetupError) {
        let context = try Self.context(certificate: certificatePath, key: keyPath)
        current.withLock { $0 = context }
    }

    var context: NIOSSLContext { current.withLock { $0 } }

    static func context(certificate: String, key: String) throws(SetupError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw SetupError(description: "\(certificate): not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw SetupError(description: "\(certificate): holds no certificate") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw SetupError(description: "\(key): not a PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                      privateKey: .privateKey(privateKey))
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SetupError(description: "\(key): not the private key of the certificate in \(certificate) (\(error))")
        }
    }
}

/// HTTP/1.1 over TLS with the certificate pair of the moment (``TLSCertificates``): each new
/// connection takes the pair current when it arrives.
struct ReloadableTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let certificates: TLSCertificates

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: certificates.context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Reads the certificate pair again on SIGHUP (SPEC §8), so a renewed certificate is taken
/// without a restart.
struct CertificateReloadService: Service {
    let certificates: TLSCertificates
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                try certificates.reload()
                logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(certificates.certificatePath)"])
            } catch {
                logger.error("TLS certificate not reloaded; the previous one stays in use", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The plain-HTTP listener beside HTTPS (`--http-port`): it only redirects to the HTTPS
/// address, so a typed `http://` address still arrives, and never sets a cookie.
public func buildRedirectApplication(host: String, port: Int, httpsBase: String, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    let base = httpsBase.hasSuffix("/") ? String(httpsBase.dropLast()) : httpsBase
    router.add(middleware: RedirectMiddleware(base: base))
    return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "minping"), logger: logger)
}

struct RedirectMiddleware<Context: RequestContext>: RouterMiddleware {
    let base: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // 308 keeps the method and body of a POST.
        Response(status: .permanentRedirect, headers: [.location: base + request.uri.description, .contentLength: "0"])
    }
}
