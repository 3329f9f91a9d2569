/// Why a definition was refused: the file, the field path (`members[12].organization`), the
/// line when known, and the reason. `code` is the stable identity tests and the API match on.
/// - Seealso: SPEC §2 (validation)
public struct DefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case syntax = "yaml_syntax"
        case notAMapping = "not_a_mapping"
        case unknownKey = "unknown_key"
        case duplicateKey = "duplicate_key"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case emptyText = "empty_text"
        case badSlug = "bad_slug"
        case badId = "bad_id"
        case duplicateId = "duplicate_id"
        case unknownOrganization = "unknown_organization"
        case noSubjects = "no_subjects"
        case noOptions = "no_options"
        case noSatisfiedOption = "no_satisfied_option"
        case conflictingOption = "conflicting_option"
        case noDissatisfiedOption = "no_dissatisfied_option"
        case badPercent = "bad_percent"
        case badElectorate = "bad_electorate"
        case badPublicityDays = "bad_publicity_days"
        case badEnum = "bad_value"
        case badEncoding = "bad_encoding"
        case tooLarge = "too_large"
        case anchorOrAlias = "anchor_or_alias"
        case badText = "bad_text"
        case tooManySubjects = "too_many_subjects"
    }

    public var file: String
    /// Dotted field path from the top of the document; empty for the document itself.
    public var path: String
    /// 1-based line in the file, when the YAML parser reported one.
    public var line: Int?
    public var code: Code
    public var reason: String

    public init(file: String, path: String, line: Int?, code: Code, reason: String) {
        self.file = file
        self.path = path
        self.line = line
        self.code = code
        self.reason = reason
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let field = path.isEmpty ? "(document)" : path
        return "\(location): \(field): \(reason)"
    }
}
