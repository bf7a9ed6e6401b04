import FerryCore
import FerryOCI

/// The one error type of FerrySync: a plan that cannot be made or applied.
package struct SyncError: FerryError {
    package enum Code: String, Sendable {
        case conflictingTargets
        case invalidTarget
        case failed
        case invalidConfig
        case unsupported
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

extension SyncError {
    package var kind: ErrorKind {
        code == .failed ? .failed : .invalidInput
    }

    package var codeName: String { code.rawValue }
}
