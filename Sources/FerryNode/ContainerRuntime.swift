import FerryOCI
import Foundation

/// A container runtime on a node, driven through its own CLI: `docker` (load, image inspect) or
/// containerd's `ctr` (images import, images ls).
package struct ContainerRuntime: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        case docker
        case containerd
    }

    package let kind: Kind
    package let runner: CommandRunner
    /// The daemon's socket (`--address`); nil for the runtime's default.
    package let address: String?
    /// The containerd namespace (Kubernetes uses `k8s.io`).
    package let namespace: String

    package init(kind: Kind, runner: CommandRunner, address: String?, namespace: String) {
        self.kind = kind
        self.runner = runner
        self.address = address
        self.namespace = namespace
    }

    package var description: String {
        "\(kind.rawValue)\(address.map { " at \($0)" } ?? "") on \(runner.name)"
    }

    var base: [String] {
        switch kind {
        case .docker: return ["docker"] + (address.map { ["-H", $0.contains("://") ? $0 : "unix://\($0)"] } ?? [])
        case .containerd: return ["ctr"] + (address.map { ["-a", $0] } ?? []) + ["-n", namespace]
        }
    }

    /// Finds the runtime: the one asked for, else containerd when its socket is there (what
    /// Kubernetes nodes run), else docker.
    package static func detect(_ preferred: Kind?, runner: CommandRunner, address: String?, namespace: String) async throws -> ContainerRuntime {
        if let preferred { return ContainerRuntime(kind: preferred, runner: runner, address: address, namespace: namespace) }
        if let address {
            // Ask the socket: whichever client gets an answer names the runtime.
            for kind in [Kind.containerd, .docker] {
                let candidate = ContainerRuntime(kind: kind, runner: runner, address: address, namespace: namespace)
                if (try? await candidate.ping()) != nil { return candidate }
            }
            throw NodeError(.unreachable, "neither containerd nor docker answers at \(address) on \(runner.name)",
                            hint: "check the socket path")
        }
        let probe = try await runner.run(["sh", "-c",
            "if [ -S /run/containerd/containerd.sock ]; then echo containerd; elif [ -S /var/run/docker.sock ] || [ -n \"$DOCKER_HOST\" ]; then echo docker; fi"])
        switch probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "containerd": return ContainerRuntime(kind: .containerd, runner: runner, address: nil, namespace: namespace)
        case "docker": return ContainerRuntime(kind: .docker, runner: runner, address: nil, namespace: namespace)
        default:
            throw NodeError(.noRuntime, "no container runtime found on \(runner.name): neither /run/containerd/containerd.sock nor /var/run/docker.sock")
        }
    }

    /// Checks that the daemon answers, so a wrong socket is reported before any data is sent.
    package func ping() async throws {
        let output = try await runner.run(base + ["version"])
        guard output.status == 0 else {
            throw NodeError(.unreachable, "\(description) does not answer: \(Self.lastLines(output.stderr + output.stdout))",
                            hint: kind == .docker ? "check that dockerd runs and that its socket (or DOCKER_HOST) is the one given"
                                                  : "check that containerd runs and that its socket is the one given")
        }
    }

    /// What the runtime holds under each name now: the image id (docker) or the manifest digest (containerd).
    package func current(_ names: [Reference]) async throws -> [String: Digest] {
        var found: [String: Digest] = [:]
        switch kind {
        case .docker:
            for name in names {
                let output = try await runner.run(base + ["image", "inspect", "--format", "{{.Id}}", name.description])
                if output.status == 0, let digest = try? Digest(parsing: output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    found[name.description] = digest
                }
            }
        case .containerd:
            let output = try await runner.run(base + ["images", "ls"])
            guard output.status == 0 else {
                throw NodeError(.unreachable, "\(description): ctr images ls failed: \(Self.lastLines(output.stderr))")
            }
            for line in output.stdout.split(separator: "\n").dropFirst() {
                let columns = line.split(separator: " ", omittingEmptySubsequences: true)
                guard columns.count >= 3, let digest = try? Digest(parsing: String(columns[2])) else { continue }
                found[String(columns[0])] = digest
            }
        }
        return found
    }

    /// The command that reads an archive on standard input.
    var loadCommand: [String] {
        switch kind {
        case .docker: return base + ["load"]
        case .containerd: return base + ["images", "import", "--all-platforms", "-"]
        }
    }

    static func lastLines(_ text: String) -> String {
        let lines = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return lines.isEmpty ? "(no output)" : lines
    }
}
