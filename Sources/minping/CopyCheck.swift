import Foundation
import Logging
import MinpingKeys
import MinpingLog
import MinpingService
import MinpingSQLite
import MinpingStore

/// What `minping backup` and `minping restore` check a copy of a SQLite database with before
/// they keep or install it (SPEC §8): SQLite's `PRAGMA integrity_check`; the key file opens
/// every key sealed in it; and every evaluation's log, as a reviewer's bundle built from the
/// copy, replayed by the checks of `minping audit verify`.
///
/// The copy itself is only ever opened read-only. The bundles are built by the store and the
/// service themselves (`storedBundle`, as `minping migrate` compares them), on a scratch copy
/// of the copy that is removed afterwards, so the file kept is byte for byte the file checked
/// and opening a store (which may migrate) changes nothing in it. Ballots accepted (202) and
/// not yet integrated when the copy was taken are not in its log: they are in the copy as
/// pending ballots, outside the bundle, and a server started on it integrates them first.
enum CopyCheck {
    struct Summary {
        var evaluations = 0
        var entries = 0
        var pending = 0
    }

    /// The key file at `keyPath`, read; never made (a copy is checked against the key its
    /// database is bound to, which a new one could never be).
    static func loadKey(_ keyPath: String, database shown: String) throws -> KeyEncryptionKey {
        do throws(KeyFileError) {
            return try KeyFile.loadOrCreate(path: keyPath, databaseHoldsSealedKeys: true)
        } catch {
            throw CLIError(message: ServerSupport.keyFileMessage(error, keyPath: keyPath, db: shown))
        }
    }

    /// Runs every check on `copy`, named `shown` in messages.
    /// - Parameter scratch: a path free for the scratch copy, on a disk with room for one more
    ///   copy; removed before this returns.
    /// - Throws: ``CLIError`` exit 1 naming the check (and the evaluation) that failed; exit 2
    ///   for a key file that is not the database's, or a copy this minping cannot read.
    static func run(_ copy: String, shown: String, scratch: String, keys: KeyEncryptionKey, keyPath: String) async throws -> Summary {
        Console.error("checking \(shown): PRAGMA integrity_check")
        let problems: [String]
        do {
            problems = try SQLiteBackup.integrityProblems(path: copy)
        } catch {
            throw CLIError(message: "\(shown): not a SQLite database that can be read: \(error)")
        }
        guard problems.isEmpty else {
            throw CLIError(message: "\(shown): check integrity_check failed: \(problems.prefix(5).joined(separator: "; "))",
                           exitCode: CLIError.checkFailed)
        }
        let schema: SQLiteBackup.Schema
        do {
            schema = try SQLiteBackup.schema(path: copy)
        } catch {
            throw CLIError(message: "\(shown): cannot read its migrations: \(error)")
        }
        switch schema {
        case .notMinping:
            throw CLIError(message: "\(shown): not a Minping database (no migration was ever applied to it)")
        case let .newer(unknown):
            throw CLIError(message: "\(shown): made by a newer minping (migrations \(unknown.joined(separator: ", ")) are unknown to "
                + "this one); check or restore it with that version")
        case let .older(missing):
            // Its sealed keys are where that schema kept them: the store checks them as it
            // migrates the scratch copy, as a server would at start.
            Console.error("\(shown): made before migrations \(missing.joined(separator: ", ")); checked as a server opens it, migrated")
        case .current:
            try checkSealedKeys(copy, shown: shown, keys: keys, keyPath: keyPath)
        }
        defer { try? SQLiteBackup.remove(scratch) }
        do {
            try SQLiteBackup.copy(from: copy, to: scratch)
        } catch {
            throw CLIError(message: "\(scratch): cannot make the scratch copy to check: \(error)")
        }
        return try await replayLogs(scratch, shown: shown, keys: keys, keyPath: keyPath)
    }

    /// Every value sealed in the copy opens with the key file.
    static func checkSealedKeys(_ copy: String, shown: String, keys: KeyEncryptionKey, keyPath: String) throws {
        let values: [SQLiteBackup.SealedValue]
        do {
            values = try SQLiteBackup.sealedValues(path: copy)
        } catch {
            throw CLIError(message: "\(shown): cannot read its sealed keys: \(error)")
        }
        for value in values {
            do throws(KeyFileError) {
                _ = try keys.open(value.sealed, purpose: value.purpose)
            } catch {
                throw CLIError(message: "\(keyPath): this key file does not open the signing keys in \(shown) (the \(value.purpose)); "
                    + "is it the key file of another database?")
            }
        }
    }

    /// Each evaluation's bundle, built by the store and the service from the scratch copy
    /// (nothing integrated), verified as `minping audit verify` verifies one. The store is
    /// released when this returns, before the scratch copy is removed.
    static func replayLogs(_ scratch: String, shown: String, keys: KeyEncryptionKey, keyPath: String) async throws -> Summary {
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: scratch, keys: keys)
        } catch let error as KeyFileError {
            throw CLIError(message: ServerSupport.keyFileMessage(error, keyPath: keyPath, db: shown))
        } catch {
            throw CLIError(message: "\(shown): cannot be opened as a Minping database: \(error)")
        }
        let service = EvaluationService(store: store, keys: keys, logger: ServerSupport.logger("minping.backup", level: .warning))
        do {
            try await service.checkKeyFile()
        } catch {
            throw CLIError(message: "\(keyPath): this key file does not open the signing keys in \(shown); is it the key file of another database?")
        }
        var summary = Summary()
        for id in try await store.evaluationIDs() {
            let size = try await store.logSize(evaluation: id)
            let pending = try await store.pendingBallots(evaluation: id).count
            Console.error("checking evaluation \(id) (\(size) entries"
                + (pending > 0 ? "; \(pending) ballots accepted, not yet in the log: kept as pending, integrated when a server starts on it)" : ")"))
            let bundle: AuditBundle
            do {
                bundle = try await service.storedBundle(id)
            } catch {
                throw CLIError(message: "\(shown): evaluation \(id): check bundle failed: \(error)", exitCode: CLIError.checkFailed)
            }
            do throws(VerificationFailure) {
                let verified = try BundleVerifier().verify(bundle)
                Console.error("  \(verified)")
            } catch {
                throw CLIError(message: "\(shown): evaluation \(id): check \(error.check) failed at \(error.seq.map { "seq \($0)" } ?? "the bundle"): "
                    + error.detail, exitCode: CLIError.checkFailed)
            }
            summary.evaluations += 1
            summary.entries += size
            summary.pending += pending
        }
        return summary
    }
}
