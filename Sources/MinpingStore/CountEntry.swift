import Foundation

/// A paper form keyed at the tellers' desk and not yet cast (SPEC §4): kept under its 表号 with
/// the first teller's entry, and a second teller's entry when it differed (for the scrutineer).
/// The token is kept so that the scrutineer's decision can cast the form; the entry is deleted
/// once the form is cast. None of it is in the log or in any public answer.
public struct CountEntry: Sendable, Equatable {
    public var evaluation: String
    public var form: String
    public var token: String
    public var ratings: [String: String]
    /// Who keyed it: an API key's id or an account's user name.
    public var teller: String
    public var secondRatings: [String: String]?
    public var secondTeller: String?

    public init(evaluation: String, form: String, token: String, ratings: [String: String], teller: String,
                secondRatings: [String: String]? = nil, secondTeller: String? = nil) {
        self.evaluation = evaluation
        self.form = form
        self.token = token
        self.ratings = ratings
        self.teller = teller
        self.secondRatings = secondRatings
        self.secondTeller = secondTeller
    }
}
