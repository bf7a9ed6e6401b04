import ArgumentParser
import FerryCommands
import Foundation

/// Runs `ferry` in-process with a capturing console, as a user would run it from a shell.
package enum CLIRunner {
    package struct Result: Sendable {
        package var exitCode: Int32
        package var stdout: String
        package var stderr: String
    }

    package static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async -> Result {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        // As the executable does: one handler for every logger; each run has its own session.
        FerryLogging.bootstrap()
        let capture = CapturingConsole(environment: env, stdin: stdin)
        let code: Int32 = await Console.$current.withValue(capture.console) {
            do {
                var command = try Ferry.parseAsRoot(ArgumentRewrites.apply(arguments))
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                return 0
            } catch {
                // As ArgumentParser's own main does: help and version go to stdout, errors to stderr.
                let code = Ferry.exitCode(for: error).rawValue
                let message = Ferry.message(for: error)
                if !message.isEmpty {
                    if code == 0 { capture.console.out(message) } else { capture.console.err(message) }
                }
                return code
            }
        }
        return Result(exitCode: code, stdout: capture.stdout, stderr: capture.stderr)
    }
}
