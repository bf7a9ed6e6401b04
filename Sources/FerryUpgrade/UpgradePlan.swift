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

    /// helm's own dry run of the planned upgrade (`HelmDryRun`): the command run, and what helm said.
    package func dryRun(_ strategy: HelmOptions.DryRun, driver: any HelmDriver) async throws -> (command: HelmCommand, output: String)? {
        guard let upgrade = commands.last, upgrade.arguments.first == "upgrade" else { return nil }
        return try await HelmDryRun.run(upgrade, strategy: strategy, newValues: newValues, newValuesFile: newValuesFile,
                                        repositoryURL: repositoryURL, driver: driver)
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
