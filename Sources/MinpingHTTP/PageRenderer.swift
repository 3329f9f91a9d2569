import Crypto
import Foundation
import Hummingbird
import MinpingCore
import Mustache
import NIOCore

extension HTTPFields {
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")
}

/// Every template in `Pages/`: a page cannot name one that is not here, and start-up checks
/// each is there and parses.
enum Template: String, CaseIterable {
    case admin, adminSlips = "admin-slips", board, forms, history, home, notFound = "not-found", receipt, slips, street, verify, vote
    /// Partials, included by every page.
    case header, footer
}

/// The pages cannot be served: a template or the label catalogue missing or broken. Raised at
/// start-up, never as a page.
public struct PageSetupError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// The templates (`Pages/*.mustache`), the label catalogue and the static files (`Static/`),
/// loaded once from the module's resources.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let staticFiles: [String: (type: String, bytes: [UInt8])]
    let verifyAssets: VerifyAssets

    public init() throws(PageSetupError) {
        var library = MustacheLibrary()
        let files = FileManager.default
        guard let pages = Bundle.module.url(forResource: "Pages", withExtension: nil),
              let assets = Bundle.module.url(forResource: "Static", withExtension: nil)
        else { throw PageSetupError("the Pages and Static resources are missing from the module") }
        let names: [String]
        do {
            names = try files.contentsOfDirectory(atPath: assets.path)
        } catch {
            throw PageSetupError("Static/ cannot be listed: \(error)")
        }
        for template in Template.allCases {
            let file = pages.appendingPathComponent("\(template.rawValue).mustache")
            guard let text = files.contents(atPath: file.path).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw PageSetupError("Pages/\(template.rawValue).mustache is missing or not UTF-8")
            }
            do {
                try library.register(text, named: template.rawValue)
            } catch {
                throw PageSetupError("Pages/\(template.rawValue).mustache does not parse: \(error)")
            }
        }
        try Labels.check()
        var staticFiles: [String: (type: String, bytes: [UInt8])] = [:]
        for name in names {
            guard let data = files.contents(atPath: assets.appendingPathComponent(name).path) else { continue }
            staticFiles[name] = (Self.contentType(name), Array(data))
        }
        self.library = library
        self.staticFiles = staticFiles
        self.verifyAssets = try VerifyAssets(staticFiles)
    }

    /// What the /verify page carries inline, so that a copy saved from the browser is one file
    /// that works offline: the stylesheet and its three scripts, and the Content-Security-Policy
    /// that allows exactly them (by hash) and the Web Worker made of two of them (a blob: URL).
    struct VerifyAssets: Sendable {
        let css: String, tlog: String, verify: String, page: String
        let headers: HTTPFields

        /// The browser's verifier: the bundle as a file, canonical JSON, then the checks.
        static let verifierParts = ["verify-bundle-files.js", "verify-bundle-json.js", "verify-bundle.js"]

        init(_ files: [String: (type: String, bytes: [UInt8])]) throws(PageSetupError) {
            func text(_ name: String) throws(PageSetupError) -> String {
                guard let bytes = files[name]?.bytes else { throw PageSetupError("Static/\(name) is missing") }
                let text = String(decoding: bytes, as: UTF8.self)
                // Inline, the text must not end its element early.
                guard !text.lowercased().contains("</script"), !text.lowercased().contains("</style") else {
                    throw PageSetupError("Static/\(name) contains </script or </style and cannot be inlined")
                }
                return text
            }
            css = try text("minping.css")
            tlog = try text("tlog.js")
            // The verifier in its parts, one script (one hash, one worker source): the order in
            // which tools/tests/verify_bundle_node.mjs joins them too.
            verify = try Self.verifierParts.map { name throws(PageSetupError) in try text(name) }.joined(separator: "\n")
            page = try text("verify-page.js")
            func hash(_ text: String) -> String { "'sha256-\(Data(SHA256.hash(data: Array(text.utf8))).base64EncodedString())'" }
            var headers = PageRenderer.htmlHeaders
            headers[.contentSecurityPolicy] = "default-src 'self'; script-src \(hash(tlog)) \(hash(verify)) \(hash(page)); "
                + "style-src \(hash(css)); worker-src blob:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
            headers[.contentType] = "text/html; charset=utf-8"
            self.headers = headers
        }
    }

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }

    /// Renders `template` inside the common header and footer, with the view models' fields
    /// (a later model's field wins over an earlier one's).
    func page(_ template: Template, language: Language, title: String, status: HTTPResponse.Status = .ok,
              bodyClass: String = "", refresh: Int? = nil, extraQuery: String = "", _ models: any Encodable...) throws -> Response {
        htmlResponse(try render(template, language: language, title: title, bodyClass: bodyClass, refresh: refresh,
                                extraQuery: extraQuery, models), status: status)
    }

    /// An HTML response with the pages' headers: only our own scripts and styles, nothing from
    /// elsewhere, no referrer.
    func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = Self.htmlHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The pages' security headers, without a content type.
    static let htmlHeaders: HTTPFields = {
        var headers: HTTPFields = [
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ]
        if let referrer = HTTPFields.referrerPolicy { headers[referrer] = "no-referrer" }
        return headers
    }()

    func render(_ template: Template, language: Language, title: String, bodyClass: String = "", refresh: Int? = nil,
                extraQuery: String = "", _ models: [any Encodable]) throws -> String {
        var object: [String: Any] = [:]
        let encoder = JSONValueEncoder(keys: .asDeclared)
        for model in models {
            guard case let .object(members) = try encoder.encode(model) else { continue }
            for (key, value) in members { if let value = Self.mustacheValue(value) { object[key] = value } }
        }
        object["t"] = Labels.all(language)
        object["lang"] = language.htmlCode
        object["otherLang"] = language.other.rawValue
        object["otherLangCode"] = language.other.htmlCode
        object["switchLabel"] = language.switchLabel
        object["pageTitle"] = title
        object["bodyClass"] = bodyClass
        object["extraQuery"] = extraQuery
        if let refresh { object["refresh"] = refresh }
        guard let html = library.render(object, withTemplate: template.rawValue) else {
            throw PageSetupError("the template \(template.rawValue) is not loaded")
        }
        return html
    }

    /// A view model's value as Mustache reads it. An absent value is left out: Mustache would
    /// treat a stored `nil` as true and print "nil" (an unnamed street's board said "nil 社区").
    static func mustacheValue(_ value: JSONValue) -> Any? {
        switch value {
        case let .object(members):
            var object: [String: Any] = [:]
            for (key, member) in members { if let member = mustacheValue(member) { object[key] = member } }
            return object
        case let .array(elements): return elements.compactMap(mustacheValue)
        case let .string(text): return text
        case let .int(number): return number
        case let .bool(flag): return flag
        case .null: return nil
        }
    }

    /// The printable slips: A4, eight to a page, each with its QR code.
    func slips(definition: EvaluationDefinition, slips: [PrintedSlip], firstNumber: Int, language: Language) throws -> Response {
        htmlResponse(try slipsHTML(definition: definition, slips: slips, firstNumber: firstNumber, language: language.rawValue))
    }

    struct SlipsPage: Encodable {
        struct Slip: Encodable {
            let title: String, community: String?, number: Int, url: String, svg: String
            /// The code on a code slip, typed by hand if the QR code cannot be scanned.
            let code: String?
            let page: String
        }

        let title: String, count: Int, slips: [Slip]
        /// The stylesheet, inlined in a file opened without the server.
        let inlineCSS: String?
    }

    struct FormsPage: Encodable {
        /// `note`: a cadre's 职务, nil for anyone else.
        struct Row: Encodable { let name: String, note: String? }
        struct Group: Encodable { let heading: String, rows: [Row] }
        struct Sheet: Encodable {
            let number: String, page: Int, pageLabel: String, first: Bool, last: Bool, groups: [Group]
            /// On the first page only: the form's QR code (its token's URL).
            let svg: String?
        }
        struct Form: Encodable { let number: String, sheets: [Sheet] }

        let title: String, community: String?, count: Int, options: [String], forms: [Form]
        let receiptURL: String
        /// The table's columns: the name and one per option.
        let columns: Int
        /// The stylesheet, inlined in a file opened without the server.
        let inlineCSS: String?
    }

    /// Rows of subjects on one printed page of a form: A4 holds this many with boxes a pen can hit.
    static let formRowsPerPage = 24

    /// The printable paper forms (测评表, SPEC §4): per form, its pages (every page carries the
    /// 表号), every subject grouped by branch with one box per option, the QR code with the
    /// token on the first page, and a tear-off stub (回执联) with the 表号 and the receipt page's
    /// address on the last. No name or number that could identify the representative.
    public func formsHTML(definition: EvaluationDefinition, forms: [(number: String, url: String)], receiptURL: String,
                          language: String = "zh", standalone: Bool = false) throws -> String {
        let language = Language(query: language)
        let t = Labels.all(language)
        let branches = Dictionary(definition.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        // Rows in ballot order: members by branch, then branches, then cadres; each group headed.
        var grouped: [(heading: String, rows: [FormsPage.Row])] = []
        var order: [String?] = []
        var members: [String?: [Member]] = [:]
        for member in definition.members {
            if members[member.organization] == nil { order.append(member.organization) }
            members[member.organization, default: []].append(member)
        }
        for branch in order {
            grouped.append((branch.flatMap { branches[$0] } ?? (t["script_group_other"] ?? ""),
                            members[branch, default: []].map { FormsPage.Row(name: $0.name, note: nil) }))
        }
        if !definition.organizations.isEmpty {
            grouped.append((t["script_group_orgs"] ?? "", definition.organizations.map { FormsPage.Row(name: $0.name, note: nil) }))
        }
        if !definition.cadres.isEmpty {
            grouped.append((t["script_group_cadres"] ?? "", definition.cadres.map { FormsPage.Row(name: $0.name, note: $0.title) }))
        }
        // Pages of at most formRowsPerPage rows; a group cut by a page is headed again.
        var pages: [[FormsPage.Group]] = [[]]
        var used = 0
        for group in grouped {
            var rows = group.rows[...]
            while !rows.isEmpty {
                if used >= Self.formRowsPerPage { pages.append([]); used = 0 }
                let take = rows.prefix(Self.formRowsPerPage - used)
                pages[pages.count - 1].append(FormsPage.Group(heading: group.heading, rows: Array(take)))
                used += take.count
                rows = rows.dropFirst(take.count)
            }
        }
        let rendered = try forms.map { form in
            FormsPage.Form(number: form.number, sheets: try pages.enumerated().map { index, groups in
                FormsPage.Sheet(number: form.number, page: index + 1,
                                pageLabel: (t["forms_page"] ?? "").replacingOccurrences(of: "{page}", with: "\(index + 1)")
                                    .replacingOccurrences(of: "{pages}", with: "\(pages.count)"),
                                first: index == 0, last: index == pages.count - 1,
                                groups: groups, svg: index == 0 ? try QRCode.svg(form.url, title: definition.title) : nil)
            })
        }
        let page = FormsPage(title: definition.title, community: definition.community, count: forms.count,
                             options: definition.options.map(\.label), forms: rendered, receiptURL: receiptURL,
                             columns: definition.options.count + 1,
                             inlineCSS: standalone ? String(decoding: staticFiles["minping.css"]?.bytes ?? [], as: UTF8.self) : nil)
        return try render(.forms, language: language, title: t["forms_title"] ?? "", bodyClass: "forms-page", [page])
    }

    /// The printable slips page as HTML (also written to a file by `minping slips`), eight to
    /// an A4 page. `standalone` inlines the stylesheet, for a file opened without the server.
    public func slipsHTML(definition: EvaluationDefinition, slips: [PrintedSlip], firstNumber: Int, language: String = "zh",
                          standalone: Bool = false) throws -> String {
        let language = Language(query: language)
        let rows = try slips.enumerated().map { index, slip in
            SlipsPage.Slip(title: definition.title, community: definition.community, number: firstNumber + index, url: slip.url,
                           svg: try QRCode.svg(slip.url, title: definition.title), code: slip.code,
                           page: slip.url.split(separator: "#").first.map(String.init) ?? slip.url)
        }
        let page = SlipsPage(title: definition.title, count: slips.count, slips: rows,
                             inlineCSS: standalone ? String(decoding: staticFiles["minping.css"]?.bytes ?? [], as: UTF8.self) : nil)
        return try render(.slips, language: language, title: Labels.all(language)["slips_title"] ?? "", bodyClass: "slips-page", [page])
    }

    /// Data for a page script, safe inside `<script type="application/json">`.
    static func scriptJSON(_ labels: [String: String]) -> String {
        JSONValue.object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }).serialized
            .replacingOccurrences(of: "<", with: "\\u003c")
    }
}

/// One printed slip: the address its QR code holds and, on a code slip, the code itself (typed
/// by hand if the QR code cannot be scanned).
public struct PrintedSlip: Sendable {
    public let url: String
    public let code: String?

    public init(url: String, code: String? = nil) {
        self.url = url
        self.code = code
    }
}

/// Which paper slip to print (SPEC §4): 匿名码选票 carries an enrollment code and the voting
/// page makes the token itself by blind issuance, so nobody who handled the paper can link it
/// to the ballot; 令牌选票 carries a token the server signed, for phones without WebCrypto.
public enum SlipKind: String, Sendable, CaseIterable {
    case code, token, paper
}
