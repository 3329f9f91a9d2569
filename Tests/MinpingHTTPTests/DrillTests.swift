import Foundation
import HummingbirdTesting
import MinpingHTTP
import Testing

@Suite("扫码试投: one slip of a throwaway drill")
struct DrillTests {
    @Test("an admin gets one code slip of an open drill of their street, with its QR code; drills are listed nowhere")
    func drill() async throws {
        let server = try await TestServer()
        try await server.app.test(.router) { client in
            let reply = try await client.call(.post, "/api/v1/drills", key: server.admin)
            #expect(reply.status == 201, "\(reply.body)")
            let evaluation = try #require(reply.json["evaluation"] as? String)
            let url = try #require(reply.json["url"] as? String)
            #expect(evaluation.hasPrefix("drill-chengqu-") && url.contains("/vote/\(evaluation)#c="))
            #expect((reply.json["qr_svg"] as? String)?.hasPrefix("<svg") == true)
            #expect(reply.json["https"] as? Bool == false, "the test server's address is plain HTTP: the console warns")
            let shown = try await client.call(.get, "/api/v1/evaluations/\(evaluation)")
            #expect(shown.json["state"] as? String == "open" && shown.json["electorate"] as? Int == 1)
            let listed = try await client.call(.get, "/api/v1/evaluations")
            #expect(!listed.body.contains(evaluation), "a drill is not listed")
            let home = try await client.call(.get, "/")
            #expect(!home.body.contains(evaluation), "nor on the front page")
            #expect(try await client.call(.post, "/api/v1/drills").status == 401)
            #expect(try await client.call(.post, "/api/v1/drills", key: server.reviewer).status == 403)
            #expect(try await client.call(.post, "/api/v1/drills", key: server.operatorKey).status == 400, "an operator names the street")
            #expect(try await client.call(.post, "/api/v1/drills?street=chengqu", key: server.operatorKey).status == 201)
        }
    }
}
