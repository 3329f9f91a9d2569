import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore
import MinpingTables

/// What a street office's console needs besides the evaluations themselves: who a key
/// speaks for, and its member list read from Excel (SPEC §7 `POST /rosters`).
struct StreetController {
    let service: EvaluationService
    /// Where uploads are parsed: a child process under `minping serve` (STYLE 15).
    let rosters: RosterReader

    func addRoutes(to group: RouterGroup<MinpingContext>) {
        group.get("whoami", use: whoami)
        group.get("streets", use: streets)
        group.post("streets", use: nameStreet)
        group.post("rosters", use: roster)
    }

    struct Identity: JSONResponse {
        let role: String, street: String?, streetName: String?
        var json: JSONValue {
            .object([("role", .string(role)), ("street", street.map(JSONValue.string) ?? .null),
                     ("street_name", streetName.map(JSONValue.string) ?? .null)])
        }
    }

    struct Streets: JSONResponse {
        let names: [String: String]
        var status: HTTPResponse.Status = .ok
        var json: JSONValue {
            .object([("streets", .array(names.sorted { $0.key < $1.key }.map { street, name in
                .object([("street", .string(street)), ("name", .string(name))])
            }))])
        }
    }

    struct StreetNameRequest: Decodable {
        let street: String
        let name: String
    }

    /// The named streets (SPEC §7 `GET /streets`, operator).
    @Sendable func streets(_ request: Request, context: MinpingContext) async throws -> Streets {
        try context.require(.operator)
        return Streets(names: try await service.streetNames())
    }

    /// Names or renames a street (operator; `minping streets set-name` does the same).
    @Sendable func nameStreet(_ request: Request, context: MinpingContext) async throws -> Streets {
        try context.require(.operator)
        let body = try await Body.decode(StreetNameRequest.self, request)
        try await service.setStreetName(street: body.street, name: body.name)
        return Streets(names: try await service.streetNames(), status: .created)
    }

    /// The caller's role and street, so a console can check a key at sign-in.
    @Sendable func whoami(_ request: Request, context: MinpingContext) async throws -> Identity {
        guard let key = context.key else {
            throw Problem(.unauthenticated, "this needs an API key: Authorization: Bearer <key>")
        }
        let names = try await service.streetNames()
        return Identity(role: key.role.rawValue, street: key.street, streetName: key.street.flatMap { names[$0] })
    }

    struct RosterRead: JSONResponse {
        let roster: Roster
        /// With `?previous=`: how each member matched the previous round, and who left.
        var matching: (chain: IdentityChain, matches: [IdentityChain.Match], left: [Subject])?

        var json: JSONValue {
            let previous = matching?.chain.rounds.first
            let branchNames = Dictionary((previous?.organizations ?? []).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            let previousMembers = Dictionary((previous?.members ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            func earlier(_ id: String) -> JSONValue {
                guard let member = previousMembers[id] else { return .null }
                return .object([("id", .string(id)), ("name", .string(member.name)),
                                ("organization", member.organization.flatMap { branchNames[$0] }.map(JSONValue.string) ?? .null)])
            }
            var fields: [(String, JSONValue)] = [
                ("organizations", .array(roster.organizations.map { .object([("id", .string($0.id)), ("name", .string($0.name))]) })),
                ("members", .array(roster.members.enumerated().map { index, member in
                    var fields: [(String, JSONValue)] = [
                        ("id", .string(member.id)), ("name", .string(member.name)),
                        ("organization", member.organization.map(JSONValue.string) ?? .null),
                        ("row", index < roster.rows.count ? .int(roster.rows[index]) : .null),
                    ]
                    switch matching?.matches[index] {
                    case let .matched(id)?:
                        fields += [("match", .string("matched")), ("previous", earlier(id))]
                    case .new?:
                        fields.append(("match", .string("new")))
                    case let .ambiguous(candidates)?:
                        fields += [("match", .string("ambiguous")), ("candidates", .array(candidates.map(earlier)))]
                    case nil:
                        break
                    }
                    return .object(fields)
                })),
                ("errors", .array(roster.errors.map {
                    .object([("row", .int($0.row)), ("column", .string($0.column)), ("message", .string($0.message))])
                })),
                // What a clerk needs to trust the reading (SPEC §7, wave 3): where the table
                // starts, which sheet was read, which rows were left out and why, and whether
                // leaving out the rows in error is safe (not when many are: a misread file).
                ("header_row", .int(roster.headerRow)),
                ("ids_given", .bool(roster.idsGiven)),
                ("sheet", roster.sheet.map(JSONValue.string) ?? .null),
                ("sheets", .array(roster.sheets.map(JSONValue.string))),
                ("skipped", .array(roster.skipped.map { .object([("row", .int($0.row)), ("reason", .string($0.reason))]) })),
                ("error_summary", .array(roster.errorSummary.map(JSONValue.string))),
                ("partial_allowed", .bool(roster.partialAllowed)),
            ]
            if let matching, let previous {
                fields.append(("previous", .string(previous.id)))
                fields.append(("left", .array(matching.left.map { subject in
                    .object([("id", .string(subject.id)), ("kind", .string(subject.kind.rawValue)), ("name", .string(subject.name)),
                             ("organization", subject.organization.flatMap { branchNames[$0] }.map(JSONValue.string) ?? .null)])
                })))
            }
            return .object(fields)
        }
    }

    /// A CSV or XLSX member list as the subjects of a definition; nothing is stored.
    @Sendable func roster(_ request: Request, context: MinpingContext) async throws -> RosterRead {
        try context.require(.admin)
        let bytes = try await Body.bytes(request, limit: RosterFile.maximumBytes)
        guard let format = RosterFile.Format(contentType: request.headers[.contentType], bytes: bytes) else {
            throw Problem(.rosterInvalid, "send the member list as text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        }
        // Matching the previous round (SPEC §1, §7): its street must be the key's.
        var chain: IdentityChain?
        if let previous = request.uri.queryParameters.get("previous") {
            let record: EvaluationRecord
            do {
                record = try await service.record(previous)
            } catch ServiceError.notFound {
                throw Problem(.notFound, "previous: no evaluation '\(previous)'")
            }
            _ = try context.require(.admin, street: record.street)
            chain = try await service.identityChain(from: previous)
        }
        do {
            let roster = try await rosters.read(bytes, format, sheet: request.uri.queryParameters.get("sheet"))
            guard let chain else { return RosterRead(roster: roster) }
            let matched = chain.match(roster)
            return RosterRead(roster: matched.roster, matching: (chain, matched.matches, matched.left))
        } catch let error as RosterError {
            if case let .parserDied(detail) = error {
                context.logger.warning("a roster upload could not be parsed", metadata: ["reason": "\(detail)", "bytes": "\(bytes.count)"])
            }
            throw error
        }
    }
}
