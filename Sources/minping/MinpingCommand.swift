import ArgumentParser

struct MinpingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minping",
        abstract: "民评 Minping: residents' satisfaction evaluations of party members and organizations.",
        subcommands: [ServeCommand.self, KeysCommand.self, SlipsCommand.self, DemoCommand.self, TallyCommand.self, AuditCommand.self,
                      MigrateCommand.self, BackupCommand.self, RestoreCommand.self, WitnessCommand.self, StreetsCommand.self,
                      ParseRosterCommand.self]
    )
}
