import FerryCharts
import FerryRegistry

/// What `ferry upgrade` will do. Making it changes nothing; `--plan` prints it.
package struct UpgradePlan: Sendable {
    package struct Step: Sendable, Codable {
        package var name: String
        package var detail: String
    }

    package var release: HelmRelease
    package var chart: String
    package var chartName: String
    package var version: String
    package var helmVersion: String
    package var steps: [Step]
    /// Commands that change something, in order (repo add/update, then upgrade).
    package var commands: [HelmCommand]
    package var edits: [ValueEdit]
    package var sets: [String]
    package var currentValues: String
    package var allValues: String
    package var newValues: String
    /// Files written before the upgrade: the two backups and the new values.
    package var backupFile: String
    package var allValuesBackupFile: String
    package var newValuesFile: String
    /// Images the upgraded release uses, and those missing from their registry.
    package var images: [String]
    package var missingImages: [String]
    package var preflightSkipped: Bool
    /// Where every image of the release must come from (`--image-registry`).
    package var imageRegistry: String = ""
    /// The chart repository's URL for a `repo/chart` chart (a dry run names it with --repo).
    package var repositoryURL: String?
    /// What each workload runs now and will run after the upgrade (helm's dry run).
    package var workloadImages: [WorkloadImage] = []

    /// The upgrade as helm's server-side dry run: the new values from `valuesFile` (the plan
    /// writes no backup), and a repository chart named by `--repo URL` (no repository is added).
    package func serverDryRunCommand(valuesFile: String) -> HelmCommand? {
        commands.last.map { Self.dryRun($0, newValuesFile: newValuesFile, valuesFile: valuesFile, repositoryURL: repositoryURL, strategy: "server") }
    }

    /// `upgrade` as a dry run of `strategy` (client or server), reading the new values from
    /// `valuesFile` and a repository chart through `--repo`.
    static func dryRun(_ upgrade: HelmCommand, newValuesFile: String, valuesFile: String, repositoryURL: String?, strategy: String) -> HelmCommand {
        var command = upgrade
        command.arguments.removeAll { $0.hasPrefix("--dry-run") }
        if let index = command.arguments.firstIndex(of: newValuesFile) { command.arguments[index] = valuesFile }
        if let repositoryURL, command.arguments.count > 2, let slash = command.arguments[2].firstIndex(of: "/") {
            command.arguments[2] = String(command.arguments[2][command.arguments[2].index(after: slash)...])
            command.arguments.insert(contentsOf: ["--repo", repositoryURL], at: 3)
        }
        // Before the output flag, which stays last.
        command.arguments.insert(strategy == "client" ? "--dry-run" : "--dry-run=\(strategy)", at: max(0, command.arguments.count - 2))
        return command
    }

    /// The command that goes back to the revision running now.
    package var rollbackCommand: String {
        "helm rollback \(release.name) \(release.revision) -n \(release.namespace)"
    }
}

/// What an applied upgrade gave.
package struct UpgradeResult: Sendable, Codable {
    package var release: String
    package var namespace: String
    package var revision: Int
    package var status: String
    package var backups: [String]
}
