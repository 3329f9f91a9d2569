/// The words on the pages: Chinese first, English with `?lang=en`.
enum Language: String {
    case zh, en

    init(query: String?) {
        self = query == "en" ? .en : .zh
    }

    /// The language switch shown on every page.
    var other: Language { self == .zh ? .en : .zh }
    var switchLabel: String { self == .zh ? "English" : "中文" }
    var htmlCode: String { self == .zh ? "zh-CN" : "en" }
}

enum Labels {
    static func all(_ language: Language) -> [String: String] {
        language == .zh ? zh : en
    }

    static let zh: [String: String] = [
        "app": "民评", "vote_title": "群众满意度测评 · 投票", "board_title": "公示栏", "receipt_title": "查验选票",
        "slips_title": "打印选票", "turnout": "已投票", "electorate": "应参评", "stage_preliminary": "初步结果·公示中",
        "stage_final": "最终结果", "publicity_until": "公示期至", "members": "党员", "organizations": "党组织",
        "name": "姓名", "organization": "所属党支部", "org_name": "党组织名称", "rate": "满意率", "stars": "获星",
        "not_published": "投票结果尚未公布。公布前只公示投票人数。", "appeals": "申诉", "no_appeals": "暂无申诉",
        "appeal_pending": "复查中", "appeal_dismissed": "经复查，维持原结果", "appeal_upheld": "申诉成立，结果已更正",
        "checkpoint": "审计日志", "tree_size": "日志条数", "root_hash": "根哈希", "verify_link": "查验我的选票", "signed_checkpoint": "签名检查点",
        "witnesses": "见证方联署", "witness_cosigned": "已联署日志条数", "witness_lagging": "（最新检查点尚待联署）",
        "chart_members": "党员满意率", "chart_organizations": "党组织满意率", "chart_above": "超过", "chart_at_least": "达到",
        "chart_desc": "每个条形为一名（个）参评对象的满意率，共 {count} 条；虚线为得星线 {lines}。",
        "chart_earned": "满意率{comparison} {percent}% 得{label}：{count}", "chart_separator": "；", "chart_end": "。",
        "chart_no_branch": "未列支部", "chart_turnout": "投票进度", "chart_turnout_desc": "已投票 {ballots} / 应参评 {electorate}（{rate}）",
        "chart_heading": "满意率图", "change_heading": "较上轮", "change_gained": "增星", "change_lost": "减星",
        "change_same": "星数不变", "change_new": "新参评", "history_link": "历年星级", "history_title": "历年星级公开栏",
        "history_none": "本轮结果尚未公布，暂无历年星级。", "history_absent": "未参评", "history_no_star": "无星",
        "history_round": "轮次",
        "state_draft": "准备中", "state_open": "投票中", "state_closed": "投票已结束，正在计票", "state_annulled": "本次测评已作废",
        "quorum_missed": "投票人数未达到规定比例，本次结果不评星。", "ballots_counted": "有效票",
        "print": "打印", "display_mode": "大屏模式",
        "slip_instruction": "请用手机扫描二维码，对每名党员和每个党组织作出评价。每张选票只能使用一次，投票不记名。",
        "slip_note": "选票只显示一次，服务器不保存选票内容。请妥善分发，勿拍照外传。",
        "slips_count": "张数", "admin_key": "管理员密钥", "make_slips": "生成并打印选票",
        "slip_kind": "选票种类", "kind_code": "匿名码选票（推荐）：印匿名码，手机在本机生成匿名选票，服务器和印制选票的人都无法把选票和人对应起来",
        "kind_token": "令牌选票：直接印投票令牌，不需要手机的加密功能；印制和经手选票的人理论上可以记下令牌",
        "code_instruction": "请用手机扫描二维码投票；也可以打开下面的网址，输入匿名码。每个匿名码只能使用一次，投票不记名，连印制选票的人也无法知道您的选择。",
        "code_on_slip": "匿名码",
        "receipt_intro": "投票后页面会显示一个“选票凭证号”。把它粘贴在这里，可以确认您的选票已经被计入。",
        "tracker": "选票凭证号", "check": "查验",
        "home_title": "群众满意度测评", "home_intro": "以下是本系统中的测评。点击可查看公示栏：投票人数、公示的结果和申诉。",
        "home_none": "还没有测评。街道工作人员可在“街道管理台”新建。", "street": "街道", "console": "街道管理台",
        "console_title": "街道管理台", "evaluation": "测评", "community": "社区", "state": "状态", "view_board": "查看公示栏",
        "noscript_console": "街道管理台需要启用 JavaScript。",
        "state_preliminary": "初步结果公示中", "state_final": "最终结果",
    ]

