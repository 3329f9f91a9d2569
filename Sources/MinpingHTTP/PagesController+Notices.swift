import Foundation
import Hummingbird
import MinpingCore
import MinpingService
import MinpingStore
import MinpingTables

/// What the board says around the results: the remedies and a supplementary round (SPEC §6),
/// and the printed notices with their 落款 (SPEC §2 `notice`).
extension PagesController {
    /// The appeals with what each decided, the remedies (and whether the published results show
    /// them yet), and a supplementary round under way: SPEC §6 in words.
    func remediesModel(_ record: EvaluationRecord, _ definition: EvaluationDefinition, _ results: EvaluationResults,
                       _ language: Language) async throws -> PageModel.Remedies {
        let t = Labels.all(language)
        let text = RemedyText(definition: definition, language: language, published: results)
        let amendments = try await service.amendments(record.id)
        let remedies = text.remedies(amendments, published: results)
        let byAppeal = Dictionary(remedies.compactMap { item in item.appeal.map { ($0, item) } }, uniquingKeysWith: { first, _ in first })
        let names = results.subjectNames(definition)
        let appeals = try await service.appeals(record.id).map { appeal in
            var outcome = t["appeal_\(appeal.outcome?.rawValue ?? "pending")"] ?? ""
            var remedy = ""
            if appeal.outcome == .upheld, let taken = byAppeal[appeal.id] {
                // 结果已更正 only once the corrected results are published.
                outcome = t[taken.shown ? "appeal_upheld_shown" : "appeal_upheld_pending"] ?? outcome
                remedy = taken.text
            }
            return PageModel.Remedies.Appeal(id: Self.appealName(appeal.id, language), subject: appeal.subject.flatMap { names[$0] } ?? "",
                                             filed: localDate(appeal.filedAt, language), outcome: outcome, remedy: remedy)
        }
        var model = PageModel.Remedies(
            appeals: appeals, hasAppeals: !appeals.isEmpty,
            remedies: remedies.map { PageModel.Remedies.Remedy(text: $0.text, status: t[$0.shown ? "remedy_shown" : "remedy_pending"] ?? "",
                                                               pending: !$0.shown) },
            hasRemedies: !remedies.isEmpty, republicationDue: remedies.contains { !$0.shown })
        let round = record.lifecycle.round
        if round > 1, record.state == .open || record.state == .closed {
            let (_, subjects) = try await service.currentRound(record.id)
            let who = definition.subjects.filter { subjects?.contains($0.id) ?? false }.map { names[$0.id] ?? $0.name }
                .joined(separator: language == .zh ? "、" : ", ")
            model.stageLabel = (t["round_\(record.state.rawValue)"] ?? "").replacingOccurrences(of: "{round}", with: "\(round)")
            model.stageClass = record.state.rawValue
            model.roundNotice = (t["round_notice"] ?? "").replacingOccurrences(of: "{round}", with: "\(round)")
                .replacingOccurrences(of: "{names}", with: who)
        }
        return model
    }

