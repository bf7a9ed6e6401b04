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
