/// A cursor over one JSON Lines record. A newline always ends the record: it is never
/// skipped as whitespace, so scanning cannot run past the line it started on.
struct LineScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int

    /// The current byte, or a newline at the end of the buffer.
    @inline(__always)
    var peek: UInt8 { position < bytes.count ? bytes[position] : 0x0A }

    @inline(__always)
    mutating func skipSpace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D: position += 1
            default: return
            }
        }
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ reason: @autoclosure () -> String) throws(VoteError) {
        guard peek == byte else {
            throw .malformed(peek == 0x0A ? "the line ends too early: \(reason())" : reason())
        }
        position += 1
    }

    /// A JSON string: a view into the line when it has no escapes, decoded bytes otherwise.
    mutating func string() throws(VoteError) -> ScannedString {
        try expect(0x22, "expected a string in double quotes")
        let start = position
        while true {
            let byte = peek
            if byte == 0x22 {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return .raw(raw)
            }
            if byte == 0x5C { break }
            if byte < 0x20 { throw .malformed(byte == 0x0A ? "the line ends inside a string" : "control character inside a string") }
            position += 1
        }
        var decoded = Array(bytes[start..<position])
        while true {
            let byte = peek
            if byte == 0x0A { throw .malformed("the line ends inside a string") }
            if byte < 0x20 { throw .malformed("control character inside a string") }
            position += 1
            if byte == 0x22 { return .decoded(decoded) }
            if byte != 0x5C {
                decoded.append(byte)
                continue
            }
            let escape = peek
            position += 1
            switch escape {
            case 0x22, 0x5C, 0x2F: decoded.append(escape)
            case 0x62: decoded.append(0x08)
            case 0x66: decoded.append(0x0C)
            case 0x6E: decoded.append(0x0A)
            case 0x72: decoded.append(0x0D)
            case 0x74: decoded.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard peek == 0x5C, position + 1 < bytes.count, bytes[position + 1] == 0x75 else {
                        throw .malformed("unpaired surrogate in \\u escape")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw .malformed("unpaired surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw .malformed("unpaired surrogate in \\u escape")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw .malformed("bad \\u escape") }
                decoded.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw .malformed("bad escape in a string")
            }
        }
    }

    private mutating func hex4() throws(VoteError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = peek
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw .malformed("bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}

enum ScannedString {
    case raw(UnsafeBufferPointer<UInt8>)
    case decoded([UInt8])

    @inline(__always)
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        switch self {
        case let .raw(buffer): body(buffer)
        case let .decoded(bytes): bytes.withUnsafeBufferPointer(body)
        }
    }

    /// For messages: the text, with invalid UTF-8 shown as U+FFFD.
    var text: String { withBytes { String(decoding: $0, as: UTF8.self) } }
}
