/// A refusal meant for the person at the terminal: printed as it is, never as a stack trace.
struct CLIError: Error {
    static let badInput: Int32 = 2
    static let checkFailed: Int32 = 1

    var message: String
    var exitCode: Int32 = CLIError.badInput
}
