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

    /// The words the voting and receipt pages' scripts show, by problem code or situation: the
    /// catalogue's `script_` entries without the prefix (the /verify page's: `verify_`).
    static func script(_ language: Language, prefix: String = "script_") -> [String: String] {
        Dictionary(uniqueKeysWithValues: all(language).compactMap { key, value in
            key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), value) : nil
        })
    }
}
