import Foundation

/// What each page's template reads: one small struct per page (or part of one), named as the
/// template names them. ``PageRenderer`` writes them with ``JSONValueEncoder`` and leaves absent
/// values out, so a template's `{{#field}}` means "there is one".
enum PageModel {
    /// The reviewer's verifier (/verify, /verify/<id>): everything inline, so that a saved copy
    /// is one file that works offline (PageRenderer.VerifyAssets).
    struct Verify: Encodable {
        let id: String?, title: String?, labelsJSON: String
        let inlineCSS: String, tlogJS: String, verifyJS: String, pageJS: String
    }

    /// The friendly 404.
    struct Message: Encodable {
        let heading: String, message: String
    }

    /// The front page: every evaluation, grouped by street.
    struct Home: Encodable {
        struct Street: Encodable {
            let street: String, heading: String, evaluations: [Row]
            /// The street's star boards, one per round its evaluations name.
            var rounds: [Round] = []
            var hasRounds = false
        }

        struct Round: Encodable { let round: String, href: String }

        struct Row: Encodable {
            let id: String, title: String, community: String?, state: String, stateLabel: String
            let ballots: Int, electorate: Int, langQuery: String
        }

        let streets: [Street], langQuery: String
    }

    struct Console: Encodable {
        let langCode: String, baseURL: String, timeZone: String
    }

    /// The voting and receipt pages: their script's words ride along as JSON.
    struct ScriptPage: Encodable {
        let id: String, title: String, community: String?, labelsJSON: String
    }

    struct SlipsForm: Encodable {
        let id: String, title: String, langQuery: String
        /// Signed in with a password: the form carries the session's CSRF token, not a key.
        let csrfToken: String?
    }

    /// 较上轮: a symbol beside the words, never instead of them.
    struct Change: Encodable {
        let kind: String, symbol: String, text: String
    }

    /// 历年群众评星.
    struct History: Encodable {
        struct Round: Encodable { let name: String, stage: String }

        struct Subject: Encodable {
            /// `branch`: a member's branch (or a cadre's 职务), so that two people of one name
            /// can be told apart on any screen.
            let name: String, kind: String, branch: String?, cells: [Cell], change: Change
        }

        /// A round's stars, "无星", or "未参评" (absent).
        struct Cell: Encodable {
            let text: String
            var absent: Bool?
            var stars: [String]?
            var none: Bool?
            /// The flags raised that round (黑旗 …), by label.
            var flags: [String]?
        }

        let id: String, title: String, community: String?, langQuery: String, published: Bool
        /// An annulled evaluation: its stars no longer hold, so none are shown.
        var annulled: Bool?
        /// A remedy waits to be published: no stars are shown until it is.
        var republicationDue: Bool?
        var rounds: [Round]?
        var subjects: [Subject]?
    }

    /// The board's frame: what it says in every state.
    struct Board: Encodable {
        struct Witness: Encodable { let name: String, size: Int, lagging: Bool }

        let id: String, title: String, community: String?, streetName: String?
        /// Round 1's turnout; a supplementary round's is its own line in `roundTurnouts`.
        let ballots: Int, electorate: Int, published: Bool
        let langQuery: String, langAmp: String, printedAt: String
        let stageLabel: String, stageClass: String
        let annulled: Bool?, annulledOn: String?, publicityUntil: String?
        let roundTurnouts: [String]?, turnoutChart: String?
        let treeSize: Int, rootHash: String, rootCode: String, origin: String
        let hasWitnesses: Bool, witnesses: [Witness]
        /// 两级测评: the community's evaluations of the round (both levels), this one marked.
        var levels: [Level]? = nil
        var hasLevels: Bool { levels != nil }

        struct Level: Encodable { let label: String, href: String, current: Bool }
    }

    /// The published results as the board's tables and charts.
    struct Results: Encodable {
        struct Row: Encodable {
            /// `organization`: a member's branch, a cadre's 职务.
            let name: String, organization: String, counts: [Int], rate: String, stars: [String], notes: [String]
            /// The labels of the flags raised (黑旗 …).
            let flags: [String]
            let change: Change?
        }

        let members: [Row], organizations: [Row], cadres: [Row], options: [String]
        let hasMembers: Bool, hasOrganizations: Bool, hasCadres: Bool
        /// Whether the rules have flags: the tables get a 标记 column.
        let flagged: Bool
        /// Why round 1's results award no stars, when its turnout missed the quorum (nil when it did not).
        let quorumNotice: String?
        let compared: Bool, hasHistory: Bool
        let memberChart: String?, organizationChart: String?, cadreChart: String?
    }

    /// Appeals, remedies and a supplementary round (SPEC §6) in words.
    struct Remedies: Encodable {
        struct Appeal: Encodable { let id: String, subject: String, filed: String, outcome: String, remedy: String }

        struct Remedy: Encodable { let text: String, status: String, pending: Bool }

        let appeals: [Appeal], hasAppeals: Bool, remedies: [Remedy], hasRemedies: Bool, republicationDue: Bool
        /// During a supplementary round: its own stage line and notice.
        var stageLabel: String?
        var stageClass: String?
        var roundNotice: String?
    }

    /// The printed notice around the board (SPEC §2 `notice`).
    struct Notice: Encodable {
        struct Branch: Encodable { let branch: String, names: String }

        var noticeText: String?
        var noticeContact: String?
        var issuer: String
        var announcement: String?
        var rated: [Branch]?
        var ratedOrganizations: String?
        /// Cadres with their 职务: 李某（社区党委书记）.
        var ratedCadres: String?
        var rulesLine: String?
        var publicityLine: String?
        var noticeHeading: String?
        var publicityPeriod: String?
        var appealLine: String?
        var noticeDate: String?
        var checkQR: String
        var checkURL: String
    }

    /// A street's star board for one round (SPEC §7).
    struct StreetBoard: Encodable {
        struct Row: Encodable {
            let evaluation: String, name: String, stage: String, stageClass: String
            let ballots: Int, electorate: Int, turnout: String?, members: Int
            /// One per star column: "count（share%）", or — before results.
            let cells: [String]
            let change: String
        }

        struct Star: Encodable { let label: String, count: Int, names: String }

        /// One evaluation of a community: a level of a two-level evaluation, or the only one.
        struct Level: Encodable {
            let evaluation: String, level: String?, published: Bool, stage: String, stars: [Star]
        }

        /// A community's block: its evaluations side by side (两级测评), never split on paper.
        struct Community: Encodable {
            let anchor: String, name: String, levels: [Level], twoLevels: Bool
        }

        /// The progress in the voting weeks: how many evaluations are in a state, and which.
        struct Progress: Encodable { let state: String, label: String, count: Int, names: String }

        let heading: String, street: String, round: String, langQuery: String, printedAt: String
        let evaluations: Int, published: Int, ballots: Int, electorate: Int, turnout: String?, members: Int
        let starHeads: [String], totalCells: [String]
        let rows: [Row], communities: [Community], progress: [Progress]
        let chart: String?
        /// The 大屏 mode: large type, the communities shown one after another.
        let display: Bool
    }
}
