import Foundation
import Logging
import MinpingCore
import MinpingKeys
import MinpingService
import MinpingPostgres
import MinpingSQLite
import MinpingStore

/// Opening the store and the service the same way for every command.
enum ServerSupport {
    static let defaultDatabase = "minping.sqlite"

    /// The service over the database at `db`, its signing keys sealed under the key file
    /// (SPEC §4, keys at rest): made on first start, mode 0600; never made anew for a database
    /// bound to a key; a wrong one refused before anything is served or signed.
    static func openService(db: String, keyFile: String?, configuration: EvaluationService.Configuration = .init(),
                            now: @escaping @Sendable () -> Date = Date.init,
                            logger: Logger = ServerSupport.logger("minping.service")) async throws -> EvaluationService {
        let (store, keys, keyPath) = try await openStore(db: db, keyFile: keyFile)
        let shownDB = ServerSupport.redacted(db)
        let service = EvaluationService(store: store, keys: keys, configuration: configuration, now: now, logger: logger)
        do {
            try await service.checkKeyFile()
        } catch let error as KeyFileError {
            throw CLIError(message: keyFileMessage(error, keyPath: keyPath, db: shownDB))
        } catch {
            throw CLIError(message: "\(shownDB): cannot read the signing keys: \(error)")
        }
        return service
    }

    /// The store at `db` (a SQLite path or a PostgreSQL URL) and the key file it is bound to.
    static func openStore(db: String, keyFile: String?) async throws -> (store: any TransferableStore, keys: KeyEncryptionKey, keyPath: String) {
        let postgres = PostgresURL.isPostgres(db)
        // Several instances share one PostgreSQL database and must share its key file, so it
        // is named, never derived from the URL.
        if postgres, keyFile == nil, ProcessInfo.processInfo.environment["MINPING_KEY_FILE"] == nil {
            throw CLIError(message: "\(ServerSupport.redacted(db)): with a PostgreSQL database, name its key file with --key-file "
                + "(or MINPING_KEY_FILE): the same file on every instance")
        }
        let keyPath = KeyFile.path(option: keyFile, database: db)
        let shownDB = ServerSupport.redacted(db)
        let keys: KeyEncryptionKey
        do {
            let bound = postgres ? try await PostgresStore.holdsSealedKeys(url: db) : try SQLiteStore.holdsSealedKeys(path: db)
            keys = try KeyFile.loadOrCreate(path: keyPath, databaseHoldsSealedKeys: bound)
        } catch let error as KeyFileError {
            throw CLIError(message: keyFileMessage(error, keyPath: keyPath, db: shownDB))
        } catch {
            throw CLIError(message: "\(shownDB): cannot open the database: \(error)")
        }
        do {
            let store: any TransferableStore = postgres
                ? try await PostgresStore(url: db, keys: keys, logger: ServerSupport.logger("minping.postgres"))
                : try SQLiteStore(path: db, keys: keys)
            return (store, keys, keyPath)
        } catch let error as KeyFileError {
            throw CLIError(message: keyFileMessage(error, keyPath: keyPath, db: shownDB))
        } catch {
            throw CLIError(message: "\(shownDB): cannot open the database: \(error)")
        }
    }

    /// A database for messages: a URL's password is never printed.
    static func redacted(_ db: String) -> String {
        guard PostgresURL.isPostgres(db), var url = URLComponents(string: db), url.password != nil else { return db }
        url.password = "***"
        return url.string ?? db
    }

    static func keyFileMessage(_ error: KeyFileError, keyPath: String, db: String) -> String {
        switch error {
        case .missing:
            "\(keyPath): no such key file, and \(db) holds signing keys sealed under one; restore it from its backup "
                + "(or name it with --key-file or MINPING_KEY_FILE). A new key could never open them, so none is made."
        case .wrongKey:
            "\(keyPath): this key file does not open the signing keys in \(db); is it the key file of another database?"
        case .malformed:
            "\(keyPath): not a Minping key file (one line: minping-kek-v1 and 32 bytes in base64)"
        case .unreadable:
            "\(keyPath): the key file cannot be read (check its owner and mode, 0600)"
        case .cannotCreate:
            "\(keyPath): cannot create the key file"
        }
    }

    /// Structured logs on stderr; never a token, code, key, address or ballot content.
    static func logger(_ label: String, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
