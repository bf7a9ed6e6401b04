#if canImport(Glibc)
import Glibc
#endif
import FerryCore
import Foundation

/// Runs a runtime's command (`docker load`, `ctr images import`…) here or, for `--node`, on another
/// machine through ssh; the archive is written into its standard input as it is produced, so no
/// temporary file is needed.
package struct CommandRunner: Sendable {
    package enum Location: Sendable, Equatable {
        case local
        /// `user@host[:port]`, reached with the system's ssh (and an optional `-F` config file).
        case ssh(destination: String, configFile: String?)
    }

    package typealias Output = ChildProcess.Output

    package let location: Location
    package let environment: [String: String]

    package init(location: Location, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.location = location
        self.environment = environment
    }

    package var name: String {
        switch location {
        case .local: return "this machine"
        case .ssh(let destination, _): return destination
        }
    }

    /// The argv that runs `arguments` at the location.
    func argv(_ arguments: [String]) -> [String] {
        switch location {
        case .local:
            return arguments
        case .ssh(let destination, let configFile):
            var ssh = ["ssh", "-o", "BatchMode=yes"]
            if let configFile { ssh += ["-F", configFile] }
            var host = destination
            if let colon = destination.lastIndex(of: ":"), let port = Int(destination[destination.index(after: colon)...]) {
                host = String(destination[..<colon])
                ssh += ["-p", String(port)]
            }
            // The remote shell gets one command line, every word quoted.
            return ssh + [host, "--", arguments.map(Self.shellQuote).joined(separator: " ")]
        }
    }

    static func shellQuote(_ word: String) -> String {
        if !word.isEmpty && word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=@,+".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs the command; `stdin`, when given, writes the command's input (and may throw, which
    /// closes the input early).
    package func run(_ arguments: [String], stdin: (@Sendable (any ByteSink) throws -> Void)? = nil) async throws -> Output {
        let argv = argv(arguments)
        let environment = self.environment
        // Writing the pipe and waiting for the child may take minutes: a thread of its own.
        return try await Blocking.waiting { try Self.runBlocking(argv, environment: environment, stdin: stdin) }
    }

    static func runBlocking(_ argv: [String], environment: [String: String],
                            stdin: (@Sendable (any ByteSink) throws -> Void)?) throws -> Output {
        guard let executable = ChildProcess.find(argv[0], environment: environment) else {
            throw NodeError(.noRuntime, "\(argv[0]) is not installed on this machine (not found on PATH)")
        }
        do {
            return try ChildProcess.run(executable, Array(argv.dropFirst()), environment: environment, stdin: stdin)
        } catch let error as CoreError {
            // Not started, or its input could not be written: the runtime cannot be used.
            throw NodeError(.unreachable, error.message, cause: error)
        }
    }
}
