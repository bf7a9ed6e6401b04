#if canImport(Glibc)
import Glibc
#endif
import FerryCharts
import FerryCore
import Foundation
import Synchronization

/// The `helm` binary, run as a child process with a timeout; its standard error becomes the
/// message of any failure. Passwords go through standard input, never the command line.
package struct HelmCLIDriver: HelmDriver {
    package let executable: String
    package let environment: [String: String]
    /// The limit of the quick commands (status, get values, repo update); an upgrade has its own.
    package let timeout: Duration
    /// `--kube-context`/`--kubeconfig`, added to each command that reads the cluster.
    package let kubeArguments: [String]

    /// Finds `helm` on PATH.
    package init(environment: [String: String], timeout: Duration = .seconds(600), kubeArguments: [String] = []) throws {
        guard let path = ChildProcess.find("helm", environment: environment) else {
            throw UpgradeError(.helmMissing, "helm is not installed (not found on PATH)",
                               hint: "install Helm 3.8 or newer on this machine; Ferry runs it for the upgrade")
        }
        executable = path
        self.environment = environment
        self.timeout = timeout
        self.kubeArguments = kubeArguments
    }

    func call(_ command: HelmCommand) async throws -> ChildProcess.Output {
        let (executable, environment, timeout) = (self.executable, self.environment, command.limit ?? self.timeout)
        let input = command.stdin.map { Array(($0 + "\n").utf8) }
        let child = ChildPID()
        return try await withThrowingTaskGroup(of: ChildProcess.Output?.self) { group in
            group.addTask {
                // helm may run for minutes (an upgrade waits for its pods): a thread of its own.
                try await Blocking.waiting {
                    try ChildProcess.run(executable, command.arguments, environment: environment,
                                         stdin: input.map { bytes in { sink in try sink.write(bytes) } },
                                         started: { pid in child.pid.withLock { $0 = pid } })
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let output = first else {
                // Stop helm rather than leave it running unobserved.
                if let pid = child.pid.withLock({ $0 }) { kill(pid, SIGTERM) }
                throw UpgradeError(.helmFailed, "\(command) did not finish within \(Self.format(timeout)); Ferry stopped it",
                                   hint: "check the release with `helm status` and `helm history` before trying again")
            }
            return output
        }
    }

    func checked(_ command: HelmCommand) async throws -> String {
        let output = try await call(command)
        guard output.status == 0 else {
            throw UpgradeError(.helmFailed, "\(command) failed: \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return output.stdout
    }

    package func version() async throws -> SemanticVersion {
        let text = try await checked(HelmCommand(["version", "--short"])).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = SemanticVersion(String(text.split(separator: "+").first ?? "")) else {
            throw UpgradeError(.helmFailed, "cannot read helm's version from '\(text)'")
        }
        return version
    }

    package func repositories() async throws -> [String: String] {
        let output = try await call(HelmCommand(["repo", "list", "-o", "json"]))
        if output.status != 0 {
            if output.stderr.contains("no repositories") { return [:] }
            throw UpgradeError(.helmFailed, "helm repo list failed: \(output.stderr)")
        }
        struct Repo: Decodable { var name: String; var url: String }
        let repos = try JSONDecoder().decode([Repo].self, from: Data(output.stdout.utf8))
        return Dictionary(repos.map { ($0.name, $0.url) }, uniquingKeysWith: { a, _ in a })
    }

    package func release(_ name: String, namespace: String) async throws -> HelmRelease? {
        let output = try await call(HelmCommand(["status", name, "-n", namespace, "-o", "json"] + kubeArguments))
        if output.status != 0 {
            if output.stderr.contains("not found") { return nil }
            throw UpgradeError(.helmFailed, "helm status \(name) failed: \(output.stderr)")
        }
        struct Status: Decodable {
            struct Info: Decodable { var status: String }
            struct Chart: Decodable {
                struct Metadata: Decodable { var name: String; var version: String }
                var metadata: Metadata
            }
            var name: String
            var namespace: String?
            var version: Int
            var info: Info
            var chart: Chart?
        }
        let status = try JSONDecoder().decode(Status.self, from: Data(output.stdout.utf8))
        return HelmRelease(name: status.name, namespace: status.namespace ?? namespace, revision: status.version,
                           status: HelmReleaseStatus(status.info.status), chart: status.chart?.metadata.name ?? "",
                           chartVersion: status.chart?.metadata.version ?? "")
    }

    package func values(_ name: String, namespace: String, all: Bool) async throws -> String {
        try await checked(HelmCommand(["get", "values", name, "-n", namespace, "-o", "yaml"] + (all ? ["--all"] : []) + kubeArguments))
    }

    package func manifest(_ name: String, namespace: String) async throws -> String {
        try await checked(HelmCommand(["get", "manifest", name, "-n", namespace] + kubeArguments))
    }

    package func list() async throws -> [HelmListedRelease] {
        let text = try await checked(HelmCommand(["list", "-A", "-a", "-o", "json"] + kubeArguments))
        return try JSONDecoder().decode([HelmListedRelease].self, from: Data(text.utf8))
    }

    package func dryRun(_ command: HelmCommand) async throws -> String {
        try await checked(command)
    }

    package func history(_ name: String, namespace: String) async throws -> [HelmRevision] {
        let text = try await checked(HelmCommand(["history", name, "-n", namespace, "-o", "json"] + kubeArguments))
        struct Line: Decodable { var revision: Int; var status: String; var chart: String? }
        let lines = try JSONDecoder().decode([Line].self, from: Data(text.utf8))
        return lines.map { HelmRevision(revision: $0.revision, status: $0.status, chart: $0.chart ?? "") }.sorted { $0.revision < $1.revision }
    }

    package func run(_ command: HelmCommand) async throws -> String {
        try await checked(command)
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds >= 120 ? "\(seconds / 60) min \(seconds % 60) s" : "\(seconds) s"
    }
}

/// The pid of the helm child, known once it started.
private final class ChildPID: Sendable {
    let pid = Mutex<pid_t?>(nil)
}
