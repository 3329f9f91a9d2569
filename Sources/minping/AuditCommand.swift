import ArgumentParser

/// `minping audit ...`: what dispute reviewers (申诉复查) run.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify audit bundles (审计核验).",
        subcommands: [AuditVerifyCommand.self, AuditExportCommand.self, AuditSampleCommand.self]
    )
}
