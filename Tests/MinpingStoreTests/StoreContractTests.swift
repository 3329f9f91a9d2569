import Foundation
import MinpingSQLite
import MinpingStore
import MinpingTestSupport
import Testing

@Suite("Storage contract")
struct StoreContractTests {
    @Test("in memory", arguments: StoreContract.cases)
    func memory(_ contract: StoreContract.Case) async throws {
        try await contract.run(MemoryStore())
    }

    @Test("SQLite", arguments: StoreContract.cases)
    func sqlite(_ contract: StoreContract.Case) async throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        try await contract.run(SQLiteStore(path: path))
    }
}

@Suite("SQLite durability settings")
struct SQLiteSettingsTests {
    @Test("the writer runs WAL with synchronous=FULL (2), also after reopening")
    func synchronousFull() throws {
        let path = TemporaryDatabase.path()
        defer { TemporaryDatabase.remove(path) }
        let store = try SQLiteStore(path: path)
        #expect(try store.writerSynchronous() == 2)
        #expect(try store.journalMode() == "wal")
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.writerSynchronous() == 2)
    }
}

enum TemporaryDatabase {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("minping-test-\(UUID().uuidString).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
