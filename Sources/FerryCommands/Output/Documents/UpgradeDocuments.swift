import FerryCharts
import FerryUpgrade

/// `ferry upgrade --plan --output json`: the steps, the exact helm commands and the values changes.
package struct UpgradePlanDocument: Codable, Sendable {
    package var release: String
    package var namespace: String
    package var currentRevision: Int
    package var chart: String
    package var version: String
    package var steps: [UpgradePlan.Step]
    package var commands: [String]
    /// Each rewritten value (`file` is the release's values).
    package var valuesChanges: [ValueEdit]
    package var sets: [String]
    package var backups: [String]
    package var images: [String]
    package var missingImages: [String]
    /// Per workload and container: the image now and after the upgrade.
    package var workloadImages: [WorkloadImage]

    init(_ plan: UpgradePlan) {
        release = plan.release.name
        namespace = plan.release.namespace
        currentRevision = plan.release.revision
        chart = plan.chart
        version = plan.version
        steps = plan.steps
        commands = plan.commands.map(\.description)
        valuesChanges = plan.edits
        sets = plan.sets
        backups = [plan.backupFile, plan.allValuesBackupFile]
        images = plan.images
        missingImages = plan.missingImages
        workloadImages = plan.workloadImages
    }
}

/// The line `ferry upgrade --output json` prints once the release is upgraded.
package struct UpgradeDoneDocument: Codable, Sendable {
    package var result: UpgradeResult
}

/// `ferry upgrade --dry-run=server --output json`: what helm's server-side dry run said.
package struct DryRunDocument: Codable, Sendable {
    package var release: String
    package var namespace: String
    package var command: String
    package var result: String
}
