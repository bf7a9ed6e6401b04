import Foundation
import Synchronization

/// A real containerd (Debian `containerd`) with its own root, state and socket, started for a test.
package final class LiveContainerd: Sendable {
    package let directory: TemporaryDirectory
    package let socket: String
    private let process: Mutex<Process?>

    package init() throws {
        let binary = try Subprocess.require("containerd")
        _ = try Subprocess.require("ctr")
        // Unix socket paths are limited to 107 bytes: keep the directory short.
        directory = try TemporaryDirectory("ctd")
        socket = directory.file("c.sock")
        let config = """
            version = 2
            root = "\(directory.file("root"))"
            state = "\(directory.file("state"))"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "\(socket)"
            [ttrpc]
              address = "\(socket).ttrpc"
            [debug]
              address = "\(directory.file("d.sock"))"
            """
        let configFile = try directory.write("config.toml", config)
        process = Mutex(try startDaemon(binary, ["--config", configFile], log: directory.file("log")))
        try waitFor(socket: socket, what: "containerd", log: directory.file("log"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }

    /// `ctr -a SOCKET -n NAMESPACE images ls` as (name, digest) pairs.
    package func images(namespace: String = "k8s.io") throws -> [String: String] {
        let out = try Subprocess.check("ctr", ["-a", socket, "-n", namespace, "images", "ls"])
        var result: [String: String] = [:]
        for line in out.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            if columns.count >= 3 { result[String(columns[0])] = String(columns[2]) }
        }
        return result
    }
}

/// A real Docker engine (Debian `docker.io`'s dockerd 20.10) with its own data root and socket,
/// on a `LiveContainerd`, with no networking set up.
package final class LiveDockerd: Sendable {
    package let directory: TemporaryDirectory
    package let socket: String
    package let containerd: LiveContainerd
    private let process: Mutex<Process?>

    package init() throws {
        let binary = try Subprocess.require("dockerd")
        _ = try Subprocess.require("docker")
        containerd = try LiveContainerd()
        directory = try TemporaryDirectory("dkd")
        socket = directory.file("d.sock")
        process = Mutex(try startDaemon(binary, [
            "--data-root", directory.file("data"), "--exec-root", directory.file("x"), "--pidfile", directory.file("pid"),
            "-H", "unix://\(socket)", "--containerd", containerd.socket, "--iptables=false", "--ip6tables=false", "--bridge=none",
        ], log: directory.file("log")))
        try waitFor(socket: socket, what: "dockerd", log: directory.file("log"), seconds: 60)
        // The socket appears before the API answers.
        for _ in 0..<100 {
            if (try? Subprocess.run("docker", ["-H", "unix://\(socket)", "version"]))?.status == 0 { return }
            usleep(100_000)
        }
        throw TestSupportError("dockerd did not answer: \((try? String(contentsOfFile: directory.file("log"), encoding: .utf8)) ?? "")")
    }

    deinit {
        // dockerd bind-mounts its --data-root onto itself and unmounts it only when it shuts down:
        // SIGTERM and a bounded wait, SIGKILL only if it hangs; whatever is still mounted under the
        // directory is then detached, so the directory can be removed and no mount is left behind.
        process.withLock { if let running = $0 { stopGracefully(running, seconds: 10) } }
        unmountEverything(under: directory.path)
    }

    /// `docker image inspect` of a name: its image id, or nil when absent.
    package func imageID(_ name: String) throws -> String? {
        let result = try Subprocess.run("docker", ["-H", "unix://\(socket)", "image", "inspect", "--format", "{{.Id}}", name])
        return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}

/// podman (Debian `podman`) with a private storage root, for `podman load`.
package struct Podman: Sendable {
    package let directory: TemporaryDirectory

    package init() throws {
        _ = try Subprocess.require("podman")
        directory = try TemporaryDirectory("podman")
    }

    var base: [String] {
        ["--root", directory.file("root"), "--runroot", directory.file("run"), "--storage-driver", "vfs"]
    }

    package func load(_ archive: String) throws -> Subprocess.Result {
        try Subprocess.run("podman", base + ["load", "-i", archive])
    }

    /// `name → image id` of every image.
    package func images() throws -> [String: String] {
        let out = try Subprocess.check("podman", base + ["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
        var result: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }
}

/// An OpenSSH server (Debian `openssh-server`) on a free loopback port that accepts one throwaway
/// key for the current user, and an ssh config file that reaches it as host `node`.
package final class LiveSSHD: Sendable {
    package let directory: TemporaryDirectory
    package let port: Int
    /// Pass to ssh with -F: defines `Host node` (and any alias given at start).
    package let configFile: String
    private let process: Mutex<Process?>

    package init(aliases: [String] = ["node"]) throws {
        let sshd = try Subprocess.require("sshd")
        let keygen = try Subprocess.require("ssh-keygen")
        directory = try TemporaryDirectory("sshd")
        port = try LiveRegistry.freePort()
        try Subprocess.check(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", directory.file("host_key")])
        try Subprocess.check(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", directory.file("client_key")])
        try FileManager.default.copyItem(atPath: directory.file("client_key.pub"), toPath: directory.file("authorized_keys"))
        let user = ProcessInfo.processInfo.environment["USER"] ?? "root"
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory.file("host_key"))
            AuthorizedKeysFile \(directory.file("authorized_keys"))
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            StrictModes no
            PidFile \(directory.file("sshd.pid"))
            SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            """
        let configPath = try directory.write("sshd_config", config)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        process = Mutex(try startDaemon(sshd, ["-D", "-e", "-f", configPath], log: directory.file("log")))
        for _ in 0..<100 {
            if LiveRegistry.canConnect(port: port) { break }
            usleep(50_000)
        }
        let (sshPort, keyFile) = (port, directory.file("client_key"))
        let hosts = aliases.map { alias in
            """
            Host \(alias)
              HostName 127.0.0.1
              Port \(sshPort)
              User \(user)
              IdentityFile \(keyFile)
              IdentitiesOnly yes
              StrictHostKeyChecking no
              UserKnownHostsFile /dev/null
              LogLevel ERROR
            """
        }.joined(separator: "\n")
        configFile = try directory.write("ssh_config", hosts + "\n")
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }
}

func startDaemon(_ binary: String, _ arguments: [String], log: String) throws -> Process {
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    return process
}

/// SIGTERM, then up to `seconds` for the daemon to shut down on its own; SIGKILL (`stopForTest`) if
/// it is still running then.
private func stopGracefully(_ process: Process, seconds: Int) {
    guard process.isRunning else { return }
    kill(process.processIdentifier, SIGTERM)
    let deadline = ContinuousClock.now + .seconds(seconds)
    while process.isRunning && ContinuousClock.now < deadline {
        usleep(50_000)
    }
    if process.isRunning { process.stopForTest() }
}

/// Detaches (`umount -l`) every mount at or under `directory`, deepest first; a few rounds at most,
/// for mounts stacked on one point. Silent: a mount that cannot be detached is left.
private func unmountEverything(under directory: String) {
    var roots = [directory]
    let resolved = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
    if resolved != directory { roots.append(resolved) }
    guard let umount = try? Subprocess.require("umount") else { return }
    for _ in 0..<4 {
        let points = mountPoints().filter { point in roots.contains { point == $0 || point.hasPrefix($0 + "/") } }
        guard !points.isEmpty else { return }
        for point in Set(points).sorted(by: { $0.count > $1.count }) {
            _ = try? Subprocess.run(umount, ["-l", point])
        }
    }
}

/// The mount points of this process's mount namespace (`/proc/self/mountinfo`, field 5, with the
/// kernel's octal escapes for space, tab, newline and backslash decoded).
private func mountPoints() -> [String] {
    guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
    return table.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count > 4 else { return nil }
        var point = String(fields[4])
        for (escape, character) in [("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")] {
            point = point.replacingOccurrences(of: escape, with: character)
        }
        return point
    }
}

func waitFor(socket: String, what: String, log: String, seconds: Int = 20) throws {
    for _ in 0..<(seconds * 20) {
        if FileManager.default.fileExists(atPath: socket) { return }
        usleep(50_000)
    }
    throw TestSupportError("\(what) did not create \(socket): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
}
