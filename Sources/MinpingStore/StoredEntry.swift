import Foundation

/// One log entry as stored: its exact bytes and leaf hash.
public struct StoredEntry: Sendable, Equatable {
    public var seq: Int
    public var type: String
    public var bytes: [UInt8]
    public var leafHash: Data

    public init(seq: Int, type: String, bytes: [UInt8], leafHash: Data) {
        self.seq = seq
        self.type = type
        self.bytes = bytes
        self.leafHash = leafHash
    }
}
