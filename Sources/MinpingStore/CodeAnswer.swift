import Foundation

/// What a used enrollment code was answered: the SHA-256 (hex) of the TokenRequest it came
/// with and the TokenResponse. The server learns nothing from keeping it: both are blinded.
public struct CodeAnswer: Sendable, Equatable {
    public var request: String
    public var response: Data

    public init(request: String, response: Data) {
        self.request = request
        self.response = response
    }
}
