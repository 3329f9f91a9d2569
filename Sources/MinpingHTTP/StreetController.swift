import Foundation
import Hummingbird
import MinpingCore
import MinpingTables

/// What a street office's console needs besides the evaluations themselves: who a key
/// speaks for, and its member list read from Excel (SPEC §7 `POST /rosters`).
struct StreetController {
    /// Where uploads are parsed: a child process under `minping serve` (STYLE 15).
    let rosters: RosterReader

    func addRoutes(to group: RouterGroup<MinpingContext>) {
        group.get("whoami", use: whoami)
        group.post("rosters", use: roster)
    }

    struct Identity: JSONResponse {
        let role: String, street: String?
        var json: JSONValue { .object([("role", .string(role)), ("street", street.map(JSONValue.string) ?? .null)]) }
    }

    /// The caller's role and street, so a console can check a key at sign-in.
    @Sendable func whoami(_ request: Request, context: MinpingContext) async throws -> Identity {
        guard let key = context.key else {
            throw Problem(.unauthorized, "unauthenticated", "this needs an API key: Authorization: Bearer <key>")
        }
        return Identity(role: key.role.rawValue, street: key.street)
    }

    struct RosterRead: JSONResponse {
        let roster: Roster
        var json: JSONValue {
            .object([
                ("organizations", .array(roster.organizations.map { .object([("id", .string($0.id)), ("name", .string($0.name))]) })),
                ("members", .array(roster.members.map { member in
                    .object([("id", .string(member.id)), ("name", .string(member.name)),
                             ("organization", member.organization.map(JSONValue.string) ?? .null)])
                })),
                ("errors", .array(roster.errors.map {
                    .object([("row", .int($0.row)), ("column", .string($0.column)), ("message", .string($0.message))])
                })),
            ])
        }
    }

    /// A CSV or XLSX member list as the subjects of a definition; nothing is stored.
    @Sendable func roster(_ request: Request, context: MinpingContext) async throws -> RosterRead {
        try context.require(.admin)
        let bytes = try await Body.bytes(request, limit: RosterFile.maximumBytes)
        guard let format = RosterFile.Format(contentType: request.headers[.contentType], bytes: bytes) else {
            throw Problem(.unprocessableContent, "roster_invalid",
                          "send the member list as text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
        do {
            return RosterRead(roster: try await rosters.read(bytes, format))
        } catch let error as RosterError {
            if case let .parserDied(detail) = error {
                context.logger.warning("a roster upload could not be parsed", metadata: ["reason": "\(detail)", "bytes": "\(bytes.count)"])
            }
            throw Problem(.unprocessableContent, "roster_invalid", error.description)
        }
    }
}
