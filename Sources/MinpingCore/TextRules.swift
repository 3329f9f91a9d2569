/// SPEC §2's rules for text people type, in one place: names, labels and titles in a
/// definition or roster, and every free text (appeal texts, notes, reasons, notice fields).
///
/// - Forbidden everywhere: control characters (C0, C1, U+007F), noncharacters (U+FFFE,
///   U+FFFF, …) and bidi controls (U+202A–202E, U+2066–2069), which can make a name on the
///   公示栏 read backwards. SQLite stores a NUL cut short and PostgreSQL refuses it.
/// - A name must hold at least one visible character: not only spaces, U+200B or U+FEFF.
/// - Free text of several lines keeps its line breaks and tabs (U+000A, U+000D, U+0009).
public enum TextRules {
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.isNoncharacterCodePoint
            || isBidiControl(scalar)
    }

    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Shows nothing on a page: whitespace, and the zero-width characters people paste in.
    public static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF].contains(scalar.value)
    }

    /// The first forbidden character of a one-line text, or nil.
    public static func forbidden(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isForbidden)
    }

    /// A name with nothing to see: empty, or only invisible characters.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(isInvisible)
    }

    /// "U+0000", as messages name a character.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Why `text` cannot be a free text of at most `maximumBytes` UTF-8 bytes (multi-line),
    /// in English for the API's problem detail, or nil when it is fine.
    /// `mayBeEmpty`: a field people may leave empty (a resolution's note).
    public static func freeTextProblem(_ text: String, field: String, maximumBytes: Int, mayBeEmpty: Bool = false) -> String? {
        if !mayBeEmpty, isBlank(text) { return "\(field) must be given" }
        if text.utf8.count > maximumBytes { return "\(field) must be at most \(maximumBytes) bytes, got \(text.utf8.count)" }
        let lineBreaks: Set<UInt32> = [0x09, 0x0A, 0x0D]
        if let bad = text.unicodeScalars.first(where: { isForbidden($0) && !lineBreaks.contains($0.value) }) {
            return "\(field) contains \(codePoint(bad)), a control character, noncharacter or bidi control"
        }
        return nil
    }
}
