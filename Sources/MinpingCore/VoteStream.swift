/// Tallies a votes file (`{"ratings":{...}}` per line, JSON Lines) fed in chunks of any
/// size, so a file of any length is counted in constant memory.
///
/// The reader is a small JSON scanner for exactly this shape that resolves subject and option
/// ids straight from the read buffer: a million ballots of forty ratings are counted in
/// seconds. A line may also carry a `"token"` string (as ballots in the log do), which is
/// ignored. Blank lines are skipped; a UTF-8 byte-order mark at the start is allowed.
/// The first bad line stops the tally with a ``VoteLineError`` naming its line number.
/// - Seealso: SPEC §3, §8 (`minping tally`)
public struct VoteStream: Sendable {
    public private(set) var tally: Tally
    /// Lines fully read so far, blank ones included.
    public private(set) var linesRead = 0
    /// A line that began in an earlier chunk.
    private var carry: [UInt8] = []
    private var atStart = true
    private let subjectTable: ByteKeyTable
    private let optionTable: ByteKeyTable
    /// Per subject, the last line that rated it: catches a subject rated twice in one line.
    private var lastRatedOnLine: [Int]
    private var cells: [Int] = []

    /// Lines longer than this are refused rather than buffered without end.
    public static let maximumLineBytes = 1 << 20

    public init(definition: EvaluationDefinition) {
        tally = Tally(definition: definition)
        subjectTable = ByteKeyTable(keys: tally.subjects.map(\.id))
        optionTable = ByteKeyTable(keys: definition.options.map(\.id))
        lastRatedOnLine = Array(repeating: -1, count: tally.subjects.count)
    }

    /// Reads every complete line of `chunk`, keeping a trailing partial line for later.
    /// - Throws: ``VoteLineError`` for the first bad line.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        let bytes = chunk.assumingMemoryBound(to: UInt8.self)
        guard atStart else { return try feedLines(bytes) }
        let pending = carry + Array(bytes)
        if pending.count < Self.byteOrderMark.count, Self.byteOrderMark.starts(with: pending) {
            carry = pending
            return
        }
        atStart = false
        carry = []
        let body = pending.starts(with: Self.byteOrderMark) ? Array(pending.dropFirst(3)) : pending
        try body.withUnsafeBufferPointer { try feedLines($0) }
    }

    /// Reads a last line without a newline and returns the tally.
    /// - Throws: ``VoteLineError`` for the first bad line.
    public mutating func finish() throws -> Tally {
        if !carry.isEmpty {
            let line = carry + [0x0A]
            carry = []
            try line.withUnsafeBufferPointer { _ = try readLine($0, from: 0) }
        }
        return tally
    }

    private mutating func feedLines(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let lastNewline = bytes.lastIndex(of: 0x0A) else {
            return try keep(bytes)
        }
        var start = 0
        if !carry.isEmpty {
            let firstNewline = bytes.firstIndex(of: 0x0A) ?? lastNewline
            try keep(UnsafeBufferPointer(rebasing: bytes[0...firstNewline]))
            let line = carry
            carry = []
            try line.withUnsafeBufferPointer { _ = try readLine($0, from: 0) }
            start = firstNewline + 1
        }
        while start <= lastNewline {
            start = try readLine(bytes, from: start)
        }
        try keep(UnsafeBufferPointer(rebasing: bytes[(lastNewline + 1)...]))
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>) throws(VoteLineError) {
        guard carry.count + bytes.count <= Self.maximumLineBytes else {
            throw VoteLineError(line: linesRead + 1, error: .malformed(
                "line is longer than \(Self.maximumLineBytes) bytes"))
        }
        carry.append(contentsOf: bytes)
    }

    /// Reads the line starting at `start`, which must end in a newline inside `buffer`, and
    /// returns the index after that newline.
    private mutating func readLine(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) throws(VoteLineError) -> Int {
        linesRead += 1
        var scanner = LineScanner(bytes: buffer, position: start)
        do throws(VoteError) {
            scanner.skipSpace()
            if scanner.peek == 0x0A { return scanner.position + 1 }
            cells.removeAll(keepingCapacity: true)
            try readBallot(&scanner)
            scanner.skipSpace()
            guard scanner.peek == 0x0A else {
                throw VoteError.malformed("unexpected text after the closing '}'")
            }
            tally.record(cells: cells)
            return scanner.position + 1
        } catch {
            throw VoteLineError(line: linesRead, error: error)
        }
    }

    private mutating func readBallot(_ scanner: inout LineScanner) throws(VoteError) {
        try scanner.expect(0x7B, "a vote line must be a JSON object {\"ratings\":{...}}")
        var sawRatings = false
        scanner.skipSpace()
        if scanner.peek != 0x7D {
            while true {
                let key = try scanner.string()
                scanner.skipSpace()
                try scanner.expect(0x3A, "expected ':' after a key")
                scanner.skipSpace()
                switch key.text {
                case "ratings":
                    guard !sawRatings else { throw .malformed("\"ratings\" is given twice") }
                    sawRatings = true
                    try readRatings(&scanner)
                case "token":
                    _ = try scanner.string()
                default:
                    throw .malformed("unknown key '\(key.text)' (a vote line is {\"ratings\":{...}})")
                }
                scanner.skipSpace()
                if scanner.peek == 0x2C {
                    scanner.position += 1
                    scanner.skipSpace()
                    continue
                }
                try scanner.expect(0x7D, "expected ',' or '}'")
                break
            }
        } else {
            scanner.position += 1
        }
        guard sawRatings else { throw .malformed("missing \"ratings\"") }
    }

    private mutating func readRatings(_ scanner: inout LineScanner) throws(VoteError) {
        try scanner.expect(0x7B, "\"ratings\" must be an object of subject id to option id")
        scanner.skipSpace()
        if scanner.peek == 0x7D {
            scanner.position += 1
            return
        }
        let optionCount = tally.optionCount
        while true {
            let subjectKey = try scanner.string()
            guard let subject = subjectKey.withBytes({ subjectTable.index(of: $0) }) else {
                throw .unknownSubject(subjectKey.text)
            }
            scanner.skipSpace()
            try scanner.expect(0x3A, "expected ':' after a subject id")
            scanner.skipSpace()
            let optionKey = try scanner.string()
            guard let option = optionKey.withBytes({ optionTable.index(of: $0) }) else {
                throw .unknownOption(subject: subjectKey.text, option: optionKey.text)
            }
            guard lastRatedOnLine[subject] != linesRead else { throw .subjectRatedTwice(subjectKey.text) }
            lastRatedOnLine[subject] = linesRead
            cells.append(subject * optionCount + option)
            scanner.skipSpace()
            if scanner.peek == 0x2C {
                scanner.position += 1
                scanner.skipSpace()
                continue
            }
            try scanner.expect(0x7D, "expected ',' or '}' in \"ratings\"")
            return
        }
    }
}

/// A refused line of a votes file.
public struct VoteLineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var error: VoteError

    public var description: String { "line \(line): \(error)" }
}
