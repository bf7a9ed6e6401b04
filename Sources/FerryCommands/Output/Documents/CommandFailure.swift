/// The JSON line of a command that failed as a whole.
package struct CommandFailure: Codable, Sendable {
    package var message: String
    /// The error's code (`tls`, `unauthorized`, `notFound`…), when it is one of Ferry's.
    package var code: String?
    /// The command's advice, in its own options.
    package var hint: String?
    package var exitCode: Int32
}
