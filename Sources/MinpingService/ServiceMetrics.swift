import Metrics

/// The service's Prometheus metrics (served at /metrics by the HTTP layer).
enum ServiceMetrics {
    static func ballotAccepted() {
        Counter(label: "minping_ballots_accepted_total").increment()
    }

    static func ballotRefused(_ code: String) {
        Counter(label: "minping_ballots_refused_total", dimensions: [("code", code)]).increment()
    }

    static func integrated(count: Int, duration: Duration) {
        Counter(label: "minping_ballots_integrated_total").increment(by: count)
        Timer(label: "minping_batch_integration_seconds").recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
