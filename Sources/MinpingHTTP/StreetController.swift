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
        group.post("drills", use: drill)
    }

    struct Identity: JSONResponse {
        let role: String, street: String?, streetName: String?
        /// A teller's one evaluation.
        @OmittedIfNil var evaluation: String? = nil
    }

    struct Streets: JSONResponse {
        struct Street: Encodable { let street: String, name: String }

        let streets: [Street]
        private let created: Bool

        init(names: [String: String], created: Bool = false) {
            streets = names.sorted { $0.key < $1.key }.map { Street(street: $0.key, name: $0.value) }
            self.created = created
        }

        var status: HTTPResponse.Status { created ? .created : .ok }

        enum CodingKeys: CodingKey { case streets }
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
        return Streets(names: try await service.streetNames(), created: true)
    }

    /// 扫码试投: one code slip of a throwaway drill evaluation of the caller's street (an
    /// operator names it with `?street=`), to scan with a phone before printing for real.
    @Sendable func drill(_ request: Request, context: MinpingContext) async throws -> EvaluationController.DrillSlip {
        let key = try context.require(.admin)
        guard let street = key.street ?? request.uri.queryParameters.get("street"), DefinitionParser.isSlug(street) else {
            throw Problem(.malformedRequest, "an operator names the street: POST /api/v1/drills?street=<slug>")
        }
        let (evaluation, url) = try await service.drillSlip(street: street)
        return EvaluationController.DrillSlip(evaluation: evaluation, url: url, qrSVG: try QRCode.svg(url, title: "扫码试投"),
                                             https: url.lowercased().hasPrefix("https://"))
    }

    /// The caller's role and street, so a console can check a key at sign-in.
    @Sendable func whoami(_ request: Request, context: MinpingContext) async throws -> Identity {
        guard let key = context.key else {
            throw Problem(.unauthenticated, "this needs an API key: Authorization: Bearer <key>")
        }
        let names = try await service.streetNames()
        return Identity(role: key.role.rawValue, street: key.street, streetName: key.street.flatMap { names[$0] }, evaluation: key.evaluation)
    }

    /// `POST /rosters` (SPEC §7): the roster as read, and with `?previous=` how each member
    /// matched the previous round and who left.
    struct RosterRead: JSONResponse {
        /// A branch; with `previous`, `match` says whether the previous round had it
        /// (`matched`, by name) or it is `new` (perhaps renamed: the clerk can say so).
        struct Branch: Encodable {
            let id: String, name: String
            @OmittedIfNil var match: String?
        }

        /// A member of the previous round a row matched or may match.
        struct Earlier: Encodable { let id: String, name: String, organization: String? }

        struct Member: Encodable {
            let id: String, name: String, organization: String?, row: Int?
            @OmittedIfNil var match: String?
            /// null when the match is to a member no longer in the previous round's list.
            @OmittedIfNil var previous: Earlier??
            @OmittedIfNil var candidates: [Earlier?]?
        }

        /// A cadre of a roster with 姓名 and 职务 (两级测评); with `previous`, `match` says
        /// whether the previous round had them (by name) or they are `new`.
        struct CadreLine: Encodable {
            let id: String, name: String, title: String?, row: Int?
            @OmittedIfNil var match: String?
        }

        struct Skipped: Encodable { let row: Int, reason: String }

        struct RowError: Encodable { let row: Int, column: String, message: String }

        struct Left: Encodable { let id: String, kind: SubjectKind, name: String, organization: String? }

        let organizations: [Branch], members: [Member], cadres: [CadreLine], errors: [RowError]
        // What a clerk needs to trust the reading: where the table starts, which sheet was
        // read, which rows were left out and why, and whether leaving out the rows in error is
        // safe (not when many are: a misread file).
        let headerRow: Int, idsGiven: Bool, sheet: String?, sheets: [String], skipped: [Skipped]
        let errorSummary: [String], partialAllowed: Bool
        @OmittedIfNil var previous: String?
        @OmittedIfNil var left: [Left]?

        init(roster: Roster, matching: (chain: IdentityChain, matches: [IdentityChain.Match], left: [Subject])? = nil) {
            let round = matching?.chain.rounds.first
            let branchNames = Dictionary((round?.organizations ?? []).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            let previousMembers = Dictionary((round?.members ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            func earlier(_ id: String) -> Earlier? {
                previousMembers[id].map { Earlier(id: id, name: $0.name, organization: $0.organization.flatMap { branchNames[$0] }) }
            }
            organizations = roster.organizations.map { organization in
                Branch(id: organization.id, name: organization.name,
                       match: round.map { _ in branchNames[organization.id] == nil ? "new" : "matched" })
            }
            members = roster.members.enumerated().map { index, member in
                var line = Member(id: member.id, name: member.name, organization: member.organization,
                                  row: index < roster.rows.count ? roster.rows[index] : nil)
                switch matching?.matches[index] {
                case let .matched(id)?:
                    line.match = "matched"
                    line.previous = .some(earlier(id))
                case .new?:
                    line.match = "new"
                case let .ambiguous(candidates)?:
                    line.match = "ambiguous"
                    line.candidates = candidates.map(earlier)
                case nil:
                    break
                }
                return line
            }
            let previousCadres = Set((round?.cadres ?? []).map(\.id))
            cadres = roster.cadres.enumerated().map { index, cadre in
                CadreLine(id: cadre.id, name: cadre.name, title: cadre.title, row: index < roster.rows.count ? roster.rows[index] : nil,
                          match: round.map { _ in previousCadres.contains(cadre.id) ? "matched" : "new" })
            }
            errors = roster.errors.map { RowError(row: $0.row, column: $0.column, message: $0.message) }
            headerRow = roster.headerRow
            idsGiven = roster.idsGiven
            sheet = roster.sheet
            sheets = roster.sheets
            skipped = roster.skipped.map { Skipped(row: $0.row, reason: $0.reason) }
            errorSummary = roster.errorSummary
            partialAllowed = roster.partialAllowed
            if let matching, let round {
                previous = round.id
                left = matching.left.map { subject in
                    Left(id: subject.id, kind: subject.kind, name: subject.name, organization: subject.organization.flatMap { branchNames[$0] })
                }
            }
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
