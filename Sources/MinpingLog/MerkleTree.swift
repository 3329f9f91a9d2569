import Crypto
import Foundation

/// RFC 9162 §2.1 hashing: leaves are `SHA-256(0x00 || entry)`, nodes `SHA-256(0x01 || l || r)`,
/// the empty tree `SHA-256("")`.
public enum Merkle {
    public static let hashLength = 32

    public static func leafHash(_ entry: some DataProtocol) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: entry)
        return Data(hasher.finalize())
    }

    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    public static let emptyRoot = Data(SHA256.hash(data: Data()))

    /// The largest power of two strictly less than `n` (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// Verifies an inclusion proof.
    /// - Seealso: RFC 9162 §2.1.3.2
    public static func verifyInclusion(index: Int, size: Int, leafHash: Data, proof: [Data], root: Data) -> Bool {
        guard index >= 0, index < size, leafHash.count == hashLength, root.count == hashLength,
              proof.allSatisfy({ $0.count == hashLength }) else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Verifies a consistency proof between two tree heads.
    /// - Seealso: RFC 9162 §2.1.4.2
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: Data, newRoot: Data, proof: [Data]) -> Bool {
        guard oldSize >= 0, oldSize <= newSize, oldRoot.count == hashLength, newRoot.count == hashLength,
              proof.allSatisfy({ $0.count == hashLength }) else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// An append-only Merkle tree over leaf hashes that keeps every complete subtree, so roots
/// and proofs for any earlier size cost O(log² n) hashes.
///
/// A copy is cheap to grow: the service keeps each evaluation's tree while a log step appends
/// to a copy, and the copy's first append copies at most one chunk of each level
/// (``HashLevel``), not every hash the log holds.
/// - Seealso: RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH), §2.1.4.1 (PROOF / SUBPROOF)
public struct MerkleTree: Sendable {
    /// levels[k][i] = hash of the perfect subtree of 2^k leaves starting at leaf i·2^k.
    private(set) var levels: [HashLevel] = [HashLevel()]

    public init() {}

    public init(leafHashes: some Sequence<Data>) {
        for hash in leafHashes { append(leafHash: hash) }
    }

    public var size: Int { levels[0].count }

    public func leafHash(at index: Int) -> Data { levels[0][index] }

    public mutating func append(leafHash: Data) {
        levels[0].append(leafHash)
        var level = 0
        var index = levels[0].count - 1
        while index & 1 == 1 {
            let parent = Merkle.nodeHash(levels[level][index - 1], levels[level][index])
            level += 1
            if levels.count == level { levels.append(HashLevel()) }
            levels[level].append(parent)
            index >>= 1
        }
    }

    /// MTH of the leaves in `start..<end`.
    func hash(_ start: Int, _ end: Int) -> Data {
        let n = end - start
        if n == 0 { return Merkle.emptyRoot }
        if n & (n - 1) == 0, start % n == 0 {
            let level = n.trailingZeroBitCount
            return levels[level][start >> level]
        }
        let k = Merkle.split(n)
        return Merkle.nodeHash(hash(start, start + k), hash(start + k, end))
    }

    /// The root of the first `size` leaves (default: all).
    public func root(size: Int? = nil) -> Data {
        hash(0, size ?? self.size)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    public func inclusionProof(index: Int, size: Int? = nil) -> [Data] {
        let size = size ?? self.size
        precondition(index >= 0 && index < size && size <= self.size, "inclusion proof out of range")
        return path(index, 0, size)
    }

    private func path(_ m: Int, _ start: Int, _ end: Int) -> [Data] {
        let n = end - start
        if n <= 1 { return [] }
        let k = Merkle.split(n)
        if m < k { return path(m, start, start + k) + [hash(start + k, end)] }
        return path(m - k, start + k, end) + [hash(start, start + k)]
    }

    /// The consistency proof from the tree of `oldSize` leaves to that of `newSize`.
    public func consistencyProof(oldSize: Int, newSize: Int? = nil) -> [Data] {
        let newSize = newSize ?? size
        precondition(oldSize >= 0 && oldSize <= newSize && newSize <= size, "consistency proof out of range")
        if oldSize == 0 || oldSize == newSize { return [] }
        return subproof(oldSize, 0, newSize, true)
    }

    private func subproof(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) -> [Data] {
        let n = end - start
        if m == n { return complete ? [] : [hash(start, end)] }
        let k = Merkle.split(n)
        if m <= k { return subproof(m, start, start + k, complete) + [hash(start + k, end)] }
        return subproof(m - k, start + k, end, false) + [hash(start, start + k)]
    }
}

/// One level of a ``MerkleTree``: its hashes in chunks of ``chunkSize``. Copies share the
/// chunks; appending to a copy copies the outer array of chunks and the last chunk only.
struct HashLevel: Sendable {
    static let chunkSize = 1_024
    private(set) var chunks: [[Data]] = []

    var count: Int {
        chunks.isEmpty ? 0 : (chunks.count - 1) * Self.chunkSize + chunks[chunks.count - 1].count
    }

    subscript(index: Int) -> Data {
        chunks[index / Self.chunkSize][index % Self.chunkSize]
    }

    mutating func append(_ hash: Data) {
        if (chunks.last?.count ?? Self.chunkSize) == Self.chunkSize {
            var chunk: [Data] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(hash)
    }
}