    static let en: [String: String] = [
        "home_title": "Satisfaction evaluations", "home_intro": "The evaluations on this server. Open one to see its public board: turnout, published results and appeals.",
        "home_none": "No evaluations yet. Street staff can create one in the street console.", "street": "Street", "console": "Street console",
        "console_title": "Street console", "evaluation": "Evaluation", "community": "Community", "state": "State", "view_board": "Public board",
        "noscript_console": "The street console needs JavaScript.",
        "state_preliminary": "Preliminary results on display", "state_final": "Final results",
        "app": "Minping", "vote_title": "Satisfaction evaluation · Vote", "board_title": "Public board", "receipt_title": "Check your ballot",
        "slips_title": "Print slips", "turnout": "Voted", "electorate": "Electorate", "stage_preliminary": "Preliminary results, on public display",
        "stage_final": "Final results", "publicity_until": "Publicity period until", "members": "Party members", "organizations": "Party organizations",
        "name": "Name", "organization": "Branch", "org_name": "Organization", "rate": "Satisfaction", "stars": "Stars",
        "not_published": "Results are not published yet; until then only turnout is shown.", "appeals": "Appeals", "no_appeals": "No appeals",
        "appeal_pending": "Under review", "appeal_dismissed": "Reviewed; results stand", "appeal_upheld": "Upheld; results corrected",
        "checkpoint": "Audit log", "tree_size": "Entries", "root_hash": "Root hash", "verify_link": "Check my ballot", "signed_checkpoint": "Signed checkpoint",
        "witnesses": "Witness cosignatures", "witness_cosigned": "entries cosigned", "witness_lagging": " (the latest checkpoint is not cosigned yet)",
        "chart_members": "Members' satisfaction", "chart_organizations": "Organizations' satisfaction", "chart_above": "above",
        "chart_at_least": "at least", "chart_desc": "Each bar is one subject's satisfaction rate, {count} bars; dashed lines mark the star thresholds {lines}. ",
        "chart_earned": "{label} ({comparison} {percent}%): {count}", "chart_separator": "; ", "chart_end": ".",
        "chart_no_branch": "No branch", "chart_turnout": "Turnout", "chart_turnout_desc": "{ballots} voted of {electorate} ({rate})",
        "chart_heading": "Satisfaction chart", "change_heading": "Since last round", "change_gained": "Star gained", "change_lost": "Star lost",
        "change_same": "Same stars", "change_new": "New this round", "history_link": "Stars over the years", "history_title": "Stars over the years",
        "history_none": "This round's results are not published yet, so there is no history.", "history_absent": "not evaluated",
        "history_no_star": "no star", "history_round": "Round",
        "state_draft": "In preparation", "state_open": "Voting open", "state_closed": "Voting closed, counting", "state_annulled": "This evaluation was annulled",
        "quorum_missed": "Turnout is below the quorum; no stars are awarded.", "ballots_counted": "Ballots",
        "print": "Print", "display_mode": "Display mode",
        "slip_instruction": "Scan the QR code with your phone and rate every member and organization. Each slip works once; voting is anonymous.",
        "slip_note": "Slips are shown once; the server does not keep them.",
        "slips_count": "Number of slips", "admin_key": "Admin key", "make_slips": "Make and print slips",
        "slip_kind": "Kind of slip", "kind_code": "Code slips (recommended): a code is printed; the phone makes the anonymous token itself, so neither the server nor whoever printed the slips can link a ballot to a person",
        "kind_token": "Token slips: the token is printed; no phone cryptography needed, but whoever prints or handles them could copy tokens",
        "code_instruction": "Scan the QR code with your phone to vote, or open the address below and type the code. Each code works once; voting is anonymous, even to whoever printed this slip.",
        "code_on_slip": "Code",
        "receipt_intro": "After voting, the page shows a tracker. Paste it here to confirm your ballot is counted.",
        "tracker": "Tracker", "check": "Check",
    ]

