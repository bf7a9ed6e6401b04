#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of FerryCore: files, locks and child processes.
package struct CoreError: FerryError {
    package enum Code: String, Sendable {
        /// A file cannot be created, written, flushed or renamed.
        case io
        /// A lock is held by another process for longer than the caller waits.
        case locked
        /// A program cannot be started, or its input cannot be written.
        case process
    }

    package var code: Code
    package var message: String
    package var hint: String? { nil }
    package var cause: (any Error)?

    package init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }
}

/// An `errno` value, kept as the cause of the error that explains it.
package struct SystemError: Error, Sendable, CustomStringConvertible {
    package let code: Int32
    package init(_ code: Int32) { self.code = code }
    package var description: String { String(cString: strerror(code)) }
}

extension CoreError {
    package var kind: ErrorKind {
        // A file Ferry cannot write or read is reported as unusable input (as it always was).
        code == .io ? .invalidInput : .failed
    }

    package var codeName: String { code.rawValue }
}
