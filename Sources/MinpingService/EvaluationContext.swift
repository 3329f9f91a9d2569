import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

/// What the service needs to act on one evaluation, loaded once from its record: the
/// definition, the issuing key, the token verifier and the street's log signer.
struct EvaluationContext: Sendable {
    /// The definition's canonical JSON, as stored (for bundles).
    let definitionJSON: [UInt8]
    let definition: EvaluationDefinition
    let issuingKey: IssuingKey
    let verifier: TokenVerifier
    let challenge: TokenChallenge
    let signer: LogSigner
    let origin: String
    /// An empty tally, used to check ballots against the definition.
    let blankTally: Tally

    /// - Parameter tokenKeyPEM: the issuing key, opened from its sealed form.
    init(record: EvaluationRecord, tokenKeyPEM: String, signer: LogSigner, prefix: String) throws(ServiceError) {
        definitionJSON = record.definitionJSON
        do {
            definition = try EvaluationDefinition(canonicalJSON: record.definitionJSON, file: "evaluation \(record.id)")
            issuingKey = try IssuingKey(pem: tokenKeyPEM)
        } catch {
            throw .integrity("evaluation \(record.id): \(error)")
        }
        challenge = TokenChallenge(street: definition.street, evaluation: definition.id)
        verifier = TokenVerifier(publicKey: issuingKey.publicKey, challenge: challenge)
        self.signer = signer
        origin = EvaluationLog.origin(prefix: prefix, street: definition.street, evaluation: definition.id)
        blankTally = Tally(definition: definition)
    }
}
