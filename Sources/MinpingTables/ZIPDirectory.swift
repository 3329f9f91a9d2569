import Foundation
import MinpingCore

/// Checks a ZIP archive's directory before ZIPFoundation reads it (PKWARE APPNOTE 6.3.x,
/// §4.3.12 central directory header, §4.3.16 end of central directory record): every offset
/// and size must lie inside the data. ZIPFoundation trusts them, and a local-header offset
/// past the end aborted the process (`Range requires lowerBound <= upperBound`).
///
/// Only what a roster workbook needs is accepted: one disk, no ZIP64, stored or deflated
/// entries, at most ``maximumEntries``. Nothing is extracted here.
enum ZIPDirectory {
    /// A workbook holds a few dozen parts; a thousand is far past any real one.
    static let maximumEntries = 1_000

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    static func validate(_ data: Data, maximumEntryBytes: Int) throws(RosterError) {
        let bytes = [UInt8](data)
        func broken(_ detail: String) -> RosterError {
            .unreadable("不是有效的 Excel（.xlsx）文件：ZIP 结构已损坏（\(detail)），请用 Excel 或 WPS 打开后重新保存")
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }

        // The end record is the last 22 bytes, or sits before a comment of up to 65,535 bytes.
        guard bytes.count >= 22 else { throw broken("文件太短") }
        var end: Int?
        var candidate = bytes.count - 22
        while candidate >= max(0, bytes.count - 22 - 0xFFFF) {
            if u32(candidate) == Int(endSignature), candidate + 22 + u16(candidate + 20) == bytes.count {
                end = candidate
                break
            }
            candidate -= 1
        }
        guard let end else { throw broken("找不到目录结尾") }
        guard u16(end + 4) == 0, u16(end + 6) == 0, u16(end + 8) == u16(end + 10) else { throw broken("分卷压缩") }
        let entries = u16(end + 10), directorySize = u32(end + 12), directoryOffset = u32(end + 16)
        guard entries != 0xFFFF, directorySize != 0xFFFF_FFFF, directoryOffset != 0xFFFF_FFFF else { throw broken("ZIP64") }
        guard entries <= maximumEntries else { throw broken("条目过多") }
        guard directoryOffset + directorySize <= end else { throw broken("目录超出文件范围") }

        var position = directoryOffset
        for _ in 0..<entries {
            guard position + 46 <= directoryOffset + directorySize, u32(position) == Int(centralSignature) else {
                throw broken("目录条目超出范围")
            }
            let method = u16(position + 10)
            let compressed = u32(position + 20), uncompressed = u32(position + 24)
            let nameLength = u16(position + 28), extraLength = u16(position + 30), commentLength = u16(position + 32)
            let local = u32(position + 42)
            guard method == 0 || method == 8 else { throw broken("不支持的压缩方式") }
            guard compressed != 0xFFFF_FFFF, uncompressed != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { throw broken("ZIP64") }
            guard position + 46 + nameLength <= bytes.count else { throw broken("目录条目超出范围") }
            guard uncompressed <= maximumEntryBytes else {
                let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
                throw .unreadable("Excel 文件解压后过大（\(name)）")
            }
            position += 46 + nameLength + extraLength + commentLength
            guard position <= directoryOffset + directorySize else { throw broken("目录条目超出范围") }
            // The entry's local header and its data lie before the central directory.
            guard local + 30 <= directoryOffset, u32(local) == Int(localSignature) else { throw broken("文件头偏移超出范围") }
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            guard dataStart + compressed <= directoryOffset else { throw broken("数据超出范围") }
            // Without a data descriptor (flag bit 3) the local header repeats the sizes.
            if u16(local + 6) & 0x8 == 0, u32(local + 18) != compressed || u32(local + 22) != uncompressed {
                throw broken("文件头与目录不一致")
            }
        }
    }
}
