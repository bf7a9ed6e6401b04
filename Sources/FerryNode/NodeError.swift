import FerryCore
import FerryOCI

/// The one error type of FerryNode: a runtime that cannot be found or reached, or that refused
/// what it was given (its own message included).
package struct NodeError: FerryError {
    package enum Code: String, Sendable {
        case noRuntime
        case unreachable
        /// ssh itself failed (refused, host key, authentication, timeout), before the runtime was asked.
        case sshFailed
        case rejected
        case verificationFailed
        case invalidInput
        /// The archive has no image for the platform asked for.
        case platformMissing
        /// Two different images would get the same name on a node.
        case nameClash
    }

    package var code: Code
    package var message: String
    package var hint: String?
    package var cause: (any Error)?

    package init(_ code: Code, _ message: String, hint: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.cause = cause
    }

}

extension NodeError {
    package var kind: ErrorKind {
        // Node work failed; even a platform missing from the archive is reported as exit 1. Names
        // that clash, and a nodes file that cannot be read, are the input's fault (exit 2).
        code == .nameClash || code == .invalidInput ? .invalidInput : .failed
    }

    package var codeName: String { code.rawValue }
}
