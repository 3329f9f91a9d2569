/// The few XML documents an XLSX file needs, written as text: elements with attributes
/// (written in sorted order, so the same table makes the same bytes), child elements or one
/// text, escaped as XML 1.0 asks. Characters XML 1.0 cannot hold (most C0 controls,
/// U+FFFE, U+FFFF; definitions refuse them anyway) are left out, never written.
enum XMLWriter {
    struct Element {
        let name: String
        let attributes: [String: String]
        let children: [Element]
        let text: String?

        init(_ name: String, _ attributes: [String: String], _ children: [Element]) {
            self.name = name
            self.attributes = attributes
            self.children = children
            text = nil
        }

        init(_ name: String, _ attributes: [String: String] = [:], text: String) {
            self.name = name
            self.attributes = attributes
            children = []
            self.text = text
        }

        func write(to out: inout String) {
            out += "<" + name
            for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
                out += " " + key + "=\"" + XMLWriter.escape(value, attribute: true) + "\""
            }
            if let text {
                out += ">" + XMLWriter.escape(text, attribute: false) + "</" + name + ">"
            } else if children.isEmpty {
                out += "/>"
            } else {
                out += ">"
                for child in children { child.write(to: &out) }
                out += "</" + name + ">"
            }
        }
    }

    /// A standalone UTF-8 document of `root`.
    static func document(_ root: Element) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        root.write(to: &out)
        return out
    }

    static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\t", "\n", "\r":
                // In an attribute a literal tab or newline would be normalised to a space.
                out += attribute ? "&#\(scalar.value);" : String(scalar)
            default:
                let value = scalar.value
                guard value >= 0x20, value != 0xFFFE, value != 0xFFFF else { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
