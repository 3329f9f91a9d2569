import ArgumentParser
import Foundation
import MinpingService

/// The command line of SPEC §8. Exit codes: 0 success, 1 a check failed, 2 bad usage or
/// input (with a message naming the file and the problem; never a stack trace).
@main
enum Entry {
    static func main() async {
        do {
            var command = try MinpingCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            Console.error(error.message)
            exit(error.exitCode)
        } catch let error as ServiceError {
            // What the service refuses (an unknown evaluation, a wrong state, the electorate
            // exceeded) is bad input for the person at the terminal.
            Console.error(error.description)
            exit(CLIError.badInput)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            let message = MinpingCommand.fullMessage(for: error)
            if MinpingCommand.exitCode(for: error) == .success {
                Console.out(message)
                exit(0)
            }
            Console.error(message)
            exit(CLIError.badInput)
        }
    }
}
