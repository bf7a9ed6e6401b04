import FerryCharts
import FerryRegistry

/// What `ferry upgrade` will do. Making it changes nothing; `--plan` prints it.
public struct UpgradePlan: Sendable {
    public struct Step: Sendable, Codable {
        public var name: String
        public var detail: String
    }

    public var release: HelmRelease
    public var chart: String
    public var chartName: String
    public var version: String
    public var helmVersion: String
    public var steps: [Step]
    /// Commands that change something, in order (repo add/update, then upgrade).
    public var commands: [HelmCommand]
    public var edits: [ValueEdit]
    public var sets: [String]
    public var currentValues: String
    public var allValues: String
    public var newValues: String
    /// Files written before the upgrade: the two backups and the new values.
    public var backupFile: String
    public var allValuesBackupFile: String
    public var newValuesFile: String
    /// Images the upgraded release uses, and those missing from their registry.
    public var images: [String]
    public var missingImages: [String]
    public var preflightSkipped: Bool

    /// The command that goes back to the revision running now.
    public var rollbackCommand: String {
        "helm rollback \(release.name) \(release.revision) -n \(release.namespace)"
    }
}

/// What an applied upgrade gave.
public struct UpgradeResult: Sendable, Codable {
    public var release: String
    public var namespace: String
    public var revision: Int
    public var status: String
    public var backups: [String]
}