    /// Who is rated, in words: "5 名党员、2 个党组织和 3 名干部" (the kinds the definition has).
    static func whom(_ definition: EvaluationDefinition, _ t: [String: String]) -> String {
        let parts = [(definition.members.count, "notice_whom_members"), (definition.organizations.count, "notice_whom_organizations"),
                     (definition.cadres.count, "notice_whom_cadres")]
            .filter { $0.0 > 0 }.map { (t[$0.1] ?? "").replacingOccurrences(of: "{n}", with: "\($0.0)") }
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: t["notice_whom_comma"] ?? "、") + (t["notice_whom_and"] ?? "和") + parts[parts.count - 1]
    }

    /// The printed notice around the board (SPEC §2 `notice`): before results the
    /// 测评公告 (who votes, when and where, everyone rated by branch, the rules in words, the
    /// 公示 and how to appeal); with results the 公示 (its dates, how to appeal); under both
    /// the 落款 with the date in Chinese and room for the seal, and a 核验码 with a QR code to
    /// the page where anyone can check the log.
    func noticeModel(_ record: EvaluationRecord, _ definition: EvaluationDefinition, _ language: Language) async throws -> PageModel.Notice {
        let t = Labels.all(language)
        let zh = language == .zh
        let notice = definition.notice
        func fill(_ template: String, _ values: [String: String]) -> String {
            values.reduce(t[template] ?? template) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
        }
        let streetName = try await service.streetNames()[record.street]
        let check = service.pageURL("/receipt/\(record.id)")
        var data = PageModel.Notice(noticeText: notice?.text, noticeContact: notice?.contact, issuer: notice?.issuer ?? streetName ?? "",
                                    checkQR: try QRCode.svg(check, title: t["verification_code"] ?? ""), checkURL: check)
        let announcing = !record.lifecycle.resultsPublic && record.state != .annulled
        if announcing {
            // 测评公告: who, when, where, whom, by what rules.
            data.announcement = fill("notice_intro", [
                "community": definition.community ?? "",
                "when": notice?.date.map { fill("notice_when", ["date": $0]) } ?? "",
                "where": notice?.place.map { fill("notice_where", ["place": $0]) } ?? "",
                "whom": Self.whom(definition, t), "electorate": "\(definition.electorate)",
            ])
            let byBranch = Dictionary(grouping: definition.members, by: { $0.organization ?? "" })
            var groups: [PageModel.Notice.Branch] = definition.organizations.compactMap { organization in
                guard let members = byBranch[organization.id], !members.isEmpty else { return nil }
                return PageModel.Notice.Branch(branch: organization.name, names: members.map(\.name).joined(separator: zh ? "、" : ", "))
            }
            if let loose = byBranch[""], !loose.isEmpty {
                groups.append(PageModel.Notice.Branch(branch: t["chart_no_branch"] ?? "", names: loose.map(\.name).joined(separator: zh ? "、" : ", ")))
            }
            data.rated = groups
            if !definition.organizations.isEmpty {
                data.ratedOrganizations = definition.organizations.map(\.name).joined(separator: zh ? "、" : ", ")
            }
            if !definition.cadres.isEmpty {
                data.ratedCadres = definition.cadres.map { cadre in
                    cadre.title.map { "\(cadre.name)\(t["title_open"] ?? "（")\($0)\(t["title_close"] ?? "）")" } ?? cadre.name
                }.joined(separator: zh ? "、" : ", ")
            }
            data.rulesLine = ResultsFile.rulesLine(definition)
            data.publicityLine = fill(notice?.contact == nil ? "notice_publicity" : "notice_publicity_contact",
                                         ["days": "\(definition.publicityDays)", "contact": notice?.contact ?? ""])
            data.noticeDate = localDate(Date(), language)
        } else if record.state != .annulled, let preliminaryAt = record.lifecycle.preliminaryAt {
            // 初评公示 / 结果公示: the dates of the 公示期 and how to appeal.
            let final = record.state == .final
            data.noticeHeading = t[final ? "notice_final" : "notice_preliminary"] ?? ""
            if !final, !record.lifecycle.republicationDue, let until = record.lifecycle.publicityDeadline {
                data.publicityPeriod = fill("notice_period", ["from": localDate(preliminaryAt, language), "until": localDate(until, language)])
                data.appealLine = fill(notice?.contact == nil ? "notice_appeal" : "notice_appeal_contact", ["contact": notice?.contact ?? ""])
            } else if final, let until = record.lifecycle.publicityDeadline {
                // 结果公示: the 公示期 that ran, what came of it, and whom to ask.
                data.publicityPeriod = fill("notice_period_ended", ["from": localDate(preliminaryAt, language), "until": localDate(until, language)])
                let appeals = try await service.appeals(record.id).count
                let outcome = appeals == 0 ? fill("notice_no_appeals", [:]) : fill("notice_appeals_heard", ["count": "\(appeals)"])
                data.appealLine = outcome + (notice?.contact.map { fill("notice_questions", ["contact": $0]) } ?? "")
            }
            data.noticeDate = localDate(try await service.publishedAt(record.id) ?? preliminaryAt, language)
        }
        return data
    }
}
