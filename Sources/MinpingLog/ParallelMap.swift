import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` over every core, in order. For independent work per element (the verifier's
    /// parsing, hashing and token signatures; signing slips); anything that depends on earlier
    /// elements stays sequential.
    /// `minimum`: below this many elements the threads cost more than they save.
    public func parallelMap<Result: Sendable>(minimum: Int = 1_024, _ transform: @Sendable (Element) -> Result) -> [Result] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count >= minimum else { return map(transform) }
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
