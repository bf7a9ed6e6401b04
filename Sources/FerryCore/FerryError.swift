/// What every Ferry error carries: a message naming the file, entry, key or URL involved, the
/// kind of failure (which decides the exit code and which advice a command gives), and the
/// underlying error, when there is one, kept rather than flattened into the text.
/// Each module has one error type conforming to this.
public protocol FerryError: Error, Sendable, CustomStringConvertible {
    var message: String { get }
    var hint: String? { get }
    /// The error this one explains, if any (a system call's, a library's).
    var cause: (any Error)? { get }
}

extension FerryError {
    public var cause: (any Error)? { nil }

    public var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}
