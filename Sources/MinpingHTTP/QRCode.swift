import CQRencode

/// QR codes from libqrencode (Debian's libqrencode-dev), drawn as SVG for printing.
public enum QRCode {
    /// Text no QR code can hold (too long for any version at level M). A slip or notice
    /// without its code would send people nowhere, so this is an error, never a blank.
    public struct Unencodable: Error, CustomStringConvertible {
        public let length: Int
        public var description: String { "a QR code cannot hold \(length) bytes" }
    }

    /// An SVG of `text` encoded at error-correction level M, with a 4-module quiet zone.
    public static func svg(_ text: String, title: String = "") throws(Unencodable) -> String {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { throw Unencodable(length: text.utf8.count) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let quiet = 4
        let size = width + 2 * quiet
        var path = ""
        path.reserveCapacity(width * width * 4)
        for y in 0..<width {
            for x in 0..<width where code.pointee.data[y * width + x] & 1 == 1 {
                path += "M\(x + quiet) \(y + quiet)h1v1h-1z"
            }
        }
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" shape-rendering="crispEdges" role="img" aria-label="\(escapedTitle)">\
            <rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
