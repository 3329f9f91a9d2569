import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingLog
import MinpingService
import MinpingTestSupport
import Testing

/// The printed notices (SPEC §2 `notice`): what the definition may say, that both verifiers
/// read it, and what the 测评公告, 初评公示 and 结果公示 print from it.
@Suite("Notices: the definition's notice fields and the three printed notices")
struct NoticeTests {
    let base = "/api/v1/evaluations"
    static let notice = """
        notice:
          date: 2026年12月20日上午9:00
          place: 柳庄社区党群服务中心二楼会议室
          contact: 街道党工委办公室 0631-1234567
          issuer: 中共城区街道工作委员会
          text: 请居民代表携带本人身份证参加。
        """
    static let definition = testDefinition + "\n" + notice

    @Test("notice: five optional fields; a name over 200 characters, a text over 2000, an unknown key or a control character is refused")
    func parsing() throws {
        let parsed = try DefinitionParser.parse(Self.definition, file: "d")
        let notice = try #require(parsed.notice)
        #expect(notice.date == "2026年12月20日上午9:00" && notice.place == "柳庄社区党群服务中心二楼会议室")
        #expect(notice.contact == "街道党工委办公室 0631-1234567" && notice.issuer == "中共城区街道工作委员会")
        #expect(notice.text == "请居民代表携带本人身份证参加。")
        #expect(try DefinitionParser.parse(testDefinition + "\nnotice: {issuer: 某街道}\n", file: "d").notice?.date == nil)
        #expect(try DefinitionParser.parse(testDefinition, file: "d").notice == nil)
        for bad in ["notice: {place: \"\(String(repeating: "楼", count: 201))\"}",
                    "notice: {text: \"\(String(repeating: "字", count: 2001))\"}",
                    "notice: {phone: \"0631\"}",
                    "notice: {issuer: \"街道\\u202E党工委\"}",
                    "notice: 某街道"] {
            #expect(throws: DefinitionError.self, "\(bad.prefix(40))") { try DefinitionParser.parse(testDefinition + "\n" + bad + "\n", file: "d") }
        }
        #expect(try DefinitionParser.parse(testDefinition + "\nnotice: {place: \"\(String(repeating: "楼", count: 200))\"}\n", file: "d")
            .notice?.place?.count == 200)
    }

    @Test("the notice travels in the definition: its canonical JSON reads back the same, and both verifiers accept the bundle")
    func verifiers() async throws {
        let definition = try DefinitionParser.parse(Self.definition, file: "d")
        #expect(try DefinitionParser.parse(json: definition.jsonValue, file: "stored") == definition)
        let server = try await TestServer()
        _ = try await server.service.create(definition)
        let stored = try #require(try await server.service.bundle("lz-2026").files.first { $0.path == "definition.json" }).contents
        #expect(String(decoding: stored, as: UTF8.self).contains(#""notice":{"contact":"街道党工委办公室 0631-1234567","date":"#))
        try await server.verifyBoth("lz-2026")
    }

    @Test("测评公告 before voting, 初评公示 with its 公示期 and whom to appeal to, 结果公示 with the period that ran and what came of it")
    func printedNotices() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: Self.definition).status == 201)
            let announced = try await client.call(.get, "/board/lz-2026").body
            for words in ["测评公告", "2026年12月20日上午9:00", "柳庄社区党群服务中心二楼会议室", "王某、李某", "中共城区街道工作委员会",
                          "请居民代表携带本人身份证参加。", "公示 5 天", "0631-1234567", "（盖章）", "核验码"] {
                #expect(announced.contains(words), "the 测评公告 says \(words)")
            }
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 3])
                .json["tokens"] as? [String])
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            for token in tokens {
                _ = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-1": "satisfied"]])
            }
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"]).status == 200)
            let preliminary = try await client.call(.get, "/board/lz-2026").body
            #expect(preliminary.contains("初评公示") && preliminary.contains("公示期：") && preliminary.contains("向 街道党工委办公室 0631-1234567 提出申诉"))
            #expect(!preliminary.contains("已期满"))

            // One appeal, dismissed; the period runs out; final.
            let appeal = try #require(try await client.call(.post, "\(base)/lz-2026/appeals", key: server.reviewer,
                                                            json: ["subject": "m-2", "text": "请复查"]).json["appeal"] as? String)
            #expect(try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer,
                                          json: ["outcome": "dismissed", "note": "经复查，计票无误"]).status == 200)
            server.clock.advance(days: 6)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"]).status == 200)
            let final = try await client.call(.get, "/board/lz-2026").body
            #expect(final.contains("结果公示") && final.contains("初评结果公示期：") && final.contains("已期满"), "the 结果公示 names the period that ran")
            #expect(final.contains("公示期内收到申诉 1 件，均已处理") && final.contains("可向 街道党工委办公室 0631-1234567 反映"))
            #expect(!final.contains("请在公示期内提出申诉") && !final.contains("nil"))
        }
    }
}
