import MinpingCore

extension EvaluationDefinition {
    /// A definition as the server keeps it (canonical JSON: an evaluation's row, the `created`
    /// entry, `definition.json`), read back by the one builder without going through YAML text.
    /// It was validated at the door; failing here means the stored bytes changed.
    /// - Throws: ``DefinitionError`` only.
    public init(canonicalJSON bytes: [UInt8], file: String) throws {
        let value: JSONValue
        do {
            value = try CanonicalJSON.parse(bytes)
        } catch {
            throw DefinitionError(file: file, path: "", line: nil, code: .syntax, reason: "not canonical JSON: \(error)")
        }
        self = try DefinitionParser.parse(json: value, file: file)
    }
}
