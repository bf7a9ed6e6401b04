import FerryCore
import FerryOCI

/// The one error type of FerryUpgrade: helm missing or refusing, a release in the wrong state,
/// a version that does not exist, images missing from the registry.
package struct UpgradeError: FerryError {
    package enum Code: String, Sendable {
        case helmMissing
        case helmTooOld
        case helmFailed
        case releaseMissing
        case releasePending
        case versionMissing
        case chartUnreadable
        case backupFailed
        /// The backup directory is missing and cannot be made, or is not writable.
        case backupDirectoryUnusable
        /// helm knows no repository by the chart's repository name.
        case repositoryUnknown
        /// The chart has prereleases only (or no version at all).
        case noStableVersion
        case preflightFailed
        /// A helm flag this helm does not have, or flags that do not go together.
        case helmFlagUnsupported
        /// helm stopped before it created a revision: nothing changed in the cluster.
        case upgradeNotStarted
        /// helm created a revision and failed (or was stopped): the release needs attention.
        case upgradeFailed
    }

    package var code: Code
    package var message: String
    package var hint: String?

    package init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

}

extension UpgradeError {
    package var kind: ErrorKind {
        code == .helmFlagUnsupported ? .invalidInput : .failed
    }

    package var codeName: String { code.rawValue }
}
