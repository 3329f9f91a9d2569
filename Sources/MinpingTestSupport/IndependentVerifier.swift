import Foundation

/// Runs the independent verifier, `tools/verify_bundle.py` (Python 3 with `cryptography`, which
/// `tools/test` installs), on a bundle directory, so the tests hold both verifiers to the same
/// verdicts.
public enum IndependentVerifier {
    public static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/verify_bundle.py")

    /// Exit status and everything it printed (standard output and error together).
    public static func run(_ directory: String, arguments: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
