import Foundation

/// The body of `POST /add-checkpoint` (C2SP tlog-witness): `old <size>\n`, one base64
/// consistency proof hash per line (at most 63), a blank line, then the signed checkpoint.
/// - Seealso: c2sp.org/tlog-witness, SPEC §5
public struct AddCheckpointRequest: Sendable, Equatable {
    public let oldSize: Int
    public let proof: [Data]
    public let note: String

    /// C2SP's limit on consistency proof lines.
    public static let maxProofLines = 63

    public init(oldSize: Int, proof: [Data], note: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.note = note
    }

    /// What a log sends.
    public var body: Data {
        var text = "old \(oldSize)\n"
        for hash in proof { text += hash.base64EncodedString() + "\n" }
        return Data((text + "\n" + note).utf8)
    }

    /// Reads a request body; anything off the grammar is `malformed` (400).
    public init(body: Data) throws(WitnessRefusal) {
        guard let text = String(data: body, encoding: .utf8) else { throw .malformed("the body is not UTF-8") }
        guard let blank = text.range(of: "\n\n") else { throw .malformed("no blank line between the old size and proof lines and the checkpoint") }
        let head = text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let size = Checkpoint.decimal(first.dropFirst(4)) else {
            throw .malformed("the first line must be 'old <size>' (decimal, no leading zeros)")
        }
        let proofLines = head.dropFirst()
        guard proofLines.count <= Self.maxProofLines else { throw .malformed("more than \(Self.maxProofLines) consistency proof lines") }
        var proof: [Data] = []
        for line in proofLines {
            guard let hash = Data(base64Encoded: String(line)), hash.count == Merkle.hashLength else {
                throw .malformed("a consistency proof line must be one base64 SHA-256 hash")
            }
            proof.append(hash)
        }
        self.init(oldSize: size, proof: proof, note: String(text[blank.upperBound...]))
    }
}

/// Why a witness refuses a checkpoint, with the HTTP status SPEC §5 gives each.
public enum WitnessRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400: the request is not a request.
    case malformed(String)
    /// 403: no log with this origin is witnessed here.
    case unknownOrigin(String)
    /// 403: the log key's signature is missing or does not verify.
    case badSignature(String)
    /// 409: `old` is not the size this witness last cosigned for the origin (its size).
    case conflict(storedSize: Int)
    /// 422: the consistency proof from the stored size does not verify.
    case badProof(old: Int, new: Int)
    /// 422: the same size as the stored one with another root: a fork.
    case fork(size: Int)
    /// 422: a checkpoint of size 0 whose root is not the empty tree's (RFC 9162 §2.1.1).
    case badEmptyRoot

    public var status: Int {
        switch self {
        case .malformed: 400
        case .unknownOrigin, .badSignature: 403
        case .conflict: 409
        case .badProof, .fork, .badEmptyRoot: 422
        }
    }

    public var description: String {
        switch self {
        case let .malformed(reason): "malformed request: \(reason)"
        case let .unknownOrigin(origin): "this witness does not witness the log '\(origin)'"
        case let .badSignature(reason): "the checkpoint is not signed by the log's key: \(reason)"
        case let .conflict(size): "old size does not match: this witness last cosigned size \(size)"
        case let .badProof(old, new): "the consistency proof from size \(old) to \(new) does not verify"
        case let .fork(size): "another root for size \(size), which this witness cosigned: the log forked"
        case .badEmptyRoot: "a checkpoint of size 0 must carry the empty tree's root, the SHA-256 of the empty string"
        }
    }
}
