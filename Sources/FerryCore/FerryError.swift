/// What every Ferry error carries: a message naming the file, entry, key or URL involved, the
/// kind of failure (which decides the exit code and which advice a command gives), and the
/// underlying error, when there is one, kept rather than flattened into the text.
/// Each module has one error type conforming to this.
package protocol FerryError: Error, Sendable, CustomStringConvertible {
    var message: String { get }
    var hint: String? { get }
    /// The error this one explains, if any (a system call's, a library's).
    var cause: (any Error)? { get }
    /// What failed, broadly: decides the exit code.
    var kind: ErrorKind { get }
    /// The code's name (`tls`, `unauthorized`, …), for JSON output and for commands' advice.
    var codeName: String { get }
}

/// What failed, broadly; each maps to one exit code.
package enum ErrorKind: String, Sendable {
    /// The input cannot be used: unreadable, malformed or hostile files; an invalid config.
    case invalidInput
    /// The registry or chart repository cannot be used: unreachable, TLS, authentication, permission.
    case registry
    /// The work itself failed (a runtime or helm refused, items failed).
    case failed
}

extension FerryError {
    package var cause: (any Error)? { nil }
    package var kind: ErrorKind { .failed }

    package var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}
