import Foundation

/// A POSIX ustar archive of small regular files, enough for a reviewer's bundle
/// (`tar -xf` reads it). Paths must fit the 100-byte name field.
/// - Seealso: POSIX.1-2001 `pax` (ustar interchange format)
enum Tar {
    static func archive(_ files: [(path: String, contents: [UInt8])], root: String, modified: Date = Date()) -> [UInt8] {
        var out: [UInt8] = []
        let time = Int(modified.timeIntervalSince1970)
        for directory in directories(files.map(\.path), root: root) {
            out += header(name: directory, size: 0, mode: 0o755, type: UInt8(ascii: "5"), time: time)
        }
        for (path, contents) in files { out += member(root + "/" + path, contents, time: time) }
        out += [UInt8](repeating: 0, count: 1024)  // two zero blocks end the archive
        return out
    }

    /// The same archive as ``archive(_:root:modified:)`` of `before`, a member `streamed` of
    /// `length` bytes, then `after`, cut around the streamed member's contents: what comes
    /// before them (its header included) and after (its padding included). The caller sends
    /// `head`, the `length` bytes, then `tail`.
    static func around(before: [(path: String, contents: [UInt8])], streamed: String, length: Int,
                       after: [(path: String, contents: [UInt8])], root: String, modified: Date = Date()) -> (head: [UInt8], tail: [UInt8]) {
        let time = Int(modified.timeIntervalSince1970)
        var head: [UInt8] = []
        for directory in directories(before.map(\.path) + [streamed] + after.map(\.path), root: root) {
            head += header(name: directory, size: 0, mode: 0o755, type: UInt8(ascii: "5"), time: time)
        }
        for (path, contents) in before { head += member(root + "/" + path, contents, time: time) }
        head += header(name: root + "/" + streamed, size: length, mode: 0o644, type: UInt8(ascii: "0"), time: time)
        var tail = [UInt8](repeating: 0, count: (512 - length % 512) % 512)
        for (path, contents) in after { tail += member(root + "/" + path, contents, time: time) }
        tail += [UInt8](repeating: 0, count: 1024)
        return (head, tail)
    }

    private static func directories(_ paths: [String], root: String) -> [String] {
        var directories: [String] = [root + "/"]
        for path in paths where path.contains("/") {
            let directory = root + "/" + path.split(separator: "/").dropLast().joined(separator: "/") + "/"
            if !directories.contains(directory) { directories.append(directory) }
        }
        return directories
    }

    private static func member(_ name: String, _ contents: [UInt8], time: Int) -> [UInt8] {
        header(name: name, size: contents.count, mode: 0o644, type: UInt8(ascii: "0"), time: time)
            + contents + [UInt8](repeating: 0, count: (512 - contents.count % 512) % 512)
    }

    private static func header(name: String, size: Int, mode: Int, type: UInt8, time: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, length: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, length - 1 - digits.count)) + digits, at: offset, length: length - 1)
        }
        put(name, at: 0, length: 100)
        octal(mode, at: 100, length: 8)
        octal(0, at: 108, length: 8)  // uid
        octal(0, at: 116, length: 8)  // gid
        octal(size, at: 124, length: 12)
        octal(time, at: 136, length: 12)
        block[156] = type
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        put("minping", at: 265, length: 32)
        put("minping", at: 297, length: 32)
        // The checksum is computed with its own field as spaces.
        for index in 148..<156 { block[index] = 0x20 }
        let checksum = block.reduce(0) { $0 + Int($1) }
        let digits = String(checksum, radix: 8)
        put(String(repeating: "0", count: max(0, 6 - digits.count)) + digits, at: 148, length: 6)
        block[154] = 0
        block[155] = 0x20
        return block
    }
}
