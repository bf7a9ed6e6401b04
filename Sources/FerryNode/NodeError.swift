import FerryCore
import FerryOCI

/// The one error type of FerryNode: a runtime that cannot be found or reached, or that refused
/// what it was given (its own message included).
public struct NodeError: FerryError {
    public enum Code: String, Sendable {
        case noRuntime
        case unreachable
        case rejected
        case verificationFailed
        case invalidInput
    }

    public var code: Code
    public var message: String
    public var hint: String?
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, hint: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.cause = cause
    }

}
