#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of FerryCore: files, locks and child processes.
public struct CoreError: FerryError {
    public enum Code: String, Sendable {
        /// A file cannot be created, written, flushed or renamed.
        case io
        /// A lock is held by another process for longer than the caller waits.
        case locked
        /// A program cannot be started, or its input cannot be written.
        case process
    }

    public var code: Code
    public var message: String
    public var hint: String? { nil }
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
}

/// An `errno` value, kept as the cause of the error that explains it.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) }
}

extension CoreError {
    public var kind: ErrorKind {
        // A file Ferry cannot write or read is reported as unusable input (as it always was).
        code == .io ? .invalidInput : .failed
    }

    public var codeName: String { code.rawValue }
}
