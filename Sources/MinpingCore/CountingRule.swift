/// The arithmetic of SPEC §3, in integers only: a star decision never touches floating point.
public enum CountingRule {
    /// Whether a star with threshold `percent` is awarded.
    ///
    /// `satisfied * 10000 > p_bp * denominator` (above) or `>=` (at_least), and never when the
    /// denominator is 0. A rate of exactly 60.0 % does not earn a star "above 60".
    public static func earnsStar(
        satisfied: Int, denominator: Int, percent: Percent, comparison: CountingRules.Comparison
    ) -> Bool {
        guard denominator > 0 else { return false }
        let lhs = satisfied * 10_000
        let rhs = percent.basisPoints * denominator
        switch comparison {
        case .above: return lhs > rhs
        case .atLeast: return lhs >= rhs
        }
    }

    /// Whether a flag is raised (SPEC §2 `rules.flags`): `below P` iff denominator > 0 and
    /// `satisfied * 10000 < p_bp * denominator`; `dissatisfied_above P` iff denominator > 0
    /// and `dissatisfied * 10000 > p_bp * denominator`. A rate of exactly 50.0 % is not
    /// "below 50".
    public static func raisesFlag(_ condition: FlagRule.Condition, satisfied: Int, dissatisfied: Int, denominator: Int) -> Bool {
        guard denominator > 0 else { return false }
        switch condition {
        case let .below(percent): return satisfied * 10_000 < percent.basisPoints * denominator
        case let .dissatisfiedAbove(percent): return dissatisfied * 10_000 > percent.basisPoints * denominator
        }
    }

    /// Quorum holds unless `quorum_percent` is set and `ballots * 100 <= q * electorate`.
    public static func quorumMet(ballots: Int, electorate: Int, quorum: Percent?) -> Bool {
        guard let quorum else { return true }
        return ballots * 10_000 > quorum.basisPoints * electorate
    }

    /// The exact fraction `satisfied / denominator` as a percent, rounded half-up to one
    /// decimal ("76.9"); nil when the denominator is 0.
    public static func displayRate(satisfied: Int, denominator: Int) -> String? {
        guard denominator > 0 else { return nil }
        // floor(satisfied * 1000 / denominator + 1/2), in integers.
        let tenths = (satisfied * 2_000 + denominator) / (2 * denominator)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
