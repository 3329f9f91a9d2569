import Foundation

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

/// The one catalogue of words, zh and en (`Static/labels.zh.json`, `labels.en.json`): the
/// pages are rendered with it and the console fetches the same files, so both call a state by
/// the same name. Read once; ``PageRenderer/init()`` refuses to start without it.
enum Labels {
    static func all(_ language: Language) -> [String: String] {
        switch catalogue {
        case let .success(languages): languages[language] ?? [:]
        case .failure: [:]  // unreachable once started: PageRenderer checked the catalogue
        }
    }

    /// Throws what is wrong with the catalogue: a file missing or not a flat object of texts,
    /// the languages' keys differing, an empty text.
    static func check() throws(PageSetupError) {
        if case let .failure(error) = catalogue { throw error }
    }

    static let catalogue: Result<[Language: [String: String]], PageSetupError> = Result { () throws(PageSetupError) in
        var languages: [Language: [String: String]] = [:]
        for language in [Language.zh, .en] {
            let name = "labels.\(language.rawValue).json"
            guard let url = Bundle.module.url(forResource: "Static", withExtension: nil)?.appendingPathComponent(name),
                  let data = FileManager.default.contents(atPath: url.path)
            else { throw PageSetupError("\(name) is missing from the module's resources") }
            let parsed: [String: String]
            do {
                parsed = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw PageSetupError("\(name) is not a JSON object of texts: \(error)")
            }
            if let empty = parsed.first(where: { $0.value.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw PageSetupError("\(name): \(empty.key) is empty")
            }
            languages[language] = parsed
        }
        let zh = Set(languages[.zh]?.keys ?? [:].keys), en = Set(languages[.en]?.keys ?? [:].keys)
        guard zh == en else {
            throw PageSetupError("labels.zh.json and labels.en.json differ in keys: \(zh.symmetricDifference(en).sorted().joined(separator: ", "))")
        }
        return languages
    }

    /// The messages the voting and receipt pages show, by problem code or situation.
    static func script(_ language: Language) -> [String: String] {
        language == .zh ? [
            "loading": "正在载入……", "no_token": "没有找到选票。请用手机扫描选票上的二维码打开本页。",
            "not_open_draft": "投票尚未开始。", "not_open": "投票已经结束。", "rate_all": "其余未评的全部评为",
            "round_note": "这是补充测评（第 {round} 轮）：只对下面的对象重新评价。",
            "review": "检查我的选择", "back": "返回修改", "submit": "确认提交", "submitting": "正在提交……",
            "unrated": "未评价", "review_title": "请核对您的选择", "rated": "已评价",
            "done_title": "投票成功，谢谢您！", "tracker_intro": "这是您的选票凭证号。选票公开计入后，可以在“查验选票”页面用它确认您的选票已被计入。它不显示您的姓名，也不显示您的选择。",
            "token_spent": "这张选票已经使用过了，不能再次投票。如果您刚才已经提交，您的选票已被记录。",
            "token_invalid": "这张选票无效，不属于本次测评。请联系社区工作人员。",
            "evaluation_not_open": "现在不在投票时间内。", "ballot_invalid": "选票内容有误，请刷新页面后重试。",
            "network": "网络连接失败，请稍后重试（同一张选票不会被计算两次）。", "error": "出现错误，请联系社区工作人员。",
            "retrying": "服务器暂时无法保存选票，{seconds} 秒后自动重试，请不要关闭页面（选票不会被计算两次）。",
            "receipt_pending": "已收到您的选票，正在入账，请过一分钟再查。", "receipt_not_found": "没有找到这个凭证号的选票。请检查是否复制完整。",
            "receipt_ok": "您的选票已经计入审计日志。", "receipt_bad": "查验失败：证明与日志不符。请向街道申诉复查。",
            "receipt_detail": "位置：第 {index} 条；日志共 {size} 条；核验码 {root}",
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
            "round_note": "This is a supplementary vote (round {round}): rate only those below again.",
            "review": "Review my choices", "back": "Change", "submit": "Submit", "submitting": "Submitting…",
            "unrated": "not rated", "review_title": "Please check your choices", "rated": "rated",
            "done_title": "Your vote is cast. Thank you!", "tracker_intro": "This is your ballot's tracker. Once ballots are counted you can check on the 'Check your ballot' page that yours is included. It shows neither your name nor your choices.",
            "token_spent": "This slip has already been used. If you just submitted, your ballot was recorded.",
            "token_invalid": "This slip is not valid for this evaluation. Please ask the community office.",
            "evaluation_not_open": "Voting is not open now.", "ballot_invalid": "The ballot was not accepted; reload the page and try again.",
            "network": "Network error; please try again (a slip is never counted twice).", "error": "Something went wrong; please ask the community office.",
            "retrying": "The server cannot store ballots for a moment; trying again in {seconds} s. Keep this page open (a slip is never counted twice).",
            "receipt_pending": "Your ballot was received and is being added to the log; check again in a minute.",
            "receipt_not_found": "No ballot has this tracker. Check that it was copied completely.",
            "receipt_ok": "Your ballot is in the audit log.", "receipt_bad": "Check failed: the proof does not match the log. Please appeal.",
            "receipt_detail": "Position {index} of {size} entries; verification code {root}",
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
