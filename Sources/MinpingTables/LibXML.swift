import Foundation

/// libxml2, which Foundation's XMLParser uses on Linux, keeps global state: an XLSX roster
/// parsed while `results.xlsx` is built with XMLDocument can crash the process with a
/// segmentation fault. So `results.xlsx` is written as text (``XMLWriter``), and every parser
/// is made, run and released under this lock; each is milliseconds of work on a bounded input.
enum LibXML {
    private static let lock = NSLock()

    static func serialized<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
