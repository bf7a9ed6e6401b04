#if canImport(Glibc)
import Glibc
#endif
import FerryCore
import Foundation

/// Runs a program to completion and returns its exit status and output. Used for the oracles
/// (skopeo, openssl, htpasswd) that check what Ferry did.
package enum Subprocess {
    package struct Result: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    /// Finds `name` on PATH, or fails loudly: a test that needs a tool must not silently pass.
    package static func require(_ name: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let path = ChildProcess.find(name, environment: environment) else {
            throw TestSupportError("\(name) is not installed (searched \(environment["PATH"] ?? "the default PATH")); install it (see .ci/run) — tests that need it do not skip")
        }
        return path
    }

    @discardableResult
    package static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                           environment: [String: String]? = nil) throws -> Result {
        let path = executable.hasPrefix("/") ? executable : try require(executable)
        let input = stdin.map { Array($0.utf8) }
        let output = try ChildProcess.run(path, arguments, environment: environment ?? ProcessInfo.processInfo.environment,
                                          stdin: input.map { bytes in { sink in try sink.write(bytes) } })
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// Runs and fails unless the program exits 0.
    @discardableResult
    package static func check(_ executable: String, _ arguments: [String], stdin: String? = nil) throws -> String {
        let result = try run(executable, arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }
}
