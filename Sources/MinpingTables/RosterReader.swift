import Dispatch
import Foundation
import MinpingCore
#if canImport(Glibc)
import Glibc
#endif

/// How the server reads an uploaded roster (STYLE 15, SPEC §9): a bad file costs one
/// request, never the service.
///
/// ``childProcess(executable:)`` is what `minping serve` uses: each upload is parsed by a
/// child process of the same binary (`minping parse-roster`), which limits its own memory and
/// CPU time with `setrlimit` before it reads a byte, so a crash, a trap or an exhausted limit
/// in ZIPFoundation, libxml2 or CSV.swift ends that child and the request gets 422
/// `roster_invalid`. ``inProcess`` parses on a Dispatch thread; the tests' in-memory
/// applications use it. Neither blocks Swift's cooperative pool.
public struct RosterReader: Sendable {
    /// Reads an upload: its bytes, format and, for a workbook, the sheet asked for (nil: the
    /// first that holds a roster).
    let parse: @Sendable (Data, RosterFile.Format, String?) async throws -> Roster

    public init(parse: @escaping @Sendable (Data, RosterFile.Format, String?) async throws -> Roster) {
        self.parse = parse
    }

    public func read(_ bytes: Data, _ format: RosterFile.Format, sheet: String? = nil) async throws -> Roster {
        try await parse(bytes, format, sheet)
    }

