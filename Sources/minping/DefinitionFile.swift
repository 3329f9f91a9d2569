import Foundation
import MinpingCore

enum DefinitionFile {
    /// Reads and validates a definition, turning every failure into a message naming the file:
    /// the one loader of every command.
    static func load(_ path: String) throws -> EvaluationDefinition {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError(message: "\(path): cannot read the definition file (\(InputFile.reason(error)))")
        }
        do {
            return try DefinitionParser.parse(bytes: data, file: path)
        } catch let error as DefinitionError {
            throw CLIError(message: error.description)
        }
    }
}

enum InputFile {
    /// A short reason without Foundation's error wrapping.
    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }
}