    /// The messages the voting and receipt pages show, by problem code or situation.
    static func script(_ language: Language) -> [String: String] {
        language == .zh ? [
            "loading": "正在载入……", "no_token": "没有找到选票。请用手机扫描选票上的二维码打开本页。",
            "not_open_draft": "投票尚未开始。", "not_open": "投票已经结束。", "rate_all": "其余未评的全部评为",
            "review": "检查我的选择", "back": "返回修改", "submit": "确认提交", "submitting": "正在提交……",
            "unrated": "未评价", "review_title": "请核对您的选择", "rated": "已评价",
            "done_title": "投票成功，谢谢您！", "tracker_intro": "这是您的选票凭证号。选票公开计入后，可以在“查验选票”页面用它确认您的选票已被计入。它不显示您的姓名，也不显示您的选择。",
            "token_spent": "这张选票已经使用过了，不能再次投票。如果您刚才已经提交，您的选票已被记录。",
            "token_invalid": "这张选票无效，不属于本次测评。请联系社区工作人员。",
            "evaluation_not_open": "现在不在投票时间内。", "ballot_invalid": "选票内容有误，请刷新页面后重试。",
            "network": "网络连接失败，请稍后重试（同一张选票不会被计算两次）。", "error": "出现错误，请联系社区工作人员。",
            "receipt_pending": "已收到您的选票，正在入账，请过一分钟再查。", "receipt_not_found": "没有找到这个凭证号的选票。请检查是否复制完整。",
            "receipt_ok": "您的选票已经计入审计日志。", "receipt_bad": "查验失败：证明与日志不符。请向街道申诉复查。",
            "receipt_detail": "位置：第 {index} 条；日志共 {size} 条；根哈希 {root}",
            "insecure": "本页不是通过 HTTPS 或本机地址打开的，浏览器不提供查验所需的加密功能。请改用 HTTPS 地址，或用 minping audit verify 查验。",
            "group_other": "其他党员", "group_orgs": "党组织",
            "verifying": "正在核验您的选票是否按原样记入审计日志……", "receipt_link": "查验选票",
            "tracker_mismatch": "核验失败：服务器给出的凭证号与本机根据您的选票算出的不一致。请记下凭证号，向街道申诉复查。",
            "verified": "✔ 已核验：您的选票已按您提交的内容记入审计日志（第 {index} 条，日志共 {size} 条）。",
            "verify_failed": "核验失败：日志中的选票与您提交的不一致。请记下凭证号，向街道申诉复查。",
            "verify_later": "选票已收到，稍后计入日志；可以之后在“查验选票”页面用凭证号查验。",
            "signed": "日志检查点的签名有效，签名密钥 {key}（应与街道公布的日志密钥一致）。",
            "signature_bad": "日志检查点的签名无效！请记下凭证号，向街道申诉复查。",
            "signature_unchecked": "此浏览器不能核验签名，可用 minping audit verify 核验。",
            "witnessed": "见证方联署：{names} 已核验并联署此检查点（{count}/{total}）。",
            "witness_none": "见证方尚未联署此检查点（通常几秒内完成），稍后刷新可再查。",
            "witness_bad": "见证方联署无效！请记下凭证号，向街道申诉复查。",
            "code_title": "输入匿名码", "code_label": "选票上的匿名码（16 位字母和数字）", "code_start": "开始投票",
            "code_hint": "扫描选票上的二维码可以不用输入。大小写和短横线都可以。",
            "code_format": "匿名码是 16 位字母和数字，例如 ABCD-EFGH-JKMN-PQRS，请检查后重新输入。",
            "code_invalid": "这个匿名码已经使用过了或者无效，不能再次投票。如果您刚才已经提交，您的选票已被记录。",
            "getting_token": "正在本机生成匿名选票（服务器看不到它）……",
            "token_refused": "服务器的签名没有通过本机核验，为保护您的匿名，本页已停止。请联系社区工作人员。",
            "insecure_code": "匿名码需要在 HTTPS 地址打开的页面上使用（浏览器只在 HTTPS 下提供所需的加密功能）。请改用 HTTPS 地址。",
        ] : [
            "loading": "Loading…", "no_token": "No slip found. Open this page by scanning the QR code on your slip.",
            "not_open_draft": "Voting has not started yet.", "not_open": "Voting has ended.", "rate_all": "Rate all remaining as",
            "review": "Review my choices", "back": "Change", "submit": "Submit", "submitting": "Submitting…",
            "unrated": "not rated", "review_title": "Please check your choices", "rated": "rated",
            "done_title": "Your vote is cast. Thank you!", "tracker_intro": "This is your ballot's tracker. Once ballots are counted you can check on the 'Check your ballot' page that yours is included. It shows neither your name nor your choices.",
            "token_spent": "This slip has already been used. If you just submitted, your ballot was recorded.",
            "token_invalid": "This slip is not valid for this evaluation. Please ask the community office.",
            "evaluation_not_open": "Voting is not open now.", "ballot_invalid": "The ballot was not accepted; reload the page and try again.",
            "network": "Network error; please try again (a slip is never counted twice).", "error": "Something went wrong; please ask the community office.",
            "receipt_pending": "Your ballot was received and is being added to the log; check again in a minute.",
            "receipt_not_found": "No ballot has this tracker. Check that it was copied completely.",
            "receipt_ok": "Your ballot is in the audit log.", "receipt_bad": "Check failed: the proof does not match the log. Please appeal.",
            "receipt_detail": "Position {index} of {size} entries; root hash {root}",
            "insecure": "This page was not opened over HTTPS or localhost, so the browser offers no cryptography to check with. Use the HTTPS address, or minping audit verify.",
            "group_other": "Other members", "group_orgs": "Party organizations",
            "verifying": "Checking that your ballot is in the audit log exactly as sent…", "receipt_link": "Check your ballot",
            "tracker_mismatch": "Check failed: the server's tracker differs from the one this device computed from your ballot. Note the tracker and ask the street for a review.",
            "verified": "✔ Checked: your ballot is in the audit log exactly as you sent it (entry {index} of {size}).",
            "verify_failed": "Check failed: the logged ballot differs from what you sent. Note the tracker and appeal to the street office.",
            "verify_later": "Your ballot was received and will be logged shortly; check it later with the tracker on the receipt page.",
            "signed": "The log checkpoint's signature is valid, key {key} (it should match the log key the street published).",
            "signature_bad": "The log checkpoint's signature is NOT valid. Note the tracker and appeal to the street office.",
            "signature_unchecked": "This browser cannot check the signature; use minping audit verify.",
            "witnessed": "Witnessed: {names} checked and cosigned this checkpoint ({count}/{total}).",
            "witness_none": "No witness has cosigned this checkpoint yet (it usually takes a few seconds); reload later to check again.",
            "witness_bad": "A witness cosignature is NOT valid. Note the tracker and appeal to the street office.",
            "code_title": "Enter your code", "code_label": "The code on your slip (16 letters and digits)", "code_start": "Start voting",
            "code_hint": "Scanning the slip's QR code fills it in. Upper or lower case, with or without dashes.",
            "code_format": "A code is 16 letters and digits, like ABCD-EFGH-JKMN-PQRS; please check it and try again.",
            "code_invalid": "This code has already been used or is not valid. If you just submitted, your ballot was recorded.",
            "getting_token": "Making your anonymous ballot on this device (the server never sees it)…",
            "token_refused": "The server's signature failed this device's check; to protect your anonymity the page stopped. Please ask the community office.",
            "insecure_code": "Codes work only on a page opened over HTTPS (browsers offer the cryptography it needs only there). Please use the HTTPS address.",
        ]
    }
}
