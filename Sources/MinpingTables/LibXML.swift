import Foundation

/// libxml2, which Foundation's XMLParser and XMLDocument use on Linux, keeps global state: an
/// XLSX roster parsed while `results.xlsx` was being built crashed the server with a
/// segmentation fault (schemathesis found it; `XMLConcurrencyTests` reproduces it). Every use
/// of it in this module holds this lock; each is milliseconds of work on a bounded input.
enum LibXML {
    private static let lock = NSLock()

    static func serialized<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
