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

    /// For a node over ssh: connects once (`true`) so that an ssh failure — refused, host key,
    /// authentication, timeout, an unknown name — is reported as what it is, with ssh's own words,
    /// before any question about the node's runtime is asked. Nothing to do on this machine.
    package func checkReachable() async throws {
        guard case .ssh(let destination, _) = location else { return }
        var command = self.argv(["true"])
        command.insert(contentsOf: ["-o", "ConnectTimeout=15"], at: 1)
        let argv = command, environment = self.environment
        let output = try await Blocking.waiting { try Self.runBlocking(argv, environment: environment, stdin: nil) }
        // ssh exits 255 for its own failures; anything else came from the remote command.
        guard output.status == 255 else { return }
        let said = output.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("@") && !$0.hasPrefix("Warning: Permanently added") }
        let last = said.last ?? "ssh exited 255"
        throw NodeError(.sshFailed, "cannot reach \(destination) over ssh: \(last)", hint: Self.sshHint(output.stderr))
    }

    /// What to do about an ssh failure, from ssh's message.
    static func sshHint(_ stderr: String) -> String {
        let text = stderr.lowercased()
        if text.contains("connection refused") { return "no ssh server answers there: check the host and the port (user@host:port)" }
        if text.contains("host key verification failed") || text.contains("remote host identification has changed") {
            return "the node's host key is unknown or has changed: check it, then add it to known_hosts (ssh-keyscan) or name a config with --ssh-config"
        }
        if text.contains("permission denied") { return "the node refused the login: check the user and that the key is loaded (ssh-agent) or named in --ssh-config" }
        if text.contains("timed out") { return "the node does not answer: check the address and the network path" }
        if text.contains("could not resolve hostname") { return "the host name does not resolve: check it, or define it in --ssh-config" }
        return "check that `ssh` reaches the node by itself (with the same --ssh-config)"
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
