/// A percentage with at most two decimals, held exactly as basis points (60 % = 6000).
///
/// Star decisions compare integers only (SPEC §3), so a percent is never a floating-point
/// number: `66.67` is parsed from its decimal text into 6667 basis points.
public struct Percent: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let basisPoints: Int

    public init(basisPoints: Int) {
        self.basisPoints = basisPoints
    }

    /// Parses `60`, `60.5`, `66.67`; refuses signs, exponents, more than two decimals and
    /// anything outside 0–100.
    public init?(decimal text: String) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 3,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), let wholeValue = Int(whole)
        else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(digits)
            else { return nil }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let basisPoints = wholeValue * 100 + fraction
        guard basisPoints <= 10_000 else { return nil }
        self.basisPoints = basisPoints
    }

    /// The shortest exact decimal text: `60`, `60.5`, `66.67`.
    public var description: String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        if fraction == 0 { return String(whole) }
        if fraction % 10 == 0 { return "\(whole).\(fraction / 10)" }
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func < (lhs: Percent, rhs: Percent) -> Bool {
        lhs.basisPoints < rhs.basisPoints
    }
}
