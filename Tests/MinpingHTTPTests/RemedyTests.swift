import Foundation
import Hummingbird
import HummingbirdTesting
import MinpingCore
import MinpingHTTP
import MinpingLog
import MinpingService
import MinpingTestSupport
import MinpingTokens
import Testing

/// An upheld appeal must change what it is about, visibly and verifiably (SPEC §3, §5, §6).
@Suite("Remedies: withhold, correct, revote, annul; the street's veto")
struct RemedyTests {
    let base = "/api/v1/evaluations"

    /// An evaluation closed with 10 ballots and preliminary results: 王某 (m-1) 10 of 10
    /// satisfied (both stars), 李某 (m-2) 6 of 10 (no star: 60 % is not above 60 %), the branch
    /// 10 of 10. `body` gets a round-1 slip that was never used.
    func preliminary(_ body: @escaping @Sendable (TestServer, any TestClientProtocol, String) async throws -> Void) async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            #expect(try await client.call(.post, base, key: server.admin, text: testDefinition).status == 201)
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 11])
                .json["tokens"] as? [String])
            _ = try await client.call(.post, "\(base)/lz-2026/open", key: server.admin)
            for (index, token) in tokens.dropLast().enumerated() {
                let ratings = ["m-1": "satisfied", "m-2": index < 6 ? "satisfied" : "dissatisfied", "lz-1": "satisfied"]
                #expect(try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ratings]).status == 202)
            }
            _ = try await client.call(.post, "\(base)/lz-2026/close", key: server.admin)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"]).status == 200)
            try await body(server, client, tokens[10])
        }
    }

    func subject(_ reply: Reply, _ id: String) -> [String: Any] {
        ((reply.json["subjects"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == id } ?? [:]
    }

    func fileAppeal(_ client: any TestClientProtocol, _ server: TestServer, subject: String) async throws -> String {
        let reply = try await client.call(.post, "\(base)/lz-2026/appeals", key: server.reviewer, json: ["subject": subject, "text": "申诉：请复查"])
        return try #require(reply.json["appeal"] as? String)
    }

    /// Both verifiers accept the evaluation's bundle; returns the Swift verifier's summary.
    @discardableResult
    func verifyBoth(_ server: TestServer) async throws -> VerificationSummary {
        try await server.verifyBoth("lz-2026")
    }

    @Test("upheld needs a remedy; dismissed takes none; a remedy that cannot apply is 422 remedy_invalid")
    func remedyRequired() async throws {
        try await preliminary { server, client, _ in
            let appeal = try await fileAppeal(client, server, subject: "m-2")
            let resolution = "\(base)/lz-2026/appeals/\(appeal)/resolution"
            for (body, fragment) in [
                (["outcome": "upheld", "note": "成立"] as [String: Any], "names its remedy"),
                (["outcome": "dismissed", "note": "x", "remedy": ["kind": "annul", "reason": "r"]], "dismissed"),
                // 李某 earned no star (60.0 % is not above 60 %): nothing to withhold.
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "withhold", "subject": "m-2", "star": "recognition", "reason": "r"]],
                 "did not earn"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "withhold", "subject": "m-1", "star": "gold", "reason": "r"]],
                 "not a star"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "withhold", "subject": "m-1", "star": "recognition"]], "\"reason\""),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "correct", "subject": "m-1"]], "names a new name"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "correct", "subject": "m-1", "organization": "lz-9"]], "lz-9"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "correct", "subject": "m-1", "name": "王某"]], "changes nothing"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "revote", "subjects": []]], "at least one"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "revote", "subjects": ["m-9"]]], "m-9"),
                (["outcome": "upheld", "note": "x", "remedy": ["kind": "withhold", "subject": "m-1", "star": "recognition",
                                                             "reason": String(repeating: "理", count: 501)]], "500"),
            ] {
                let reply = try await client.call(.post, resolution, key: server.reviewer, json: body)
                #expect(reply.status == 422 && reply.code == "remedy_invalid", "\(body): \(reply.body)")
                #expect((reply.json["detail"] as? String ?? "").contains(fragment), "\(reply.body)")
            }
            let unknownKind = try await client.call(.post, resolution, key: server.reviewer,
                                                    json: ["outcome": "upheld", "note": "x", "remedy": ["kind": "pardon"]])
            #expect(unknownKind.status == 400, "\(unknownKind.body)")
            // Nothing was recorded by the refusals: the appeal is still open.
            let appeals = try await client.call(.get, "\(base)/lz-2026/appeals", key: server.reviewer)
            #expect(((appeals.json["appeals"] as? [[String: Any]])?.first?["outcome"]) is NSNull)
        }
    }

    @Test("withhold: the star leaves `stars` for `withheld` with the reason; final waits for republication; publicity runs again")
    func withhold() async throws {
        try await preliminary { server, client, _ in
            var reply = try await client.call(.get, "\(base)/lz-2026/results")
            #expect(subject(reply, "m-1")["stars"] as? [String] == ["recognition", "satisfaction"])
            let firstResults = reply.body
            let appeal = try await fileAppeal(client, server, subject: "m-1")
            // The appeals list is read (and its amendments kept) before the resolution…
            var listed = try await client.call(.get, "\(base)/lz-2026/appeals", key: server.reviewer)
            #expect((listed.json["appeals"] as? [[String: Any]])?.first?["remedy"] is NSNull)
            reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer, json: [
                "outcome": "upheld", "note": "查实",
                "remedy": ["kind": "withhold", "subject": "m-1", "star": "satisfaction", "reason": "测评期间组织拉票，经查属实"],
            ])
            #expect(reply.status == 200 && reply.json["remedy"] as? String == "withhold", "\(reply.body)")
            // … and after it shows the remedy: what was kept was for a shorter log.
            listed = try await client.call(.get, "\(base)/lz-2026/appeals", key: server.reviewer)
            #expect(((listed.json["appeals"] as? [[String: Any]])?.first?["remedy"] as? [String: Any])?["kind"] as? String == "withhold")
            // The same star cannot be withheld twice.
            let again = try await client.call(.post, "\(base)/lz-2026/withholdings", key: server.admin,
                                              json: ["subject": "m-1", "star": "satisfaction", "reason": "x"])
            #expect(again.code == "remedy_invalid", "\(again.body)")
            // The public results stay as published until published again; final must wait.
            #expect(try await client.call(.get, "\(base)/lz-2026/results").body == firstResults)
            // The board says what was decided and that it takes effect on republication; it
            // never says 结果已更正 before the corrected results are out.
            var board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("经申诉复查，撤销 王某 的群众满意星：测评期间组织拉票，经查属实"))
            #expect(board.contains("申诉成立，更正后的结果将重新公示"))
            #expect(board.contains("更正后的结果将重新公示，公示期从重新公示之日起重新计算"))
            #expect(!board.contains("结果已更正") && !board.contains("公示期至"))
            #expect(!board.contains("a-1"))
            #expect(try await client.call(.get, "\(base)/lz-2026").json["republication_due"] as? Bool == true)
            server.clock.advance(days: 6)
            reply = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"])
            #expect(reply.status == 409 && reply.code == "invalid_transition", "\(reply.body)")
            #expect((reply.json["detail"] as? String ?? "").contains("publish the preliminary results again"))

            reply = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            #expect(reply.status == 200)
            #expect(reply.body != firstResults)
            let m1 = subject(reply, "m-1")
            #expect(m1["stars"] as? [String] == ["recognition"])
            let withheld = try #require(m1["withheld"] as? [[String: Any]])
            #expect(withheld.count == 1 && withheld[0]["star"] as? String == "satisfaction"
                && withheld[0]["reason"] as? String == "测评期间组织拉票，经查属实" && withheld[0]["appeal"] as? String == appeal)
            // The counts did not change.
            #expect(m1["satisfied"] as? Int == 10 && m1["rate"] as? String == "100.0")
            board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("申诉成立，结果已更正"))
            #expect(board.contains("经申诉复查，撤销群众满意星：测评期间组织拉票，经查属实"))
            #expect(!board.contains("更正后的结果将重新公示") && board.contains("公示期至"))
            let english = try await client.call(.get, "/board/lz-2026?lang=en").body
            #expect(english.contains("Upheld; results corrected") && english.contains("withheld (upheld appeal)"))
            // The publicity period runs again in full from the corrected 公示.
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"]).code == "publicity_not_over")
            server.clock.advance(days: 5)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"]).status == 200)
            let summary = try await verifyBoth(server)
            #expect(summary.stage == "final")
        }
    }

    @Test("the street's veto: POST /withholdings (admin, preliminary only), no appeal, the same display")
    func streetVeto() async throws {
        try await preliminary { server, client, _ in
            let path = "\(base)/lz-2026/withholdings"
            let body: [String: Any] = ["subject": "lz-1", "star": "satisfaction", "reason": "一票否决：支部班子成员受到党纪处分"]
            #expect(try await client.call(.post, path, key: server.reviewer, json: body).code == "forbidden")
            #expect(try await client.call(.post, path, key: server.otherAdmin, json: body).code == "forbidden")
            #expect(try await client.call(.post, path, json: body).code == "unauthenticated")
            #expect(try await client.call(.post, path, key: server.admin, json: ["subject": "lz-1"]).status == 400)
            let reply = try await client.call(.post, path, key: server.admin, json: body)
            #expect(reply.status == 201, "\(reply.body)")
            let published = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            let branch = subject(published, "lz-1")
            #expect(branch["stars"] as? [String] == [])
            let withheld = try #require(branch["withheld"] as? [[String: Any]])
            #expect(withheld[0]["appeal"] == nil && withheld[0]["reason"] as? String == "一票否决：支部班子成员受到党纪处分")
            try await verifyBoth(server)
            // Once final, nothing more can be withheld.
            server.clock.advance(days: 5)
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "final"]).status == 200)
            let late = try await client.call(.post, path, key: server.admin,
                                             json: ["subject": "m-1", "star": "recognition", "reason": "x"])
            #expect(late.status == 409 && late.code == "invalid_transition")
        }
    }

    @Test("correct: counts unchanged, the name and branch shown change, `corrected` keeps the roster's values")
    func correct() async throws {
        try await preliminary { server, client, _ in
            let appeal = try await fileAppeal(client, server, subject: "m-2")
            let reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer, json: [
                "outcome": "upheld", "note": "花名册录入错误", "remedy": ["kind": "correct", "subject": "m-2", "name": "李某某"],
            ])
            #expect(reply.status == 200, "\(reply.body)")
            let before = subject(try await client.call(.get, "\(base)/lz-2026/results"), "m-2")
            let published = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            let m2 = subject(published, "m-2")
            #expect(m2["name"] as? String == "李某某")
            #expect((m2["corrected"] as? [String: Any])?["name"] as? String == "李某")
            let board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("更正：姓名 李某 → 李某某") && board.contains("<th scope=\"row\">李某某<span class=\"branch phone-only\">"))
            #expect(m2["counts"] as? [String: Int] == before["counts"] as? [String: Int])
            let appeals = try await client.call(.get, "\(base)/lz-2026/appeals", key: server.reviewer)
            let remedy = try #require((appeals.json["appeals"] as? [[String: Any]])?.first?["remedy"] as? [String: Any])
            #expect(remedy["kind"] as? String == "correct" && remedy["name"] as? String == "李某某")
            try await verifyBoth(server)
        }
    }

    @Test("once a correction is published, the board names the person and the branch by the corrected names everywhere: rows, charts, appeals, remedies, tables")
    func correctedNamesEverywhere() async throws {
        try await preliminary { server, client, _ in
            let resolve = { (subject: String, remedy: [String: Any]) in
                let appeal = try await fileAppeal(client, server, subject: subject)
                let reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer,
                                                  json: ["outcome": "upheld", "note": "复查", "remedy": remedy])
                #expect(reply.status == 200, "\(reply.body)")
            }
            try await resolve("lz-1", ["kind": "correct", "subject": "lz-1", "name": "柳庄社区东片党支部"])
            try await resolve("m-1", ["kind": "correct", "subject": "m-1", "name": "王某某"])
            try await resolve("m-1", ["kind": "withhold", "subject": "m-1", "star": "satisfaction", "reason": "拉票属实"])
            #expect(try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"]).status == 200)
            let board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("撤销 王某某 的群众满意星") && !board.contains("撤销 王某 的"), "the remedy names him as corrected")
            // His old name only where his correction is told.
            #expect(!board.contains(">王某<") && board.contains("姓名 王某 → 王某某")
                    && board.components(separatedBy: " 王某 ").dropFirst().allSatisfy { $0.hasPrefix("→ 王某某") })
            #expect(board.components(separatedBy: "柳庄社区第一党支部").dropFirst().allSatisfy { $0.hasPrefix(" → 柳庄社区东片党支部") },
                    "the branch's old name only where its correction is told")
            #expect(board.contains("柳庄社区东片党支部"))
            let chart = try await client.call(.get, "/board/lz-2026/charts/members.svg").body
            #expect(chart.contains("柳庄社区东片党支部") && !chart.contains("柳庄社区第一党支部"), "the chart's branch heading")
            let csv = try await client.call(.get, "\(base)/lz-2026/results.csv").body
            #expect(csv.contains("王某某,柳庄社区东片党支部") && !csv.contains("柳庄社区第一党支部"), "\(csv)")
            let history = try await client.call(.get, "/history/lz-2026").body
            #expect(history.contains("柳庄社区东片党支部") && !history.contains("柳庄社区第一党支部"))
        }
    }

    @Test("round 1 under its quorum, a member voted again above it: the board's quorum notice speaks of round 1 only")
    func quorumAfterRevote() async throws {
        let server = try await TestServer()
        let definition = testDefinition.replacingOccurrences(of: "electorate: 60", with: "electorate: 20")
            + "\nrules:\n  quorum_percent: 50\n"
        _ = try await server.service.create(try DefinitionParser.parse(definition, file: "test"))
        let service = server.service
        let everyone = ["m-1": "satisfied", "m-2": "satisfied", "lz-1": "satisfied"]
        for token in try await service.issueSlips("lz-2026", count: 5) {
            if try await service.record("lz-2026").state == .draft { _ = try await service.open("lz-2026") }
            _ = try await service.castBallot("lz-2026", token: token.base64URL, ratings: everyone)
        }
        _ = try await service.close("lz-2026")
        _ = try await service.publish("lz-2026", stage: .preliminary)
        try await server.app.test(.router) { client in
            var board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("投票人数未达到规定比例，本次结果不评星。") && !board.contains("★"), "5 of 20: nobody is starred")
            let appeal = try await fileAppeal(client, server, subject: "m-1")
            let reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer, json: [
                "outcome": "upheld", "note": "补充测评", "remedy": ["kind": "revote", "subjects": ["m-1"]],
            ])
            #expect(reply.status == 200, "\(reply.body)")
            for token in try await service.issueSlips("lz-2026", count: 11) {
                _ = try await service.castBallot("lz-2026", token: token.base64URL, ratings: ["m-1": "satisfied"])
            }
            _ = try await service.close("lz-2026")
            let published = try await service.publish("lz-2026", stage: .preliminary)
            #expect(published.subjects.first { $0.id == "m-1" }?.stars == ["recognition", "satisfaction"], "11 of 20 in round 2")
            board = try await client.call(.get, "/board/lz-2026").body
            #expect(!board.contains("本次结果不评星"), "王某 has stars: the notice must not say nobody has")
            #expect(board.contains("第 1 轮投票人数未达到规定比例") && board.contains("★"))
        }
    }

    @Test("revote: a new round with its own key; old tokens refused; only its subjects; results from the latest round")
    func revote() async throws {
        try await preliminary { server, client, spare in
            let firstKey = try #require(try await client.call(.get, "\(base)/lz-2026").json["token_key_id"] as? String)
            // A round-1 slip never used: it must not vote in round 2.
            let appeal = try await fileAppeal(client, server, subject: "m-2")
            var reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer, json: [
                "outcome": "upheld", "note": "计票有误，补充测评", "remedy": ["kind": "revote", "subjects": ["m-2"]],
            ])
            #expect(reply.status == 200, "\(reply.body)")
            reply = try await client.call(.get, "\(base)/lz-2026")
            #expect(reply.json["state"] as? String == "open" && reply.json["round"] as? Int == 2)
            #expect(reply.json["round_subjects"] as? [String] == ["m-2"])
            #expect(reply.json["issued"] as? Int == 0 && reply.json["ballots"] as? Int == 0)
            let secondKey = try #require(reply.json["token_key_id"] as? String)
            #expect(secondKey != firstKey)
            // The board keeps the results published before and says who is voted on again.
            var board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("补充测评（第 2 轮）投票中"))
            #expect(board.contains("只对下列参评对象重新测评：李某"))
            #expect(board.contains("申诉成立，更正后的结果将重新公示"))

            // Round 1's key signed the spare slip: refused in round 2, however it rates.
            reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": spare, "ratings": ["m-2": "satisfied"]])
            #expect(reply.status == 403 && reply.code == "token_invalid", "\(reply.body)")
            let tokens = try #require(try await client.call(.post, "\(base)/lz-2026/slips", key: server.admin, json: ["count": 8])
                .json["tokens"] as? [String])
            // A round-2 ballot may rate only m-2.
            reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": tokens[0], "ratings": ["m-2": "satisfied", "m-1": "satisfied"]])
            #expect(reply.status == 422 && reply.code == "ballot_invalid", "\(reply.body)")
            for (index, token) in tokens.enumerated() {
                reply = try await client.call(.post, "\(base)/lz-2026/ballots", json: ["token": token, "ratings": ["m-2": index < 7 ? "satisfied" : "dissatisfied"]])
                #expect(reply.status == 202, "\(reply.body)")
            }
            #expect(try await client.call(.post, "\(base)/lz-2026/close", key: server.admin).status == 200)
            reply = try await client.call(.post, "\(base)/lz-2026/publish", key: server.admin, json: ["stage": "preliminary"])
            #expect(reply.status == 200, "\(reply.body)")
            let m2 = subject(reply, "m-2")
            #expect(m2["round"] as? Int == 2 && m2["satisfied"] as? Int == 7 && m2["denominator"] as? Int == 8 && m2["rate"] as? String == "87.5")
            #expect(m2["stars"] as? [String] == ["recognition", "satisfaction"])
            // Everyone else keeps round 1.
            let m1 = subject(reply, "m-1")
            #expect(m1["round"] == nil && m1["denominator"] as? Int == 10)
            let rounds = try #require(reply.json["rounds"] as? [[String: Any]])
            #expect(rounds.count == 1 && rounds[0]["round"] as? Int == 2 && rounds[0]["ballots"] as? Int == 8
                && rounds[0]["subjects"] as? [String] == ["m-2"])
            #expect(reply.json["ballots"] as? Int == 10)
            board = try await client.call(.get, "/board/lz-2026").body
            #expect(board.contains("补充测评（第 2 轮）结果") && board.contains("申诉成立，结果已更正"))
            #expect(board.contains("补充测评（第 2 轮）：以下 1 名党员重新测评：李某"))
            let summary = try await verifyBoth(server)
            #expect(summary.ballots == 18)
        }
    }

    @Test("two instances over one store: the one that cached round 1's key still refuses a round-1 token in round 2")
    func staleInstance() async throws {
        let store = MemoryStore()
        let server = try await TestServer(store: store)
        let clock = server.clock
        let other = EvaluationService(store: store, keys: TestServer.keys, now: { clock.now })
        let service = server.service
        _ = try await service.create(try DefinitionParser.parse(testDefinition, file: "test"))
        let tokens = try await service.issueSlips("lz-2026", count: 3)
        _ = try await service.open("lz-2026")
        _ = try await service.castBallot("lz-2026", token: tokens[0].base64URL, ratings: ["m-1": "satisfied", "m-2": "satisfied"])
        // The other instance caches round 1's key.
        _ = try await other.tokenPublicKey("lz-2026")
        _ = try await service.close("lz-2026")
        _ = try await service.publish("lz-2026", stage: .preliminary)
        let appeal = try await service.fileAppeal("lz-2026", subject: "m-2", text: "补充测评")
        try await service.resolveAppeal("lz-2026", appeal: appeal, outcome: .upheld, note: "x", remedy: .revote(subjects: ["m-2"]))
        do {
            _ = try await other.castBallot("lz-2026", token: tokens[1].base64URL, ratings: ["m-2": "satisfied"])
            Issue.record("a round-1 token was accepted in round 2")
        } catch let error as ServiceError {
            #expect(error.code == .tokenInvalid, "\(error)")
        }
        // A round-2 token works on the other instance: it finds the new round's key.
        let second = try await service.issueSlips("lz-2026", count: 1)
        _ = try await other.castBallot("lz-2026", token: second[0].base64URL, ratings: ["m-2": "satisfied"])
        #expect(try await service.record("lz-2026").ballots == 1)
    }

    @Test("annul as a remedy: the evaluation is annulled at once, verifiably")
    func annul() async throws {
        try await preliminary { server, client, _ in
            let appeal = try await fileAppeal(client, server, subject: "m-1")
            let reply = try await client.call(.post, "\(base)/lz-2026/appeals/\(appeal)/resolution", key: server.reviewer, json: [
                "outcome": "upheld", "note": "程序违规", "remedy": ["kind": "annul", "reason": "测评程序严重违规，全部作废"],
            ])
            #expect(reply.status == 200, "\(reply.body)")
            #expect(try await client.call(.get, "\(base)/lz-2026").json["state"] as? String == "annulled")
            #expect(try await verifyBoth(server).stage == "annulled")
        }
    }
}
