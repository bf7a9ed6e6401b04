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
