import Foundation
import Logging
import MinpingCore
import MinpingService
import MinpingSQLite
import MinpingStore

/// Opening the store and the service the same way for every command.
enum ServerSupport {
    static let defaultDatabase = "minping.sqlite"

    static func openStore(_ path: String) throws -> SQLiteStore {
        do {
            return try SQLiteStore(path: path)
        } catch {
            throw CLIError(message: "\(path): cannot open the database: \(error)")
        }
    }

    static func readDefinition(_ path: String) throws -> EvaluationDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(message: "\(path): cannot read the file")
        }
        do {
            return try DefinitionParser.parse(String(decoding: data, as: UTF8.self), file: path)
        } catch {
            throw CLIError(message: "\(error)")
        }
    }

    /// Structured logs on stderr; never a token, code, key, address or ballot content.
    static func logger(_ label: String, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
