import Foundation
import MinpingCore
import MinpingLog
import MinpingStore
import MinpingTokens

/// What the service needs to act on one evaluation, loaded once from its record: the
/// definition, the issuing key of the current round, the token verifier and the street's log
/// signer. A new round (SPEC §6 `revote`) makes a new context.
struct EvaluationContext: Sendable {
    /// The definition's canonical JSON, as stored (for bundles).
    let definitionJSON: [UInt8]
    let definition: EvaluationDefinition
    /// Round 1's issuing key: the one in `created` and the bundle's keys.json.
    let firstKey: TokenPublicKey
    /// The current round's issuing key and verifier: slips, codes and ballots use them.
    let issuingKey: IssuingKey
    let verifier: TokenVerifier
    /// The current round (1 until a supplementary round opens) and, after round 1, the only
    /// subjects its ballots may rate.
    let round: Int
    let roundSubjects: Set<String>?
    let challenge: TokenChallenge
    let signer: LogSigner
    let origin: String
    /// An empty tally, used to check ballots against the definition.
    let blankTally: Tally

    /// - Parameters:
    ///   - tokenKeyPEM: round 1's issuing key, opened from its sealed form.
    ///   - currentRound: the latest supplementary round's key (opened) and subjects, if any.
    init(record: EvaluationRecord, tokenKeyPEM: String, currentRound: (round: Int, pem: String, subjects: [String])? = nil,
         signer: LogSigner, prefix: String) throws(ServiceError) {
        definitionJSON = record.definitionJSON
        do {
            definition = try EvaluationDefinition(canonicalJSON: record.definitionJSON, file: "evaluation \(record.id)")
            let first = try IssuingKey(pem: tokenKeyPEM)
            firstKey = first.publicKey
            issuingKey = try currentRound.map { try IssuingKey(pem: $0.pem) } ?? first
        } catch {
            throw .integrity("evaluation \(record.id): \(error)")
        }
        round = currentRound?.round ?? 1
        roundSubjects = currentRound.map { Set($0.subjects) }
        challenge = TokenChallenge(street: definition.street, evaluation: definition.id)
        verifier = TokenVerifier(publicKey: issuingKey.publicKey, challenge: challenge)
        self.signer = signer
        origin = EvaluationLog.origin(prefix: prefix, street: definition.street, evaluation: definition.id)
        blankTally = Tally(definition: definition)
    }
}
