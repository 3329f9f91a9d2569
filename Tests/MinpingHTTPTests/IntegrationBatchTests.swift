import Foundation
@testable import MinpingService
import MinpingStore
import Testing

@Suite("Integration batches (SPEC §5: the log's order does not reveal casting order)")
struct IntegrationBatchTests {
    @Test("a round listed in casting order is cut into batches drawn at random, each ballot once")
    func batchesDrawnAtRandom() {
        // As PostgreSQL may list them: pending ballot k arrived k-th.
        let pending = (0..<1_000).map { PendingBallot(nonce: Data([UInt8($0 >> 8), UInt8($0 & 0xFF)]), token: "t\($0)", storedRatings: "{}") }
        let arrival = { (ballot: PendingBallot) in Int(ballot.nonce[0]) << 8 | Int(ballot.nonce[1]) }
        let batches = EvaluationService.batches(pending, size: 100)
        #expect(batches.count == 10 && batches.allSatisfy { $0.count == 100 })
        #expect(Set(batches.flatMap { $0.map(arrival) }) == Set(0..<1_000))
        // In casting order, batch k would be arrivals 100k..<100(k+1). Drawn at random, about a
        // tenth of a batch comes from any one hundred.
        for (k, batch) in batches.enumerated() {
            let fromItsHundred = batch.filter { arrival($0) / 100 == k }.count
            #expect(fromItsHundred < 40, "batch \(k) holds \(fromItsHundred) of the \(k)-th hundred to arrive")
        }
        #expect(EvaluationService.batches([], size: 100).isEmpty)
        #expect(EvaluationService.batches(Array(pending.prefix(250)), size: 100).map(\.count) == [100, 100, 50])
    }
}
