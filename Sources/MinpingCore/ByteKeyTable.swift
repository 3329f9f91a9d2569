/// An open-addressing hash table from byte strings to small integers, looked up straight
/// from a read buffer so the vote reader makes no `String` per rating.
struct ByteKeyTable: Sendable {
    private var keyBytes: [UInt8] = []
    private var keyStart: [Int] = []
    private var keyEnd: [Int] = []
    /// Slot -> key index + 1; 0 marks an empty slot.
    private var slots: [Int]
    private let mask: Int

    init(keys: [String]) {
        var capacity = 8
        while capacity < keys.count * 2 { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
        mask = capacity - 1
        for (index, key) in keys.enumerated() {
            keyStart.append(keyBytes.count)
            keyBytes.append(contentsOf: key.utf8)
            keyEnd.append(keyBytes.count)
            var slot = Self.hash(keyBytes[keyStart[index]..<keyEnd[index]]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = index + 1
        }
    }

    /// FNV-1a, 64 bit.
    @inline(__always)
    private static func hash(_ bytes: some Collection<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h = (h ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Self.hash(key) & mask
        return keyBytes.withUnsafeBufferPointer { stored in
            while true {
                let entry = slots[slot]
                if entry == 0 { return nil }
                let start = keyStart[entry - 1]
                let length = keyEnd[entry - 1] - start
                if length == key.count,
                   memoryEqual(stored.baseAddress.map { $0 + start }, key.baseAddress, length) {
                    return entry - 1
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private func memoryEqual(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
        guard count > 0 else { return true }
        guard let a, let b else { return false }
        for i in 0..<count where a[i] != b[i] { return false }
        return true
    }
}
