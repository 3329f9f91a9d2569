import Foundation
import Hummingbird
import MinpingCore

extension PagesController {
    /// The front page: every evaluation, grouped by street, each linking to its board.
    /// Rendered once per view stamp (a log step anywhere, a street's name): a city's front
    /// page lists a thousand evaluations, tens of milliseconds to render (BENCHMARKS.md, issue 35).
    @Sendable func home(_ request: Request, context: MinpingContext) async throws -> Response {
        let language = Language(query: request.uri.queryParameters.get("lang"))
        let page = try await cache.page(key: "home/\(language.rawValue)", version: try await service.viewStamp(),
                                        contentType: "text/html; charset=utf-8") {
            (try await renderHome(language), PageRenderer.htmlHeaders)
        }
        return page.response(to: request, cacheControl: "no-cache")
    }

    func renderHome(_ language: Language) async throws -> String {
        let t = Labels.all(language)
        let langQuery = language == .en ? "?lang=en" : ""
        var streets: [PageModel.Home.Street] = []
        let names = try await service.streetNames()
        // A named street is headed by its name (城区街道), never by its slug.
        func heading(_ slug: String) -> String { names[slug] ?? "\(t["street"] ?? "") \(slug)" }
        let front = try await service.frontPage()
        for (record, definition) in front.evaluations {  // ordered by street
            let row = PageModel.Home.Row(id: record.id, title: definition.title, community: definition.community,
                                         state: record.state.rawValue, stateLabel: t["state_\(record.state.rawValue)"] ?? record.state.rawValue,
                                         ballots: record.ballots, electorate: record.electorate, langQuery: langQuery)
            if let last = streets.last, last.street == record.street {
                streets[streets.count - 1] = PageModel.Home.Street(street: last.street, heading: last.heading, evaluations: last.evaluations + [row])
            } else {
                streets.append(PageModel.Home.Street(street: record.street, heading: heading(record.street), evaluations: [row]))
            }
        }
        for index in streets.indices {
            streets[index].rounds = (front.rounds[streets[index].street] ?? []).map { summary in
                PageModel.Home.Round(round: summary.round, href: "/street/\(streets[index].street)/"
                    + (summary.round.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? summary.round) + langQuery)
            }
            streets[index].hasRounds = !streets[index].rounds.isEmpty
        }
        return try pages.render(.home, language: language, title: t["home_title"] ?? "", [PageModel.Home(streets: streets, langQuery: langQuery)])
    }
}
