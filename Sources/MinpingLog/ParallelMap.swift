import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` over every core, in order. For the verifier's independent per-entry work
    /// (parsing, hashing, token signatures); anything that depends on earlier entries stays
    /// sequential.
    func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count >= 1_024 else { return map(transform) }
        let chunks = Swift.min(count, cores * 8)
        var results = [Result?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each chunk writes only its own indices.
            nonisolated(unsafe) let output = buffer
            self.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let start = input.count * chunk / chunks, end = input.count * (chunk + 1) / chunks
                    for index in start..<end { output[index] = transform(input[index]) }
                }
            }
        }
        return results.map { $0! }
    }
}
