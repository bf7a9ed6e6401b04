import FerryCore
import FerryOCI

/// The one error type of FerrySync: a plan that cannot be made or applied.
public struct SyncError: FerryError {
    public enum Code: String, Sendable {
        case conflictingTargets
        case invalidTarget
        case failed
        case invalidConfig
        case unsupported
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

extension SyncError {
    public var kind: ErrorKind {
        code == .failed ? .failed : .invalidInput
    }

    public var codeName: String { code.rawValue }
}
