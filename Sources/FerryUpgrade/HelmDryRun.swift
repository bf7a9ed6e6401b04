import Foundation

/// helm's own dry run of a planned upgrade (the image plan's client run, `--dry-run=server`):
/// the new values from a scratch file (mode 0600, removed afterwards: a plan writes no backup),
/// and a repository chart named with `--repo URL`, so no repository is added.
enum HelmDryRun {
    static func run(_ upgrade: HelmCommand, strategy: HelmOptions.DryRun, newValues: String, newValuesFile: String,
                    repositoryURL: String?, driver: any HelmDriver) async throws -> (command: HelmCommand, output: String) {
        let scratch = NSTemporaryDirectory() + "ferry-dry-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml"
        guard FileManager.default.createFile(atPath: scratch, contents: Data(newValues.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw UpgradeError(.backupFailed, "cannot write the new values for helm's dry run to \(scratch)",
                               hint: "check that the temporary directory (TMPDIR) is writable")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let command = Self.command(upgrade, strategy: strategy, newValuesFile: newValuesFile, valuesFile: scratch, repositoryURL: repositoryURL)
        return (command, try await driver.dryRun(command))
    }

    /// `upgrade` as a dry run of `strategy`, reading the new values from `valuesFile`.
    static func command(_ upgrade: HelmCommand, strategy: HelmOptions.DryRun, newValuesFile: String, valuesFile: String,
                        repositoryURL: String?) -> HelmCommand {
        var command = upgrade
        command.arguments.removeAll { $0.hasPrefix("--dry-run") }
        if let index = command.arguments.firstIndex(of: newValuesFile) { command.arguments[index] = valuesFile }
        if let repositoryURL, command.arguments.count > 2, let slash = command.arguments[2].firstIndex(of: "/") {
            command.arguments[2] = String(command.arguments[2][command.arguments[2].index(after: slash)...])
            command.arguments.insert(contentsOf: ["--repo", repositoryURL], at: 3)
        }
        // Before the output flag, which stays last.
        command.arguments.insert(strategy == .client ? "--dry-run" : "--dry-run=server", at: max(0, command.arguments.count - 2))
        return command
    }
}