    /// Parses in this process, off the cooperative pool.
    public static let inProcess = RosterReader { bytes, format, sheet in
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try RosterFile.read(bytes, format: format, sheet: sheet) })
            }
        }
    }

    /// Parses in a child process: `executable arguments… parse-roster --format csv|xlsx`, the
    /// file on its standard input, the roster as JSON on its standard output. At most
    /// `concurrency` children run at once; one running longer than `timeout` is killed.
    public static func childProcess(executable: URL, arguments: [String] = [], concurrency: Int = 2,
                                    timeout: DispatchTimeInterval = .seconds(20)) -> RosterReader {
        let gate = Gate(limit: concurrency)
        return RosterReader { bytes, format, sheet in
            await gate.enter()
            defer { Task { await gate.leave() } }
            let output = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global(qos: .userInitiated).async {
                    continuation.resume(with: Result {
                        try RosterChild.run(executable: executable,
                                            arguments: arguments + ["parse-roster", "--format", format.name] + (sheet.map { ["--sheet", $0] } ?? []),
                                            input: bytes, timeout: timeout)
                    })
                }
            }
            return try RosterChild.decode(output)
        }
    }

    /// A counting semaphore for async callers: waiters queue in order.
    actor Gate {
        private let limit: Int
        private var running = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(limit: Int) { self.limit = max(1, limit) }

        func enter() async {
            if running < limit {
                running += 1
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func leave() {
            if waiting.isEmpty {
                running -= 1
            } else {
                waiting.removeFirst().resume()  // the slot passes on
            }
        }
    }
}

extension RosterFile.Format {
    /// The name `parse-roster --format` takes.
    public var name: String {
        switch self {
        case .csv: "csv"
        case .xlsx: "xlsx"
        case .xls: "xls"
        }
    }

    public init?(name: String) {
        switch name {
        case "csv": self = .csv
        case "xlsx": self = .xlsx
        case "xls": self = .xls
        default: return nil
        }
    }
}

/// Both ends of `minping parse-roster`: the child's work and the parent's spawning.
public enum RosterChild {
    /// The child's address space: a real roster takes tens of megabytes; 1 GiB leaves room for
    /// the Swift runtime's mappings, not for a file made to exhaust memory.
    public static let memoryLimit: rlim_t = 1 << 30
    /// CPU seconds: a 10,000-row workbook parses in well under a second.
    public static let cpuSeconds: rlim_t = 10

    /// What the child answers: the roster, or why the file is not one.
    struct Answer: Codable {
        var roster: Roster?
        var refusal: RosterError?
    }

    /// The child's whole run: limits itself, reads standard input (at most
    /// ``RosterFile/maximumBytes``), writes the answer. Returns the exit status.
    public static func childMain(format: RosterFile.Format, sheet: String? = nil) -> Int32 {
        closeInheritedDescriptors()
        guard limitSelf() else { return 3 }
        let input = FileHandle.standardInput.readData(ofLength: RosterFile.maximumBytes + 1)
        var answer = Answer()
        if input.count > RosterFile.maximumBytes {
            answer.refusal = .unreadable("文件超过 \(RosterFile.maximumBytes >> 20) MiB")
        } else {
            do {
                answer.roster = try RosterFile.read(input, format: format, sheet: sheet)
            } catch {
                answer.refusal = error
            }
        }
        do {
            FileHandle.standardOutput.write(try JSONEncoder().encode(answer))
            return 0
        } catch {
            return 4  // no answer: the parent reports a dead parser
        }
    }

    /// Closes any socket or file beyond standard input, output and error that the child may
    /// have inherited: the server's database and connections are not the parser's to touch.
    /// The runtime's own event descriptors (anonymous inodes, pipes) are left alone.
    static func closeInheritedDescriptors() {
        #if os(Linux)
        guard let directory = opendir("/proc/self/fd") else { return }
        var inherited: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let descriptor = Int32(name), descriptor > 2, descriptor != dirfd(directory) { inherited.append(descriptor) }
        }
        closedir(directory)
        var target = [CChar](repeating: 0, count: 4096)
        for descriptor in inherited {
            let length = readlink("/proc/self/fd/\(descriptor)", &target, target.count - 1)
            guard length > 0 else { continue }
            let link = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("socket:") || link.hasPrefix("/") { close(descriptor) }
        }
        #endif
    }

    /// `setrlimit` on address space and CPU time, before any untrusted byte is read.
    static func limitSelf() -> Bool {
        #if canImport(Glibc)
        var memory = rlimit(rlim_cur: memoryLimit, rlim_max: memoryLimit)
        var cpu = rlimit(rlim_cur: cpuSeconds, rlim_max: cpuSeconds + 1)
        return setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &memory) == 0
            && setrlimit(__rlimit_resource_t(RLIMIT_CPU.rawValue), &cpu) == 0
        #else
        return true
        #endif
    }

    /// Runs the child on the calling (Dispatch) thread: the input goes in through an unlinked
    /// temporary file, so a child that dies early cannot raise SIGPIPE here.
    static func run(executable: URL, arguments: [String], input: Data, timeout: DispatchTimeInterval) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minping-roster-\(UUID().uuidString)").path
        let created = FileManager.default.createFile(atPath: path, contents: input, attributes: [.posixPermissions: 0o600])
        let descriptor = created ? open(path, O_RDONLY | O_CLOEXEC) : -1
        unlink(path)  // the open descriptor keeps it readable; nothing is left on disk
        guard descriptor >= 0 else { throw RosterError.parserDied(detail: "could not write the upload to a temporary file") }
        let inputHandle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = inputHandle
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw RosterError.parserDied(detail: "could not start \(executable.path): \(error)")
        }
        let pid = process.processIdentifier
        let data = readAll(output.fileHandleForReading.fileDescriptor, deadline: .now() + timeout) { kill(pid, SIGKILL) }
        if data.count > maximumAnswerBytes { kill(pid, SIGKILL) }  // reading stopped; it would wait to write on
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .uncaughtSignal ? "signal" : "exit status"
            throw RosterError.parserDied(detail: "parse-roster ended with \(how) \(process.terminationStatus)")
        }
        return data
    }

    /// The answer, at most ``maximumAnswerBytes``: read with `poll` until end of file; at
    /// `deadline`, `expire` is called (the child killed) and reading stops soon after. EINTR
    /// is retried (Foundation's `readDataToEndOfFile` traps on it).
    static func readAll(_ fd: Int32, deadline: DispatchTime, expire: () -> Void) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var expired = false
        var graceEnd = DispatchTime.distantFuture
        while data.count <= maximumAnswerBytes {
            let now = DispatchTime.now()
            if !expired, now >= deadline {
                expired = true
                expire()
                graceEnd = now + .seconds(1)  // a grandchild may hold the pipe: stop waiting for it
            }
            if expired, now >= graceEnd { break }
            let until = expired ? graceEnd : deadline
            let milliseconds = until.uptimeNanoseconds > now.uptimeNanoseconds ? (until.uptimeNanoseconds - now.uptimeNanoseconds) / 1_000_000 : 0
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(milliseconds + 1, 60_000)))
            if ready < 0, errno == EINTR { continue }
            if ready < 0 { break }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }

    /// More than a full roster's JSON could be.
    static let maximumAnswerBytes = 64 << 20

    /// The parent's reading of the child's answer; anything else is a dead parser.
    static func decode(_ output: Data) throws(RosterError) -> Roster {
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: output)
        } catch {
            throw .parserDied(detail: "parse-roster wrote no answer (\(output.count) bytes): \(error)")
        }
        // A child cannot claim to have died: that is the parent's finding alone.
        if let refusal = answer.refusal, case .parserDied = refusal { throw .parserDied(detail: "parse-roster answered parserDied") }
        if let refusal = answer.refusal { throw refusal }
        guard let roster = answer.roster else { throw .parserDied(detail: "parse-roster answered neither a roster nor a refusal") }
        return roster
    }
}
