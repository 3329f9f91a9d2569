import Logging
import ServiceLifecycle

/// Integrates pending ballots into the logs every few seconds; at graceful shutdown it runs
/// once more, so a clean stop leaves nothing pending. (A crash leaves them pending, and
/// start-up integrates them before serving.)
public struct IntegratorService: Service {
    let service: EvaluationService
    let interval: Duration
    let logger: Logger

    public init(service: EvaluationService, interval: Duration, logger: Logger) {
        self.service = service
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            await integrate()
        }
        // Once more at the end, even when the server is cancelled (a failed start, say): an
        // unstructured task does not inherit the cancellation.
        await Task { await integrate() }.value
    }

    private func integrate() async {
        do {
            let count = try await service.integrateAll()
            if count > 0 { logger.debug("ballots integrated", metadata: ["count": "\(count)"]) }
        } catch {
            logger.error("integration failed", metadata: ["error": "\(error)"])
        }
    }
}
