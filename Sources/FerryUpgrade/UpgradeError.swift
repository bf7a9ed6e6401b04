import FerryCore
import FerryOCI

/// The one error type of FerryUpgrade: helm missing or refusing, a release in the wrong state,
/// a version that does not exist, images missing from the registry.
public struct UpgradeError: FerryError {
    public enum Code: String, Sendable {
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
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

}

extension UpgradeError {
    public var kind: ErrorKind {
        .failed
    }

    public var codeName: String { code.rawValue }
}
