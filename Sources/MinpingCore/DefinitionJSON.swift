extension EvaluationDefinition {
    /// The definition as JSON, every field written out (defaults included), percents as
    /// decimal strings so the value has no fractional numbers. ``DefinitionParser`` reads it
    /// back to an equal definition; the audit log stores its canonical (JCS) bytes.
    /// - Seealso: SPEC §5 (`created` entry, `definition.json`)
    public var jsonValue: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(id)), ("title", .string(title)), ("street", .string(street)),
        ]
        if let community { fields.append(("community", .string(community))) }
        fields += [
            ("electorate", .int(electorate)),
            ("publicity_days", .int(publicityDays)),
            ("options", .array(options.map { option in
                .object([
                    ("id", .string(option.id)), ("label", .string(option.label)),
                    ("satisfied", .bool(option.satisfied)), ("abstain", .bool(option.abstain)),
                ] + (option.dissatisfied ? [("dissatisfied", .bool(true))] : []))
            })),
            ("rules", rules.jsonValue),
            ("organizations", .array(organizations.map { organization in
                var fields: [(String, JSONValue)] = [("id", .string(organization.id)), ("name", .string(organization.name))]
                if let renamedFrom = organization.renamedFrom { fields.append(("renamed_from", .string(renamedFrom))) }
                return .object(fields)
            })),
            ("members", .array(members.map { member in
                var fields: [(String, JSONValue)] = [("id", .string(member.id)), ("name", .string(member.name))]
                if let organization = member.organization { fields.append(("organization", .string(organization))) }
                if let renamedFrom = member.renamedFrom { fields.append(("renamed_from", .string(renamedFrom))) }
                return .object(fields)
            })),
        ]
        // Only when set, so that definitions without them keep their canonical bytes.
        if !cadres.isEmpty {
            fields.append(("cadres", .array(cadres.map { cadre in
                var fields: [(String, JSONValue)] = [("id", .string(cadre.id)), ("name", .string(cadre.name))]
                if let title = cadre.title { fields.append(("title", .string(title))) }
                if let renamedFrom = cadre.renamedFrom { fields.append(("renamed_from", .string(renamedFrom))) }
                return .object(fields)
            })))
        }
        if let previous { fields.append(("previous", .string(previous))) }
        if let notice { fields.append(("notice", .object(notice.fields.map { ($0.0, .string($0.1)) }))) }
        if let round { fields.append(("round", .string(round))) }
        return .object(fields)
    }
}

extension CountingRules {
    var jsonValue: JSONValue {
        func stars(_ rules: [StarRule]) -> JSONValue {
            .array(rules.map { .object([("star", .string($0.star)), ("label", .string($0.label)), ("percent", .string($0.percent.description))]) })
        }
        var fields: [(String, JSONValue)] = [
            ("denominator", .string(denominator.rawValue)),
            ("comparison", .string(comparison.rawValue)),
        ]
        if let quorumPercent { fields.append(("quorum_percent", .string(quorumPercent.description))) }
        fields += [("member_stars", stars(memberStars)), ("organization_stars", stars(organizationStars))]
        // Only when set, so that rules without them keep their canonical bytes.
        if !cadreStars.isEmpty { fields.append(("cadre_stars", stars(cadreStars))) }
        if !flags.isEmpty {
            fields.append(("flags", .array(flags.map { rule in
                var fields: [(String, JSONValue)] = [("flag", .string(rule.flag)), ("label", .string(rule.label)),
                                                     ("kinds", .array(rule.kinds.map { .string($0.rawValue) }))]
                switch rule.condition {
                case let .below(percent): fields.append(("below", .string(percent.description)))
                case let .dissatisfiedAbove(percent): fields.append(("dissatisfied_above", .string(percent.description)))
                }
                return .object(fields)
            })))
        }
        return .object(fields)
    }
}
