import Foundation
import Hummingbird
import MinpingCore
import Mustache
import NIOCore

extension HTTPFields {
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")
}

/// The templates (`Pages/*.mustache`) and static files (`Static/`), loaded once from the
/// module's resources.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let staticFiles: [String: (type: String, bytes: [UInt8])]

    public init() {
        var library = MustacheLibrary()
        var staticFiles: [String: (type: String, bytes: [UInt8])] = [:]
        let files = FileManager.default
        if let pages = Bundle.module.url(forResource: "Pages", withExtension: nil),
           let names = try? files.contentsOfDirectory(atPath: pages.path) {
            for name in names where name.hasSuffix(".mustache") {
                if let text = try? String(contentsOf: pages.appendingPathComponent(name), encoding: .utf8) {
                    try? library.register(text, named: String(name.dropLast(".mustache".count)))
                }
            }
        }
        if let assets = Bundle.module.url(forResource: "Static", withExtension: nil),
           let names = try? files.contentsOfDirectory(atPath: assets.path) {
            for name in names {
                guard let data = files.contents(atPath: assets.appendingPathComponent(name).path) else { continue }
                let type = name.hasSuffix(".css") ? "text/css; charset=utf-8"
                    : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
                staticFiles[name] = (type, Array(data))
            }
        }
        self.library = library
        self.staticFiles = staticFiles
    }

    /// Renders `template` inside the common header and footer.
    func page(_ template: String, language: Language, title: String, status: HTTPResponse.Status = .ok,
              bodyClass: String = "", refresh: Int? = nil, extraQuery: String = "", _ data: [String: Any]) -> Response {
        htmlResponse(render(template, language: language, title: title, bodyClass: bodyClass, refresh: refresh,
                            extraQuery: extraQuery, data), status: status)
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

    func render(_ template: String, language: Language, title: String, bodyClass: String = "", refresh: Int? = nil,
                extraQuery: String = "", _ data: [String: Any]) -> String {
        var object = Self.unwrapped(data) as? [String: Any] ?? [:]
        object["t"] = Labels.all(language)
        object["lang"] = language.htmlCode
        object["otherLang"] = language.other.rawValue
        object["otherLangCode"] = language.other.htmlCode
        object["switchLabel"] = language.switchLabel
        object["pageTitle"] = title
        object["bodyClass"] = bodyClass
        object["extraQuery"] = extraQuery
        if let refresh { object["refresh"] = refresh }
        return library.render(object, withTemplate: template) ?? "<!doctype html><title>Minping</title><p>template \(template) missing</p>"
    }

    /// The page data with every optional unwrapped, and absent ones left out: an `Optional`
    /// stored as `Any` is truthy to Mustache and renders as "nil" (a token slip said
    /// "匿名码 nil", an unnamed street's board "nil 社区").
    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let inner = mirror.children.first?.value else { return nil }
            return unwrapped(inner)
        }
        if let dictionary = value as? [String: Any] {
            return dictionary.compactMapValues { unwrapped($0) }
        }
        if let array = value as? [Any] {
            return array.compactMap { unwrapped($0) }
        }
        return value
    }

    /// The printable slips: A4, eight to a page, each with its QR code.
    func slips(definition: EvaluationDefinition, slips: [PrintedSlip], firstNumber: Int, language: Language) -> Response {
        htmlResponse(slipsHTML(definition: definition, slips: slips, firstNumber: firstNumber, language: language.rawValue))
    }

    /// The printable slips page as HTML (also written to a file by `minping slips`), eight to
    /// an A4 page. `standalone` inlines the stylesheet, for a file opened without the server.
    public func slipsHTML(definition: EvaluationDefinition, slips: [PrintedSlip], firstNumber: Int, language: String = "zh",
                          standalone: Bool = false) -> String {
        let language = Language(query: language)
        let rows: [[String: Any]] = slips.enumerated().map { index, slip in
            [
                "title": definition.title, "community": definition.community as Any, "number": firstNumber + index, "url": slip.url,
                "svg": QRCode.svg(slip.url, title: definition.title) ?? "", "code": slip.code as Any,
                "page": slip.url.split(separator: "#").first.map(String.init) ?? slip.url,
            ]
        }
        var data: [String: Any] = ["title": definition.title, "count": slips.count, "slips": rows]
        if standalone { data["inlineCSS"] = String(decoding: staticFiles["minping.css"]?.bytes ?? [], as: UTF8.self) }
        return render("slips", language: language, title: Labels.all(language)["slips_title"] ?? "", bodyClass: "slips-page", data)
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
    case code, token
}
