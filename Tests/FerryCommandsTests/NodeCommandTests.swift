import FerryArchive
import FerryCommands
import FerryNode
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// `ferry retag` and `ferry load` with the real runtimes: containerd, dockerd and podman, and sshd
/// for the fan-out to several nodes.
@Suite struct NodeCommandTests {
    let images = [TestImage.make("ghcr.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0"),
                  TestImage.make("docker.io/library/ui:v0.8.0")]
    let relocated = ["10.16.23.145/release.daocloud.io/spidernet/spiderpool-agent:v0.8.0",
                     "10.16.23.145/release.daocloud.io/spidernet/ui:v0.8.0"]
    let relocation = ["--registry", "10.16.23.145", "--repository", "release.daocloud.io/spidernet"]

    func bundle(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.file("spidernet_0.8.0.bundle.tar")
        try BundleFixture.write(to: path, chartName: "spidernet", version: "0.8.0", images: images)
        return path
    }

    func env(_ dir: TemporaryDirectory) -> [String: String] { ["FERRY_CACHE_DIR": dir.file("cache")] }

    @Test func retaggedArchiveLoadsWithTheNewNamesEverywhere() async throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("nodes.tar")
        let result = await CLIRunner.run(["retag", try bundle(dir)] + relocation + ["-o", out, "--keep-original-names", "--output", "json"],
                                         environment: env(dir))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let written = try Documents.decode(RetagDocument.self, result.stdout)
        #expect(written.archive == out && written.refused.isEmpty)
        #expect(written.images.map { Set($0) } == zip(relocated, images).map { Set([$0.0, $0.1.name]) }, "\(written.images)")
        let digests = images.map { Digest.of($0.chartsSyncerManifest).string }
        let ids = images.map { $0.configDigest.string }

        // containerd keeps the manifest digests and takes the names from index.json.
        let containerd = try LiveContainerd()
        try Subprocess.check("ctr", ["-a", containerd.socket, "-n", "k8s.io", "images", "import", out])
        let listed = try containerd.images()
        for (name, digest) in zip(relocated, digests) { #expect(listed[name] == digest, "\(name) in \(listed)") }
        #expect(listed["ghcr.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0"] == digests[0])

        // docker load (20.10 reads manifest.json): image ids are the config digests.
        let docker = try LiveDockerd()
        try Subprocess.check("docker", ["-H", "unix://\(docker.socket)", "load", "-i", out])
        for (name, id) in zip(relocated, ids) { #expect(try docker.imageID(name) == id) }

        // podman load.
        let podman = try Podman()
        let loaded = try podman.load(out)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let podmanImages = try podman.images()
        for (name, id) in zip(relocated, ids) { #expect(podmanImages[name] == id, "\(podmanImages)") }

        // The archive itself reads back with the original layer digests.
        let verify = await CLIRunner.run(["verify", out], environment: env(dir))
        #expect(verify.exitCode == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = await CLIRunner.run(["inspect", out, "--output", "json"], environment: env(dir))
        let inspected = try Documents.decode(InspectDocument.self, inspect.stdout).sources.flatMap(\.images)
        #expect(Set(inspected.map(\.digest)) == Set(digests), "\(inspect.stdout)")
    }

    @Test func retagPicksAPlatformFromAnIndex() async throws {
        let dir = try TemporaryDirectory()
        let platforms = [Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64")]
        let (_, made) = try ArchiveFixture.writeMultiPlatform(name: "r.io/m/multi:2", platforms: platforms, to: dir.file("multi.tar"))
        let out = dir.file("arm.tar")
        let result = await CLIRunner.run(["retag", dir.file("multi.tar"), "--registry", "h.local", "--repository", "p", "--platform", "linux/arm64", "-o", out],
                                         environment: env(dir))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let containerd = try LiveContainerd()
        try Subprocess.check("ctr", ["-a", containerd.socket, "-n", "k8s.io", "images", "import", "--platform", "linux/arm64", out])
        #expect(try containerd.images()["h.local/p/multi:2"] == Digest.of(made[1].ociManifest).string)
        let bad = await CLIRunner.run(["retag", dir.file("multi.tar"), "--registry", "h", "--platform", "linux/s390x", "-o", dir.file("x.tar")],
                                      environment: env(dir))
        #expect(bad.exitCode != 0 && bad.stderr.contains("linux/s390x") && bad.stderr.contains("linux/arm64"))
    }

    @Test func loadIntoContainerdThenSkipWhatIsThere() async throws {
        let dir = try TemporaryDirectory()
        let containerd = try LiveContainerd()
        let source = try bundle(dir)
        let args = ["load", source] + relocation + ["--address", containerd.socket]
        let first = await CLIRunner.run(args, environment: env(dir))
        #expect(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("containerd at \(containerd.socket)") && first.stdout.contains("2 name(s) loaded"))
        let listed = try containerd.images(namespace: "k8s.io")
        for (name, image) in zip(relocated, images) { #expect(listed[name] == Digest.of(image.chartsSyncerManifest).string) }
        let second = await CLIRunner.run(args, environment: env(dir))
        #expect(second.stdout.contains("0 name(s) loaded, 2 already present"))
    }

    @Test func loadIntoDockerAndReportARejection() async throws {
        let dir = try TemporaryDirectory()
        let docker = try LiveDockerd()
        let args = ["load", try bundle(dir)] + relocation + ["--runtime", "docker", "--address", docker.socket]
        let first = await CLIRunner.run(args, environment: env(dir))
        #expect(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        for (name, image) in zip(relocated, images) { #expect(try docker.imageID(name) == image.configDigest.string) }
        #expect(await CLIRunner.run(args, environment: env(dir)).stdout.contains("2 already present"))

        // An image whose config lists the wrong diff_id: docker refuses it, and says why.
        var lying = TestImage.make("r.io/a/liar:1", layerSizes: [500])
        lying.layers[0].diffID = Digest.of(Array("not the layer".utf8))
        lying = TestImage(name: lying.name, layers: lying.layers)
        let path = dir.file("liar.tar")
        try ArchiveFixture.write([lying], style: .ggcr, to: path)
        let rejected = await CLIRunner.run(["load", path, "--runtime", "docker", "--address", docker.socket], environment: env(dir))
        #expect(rejected.exitCode == 1)
        #expect(rejected.stdout.contains("rejected the archive"), "\(rejected.stdout)")
    }

    @Test func severalNodesOverSSHAndOneUnreachable() async throws {
        let dir = try TemporaryDirectory()
        let containerd = try LiveContainerd()
        let sshd = try LiveSSHD(aliases: ["node-a", "node-b"])
        let result = await CLIRunner.run(["load", try bundle(dir)] + relocation + [
            "--runtime", "containerd", "--address", containerd.socket, "--namespace", "nodes",
            "--node", "node-a", "--node", "node-b", "--node", "nobody@127.0.0.1:1", "--ssh-config", sshd.configFile, "--output", "json",
        ], environment: env(dir))
        #expect(result.exitCode == 1)
        let reports = try Documents.lines(NodeLoader.Report.self, result.stdout, event: "node.finished")
        #expect(reports.count == 3)
        let byNode = Dictionary(uniqueKeysWithValues: reports.map { ($0.node, $0) })
        #expect(byNode["node-a"]?.loaded.count == 2 || byNode["node-b"]?.loaded.count == 2)
        #expect(byNode["node-a"]?.error == nil && byNode["node-b"]?.error == nil, "\(reports)")
        #expect(byNode["nobody@127.0.0.1:1"]?.error?.isEmpty == false)
        let listed = try containerd.images(namespace: "nodes")
        for name in relocated { #expect(listed[name] != nil) }
    }

    /// A kubespray-style inventory: the group picks the nodes, each is loaded over ssh with its
    /// ansible_host, and the report gives each node's outcome and time.
    @Test func nodesFromAKubesprayInventoryGroup() async throws {
        let dir = try TemporaryDirectory()
        let containerd = try LiveContainerd()
        let sshd = try LiveSSHD(aliases: ["node-a", "node-b"])
        _ = try dir.write("hosts.yaml", """
            all:
              hosts:
                node1: {ansible_host: node-a}
                node2: {ansible_host: node-b}
                node3: {ansible_host: 127.0.0.1, ansible_port: 1}
              children:
                kube_control_plane: {hosts: {node1: }}
                kube_node: {hosts: {node1: , node2: }}
                etcd: {hosts: {node3: }}
            """)
        let args = ["load", try bundle(dir)] + relocation + [
            "--runtime", "containerd", "--address", containerd.socket, "--namespace", "inventory",
            "--nodes-file", dir.file("hosts.yaml"), "--ssh-config", sshd.configFile, "--max-parallel", "1"]
        let result = await CLIRunner.run(args + ["--node-group", "kube_node", "--output", "json"], environment: env(dir))
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let reports = try Documents.lines(NodeLoader.Report.self, result.stdout, event: "node.finished")
        // node3 is only in etcd: not reached at all.
        #expect(reports.map(\.node) == ["node-a", "node-b"] && reports.allSatisfy { $0.succeeded && $0.seconds > 0 }, "\(reports)")
        let summary = try #require(try Documents.lines(LoadSummaryDocument.self, result.stdout, event: "summary").first)
        #expect(summary.nodes == 2 && summary.nodesFailed == 0 && summary.ok)
        for name in relocated { #expect(try containerd.images(namespace: "inventory")[name] != nil) }

        // Every host: node3 fails (nothing listens on its port) and says so with its time; the others are present.
        let all = await CLIRunner.run(args, environment: env(dir))
        #expect(all.exitCode == 1, "\(all.stdout)\(all.stderr)")
        #expect(all.stdout.contains("failed  127.0.0.1:1 after "), "\(all.stdout)")
        #expect(all.stdout.contains("Done: 3 node(s), 1 failed"), "\(all.stdout)")
        let missingGroup = await CLIRunner.run(args + ["--node-group", "kube-node"], environment: env(dir))
        #expect(missingGroup.exitCode == 2 && missingGroup.stderr.contains("its groups: all, etcd, kube_control_plane, kube_node"), "\(missingGroup.stderr)")
    }

    /// An ssh failure is reported as one, in ssh's words, before any runtime is looked for.
    @Test func sshFailuresAreSaidAsSuch() async throws {
        let dir = try TemporaryDirectory()
        let sshd = try LiveSSHD(aliases: ["node"])
        let source = try bundle(dir)
        func load(_ node: String, config: String, _ extra: [String] = []) async throws -> NodeLoader.Report {
            let result = await CLIRunner.run(["load", source] + relocation + ["--node", node, "--ssh-config", config, "--output", "json"] + extra,
                                             environment: env(dir))
            #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
            return try #require(try Documents.lines(NodeLoader.Report.self, result.stdout, event: "node.finished").first)
        }
        let base = try String(contentsOfFile: sshd.configFile, encoding: .utf8)
        // Nothing listens there.
        for extra in [[], ["--runtime", "containerd"]] {
            let refused = try await load("nobody@127.0.0.1:1", config: sshd.configFile, extra)
            let error = refused.error ?? ""
            #expect(error.contains("cannot reach nobody@127.0.0.1:1 over ssh") && error.contains("Connection refused"), "\(error)")
            #expect(!error.contains("container runtime") && !error.contains("containerd runs"), "\(error)")
        }
        // A key the node does not accept.
        let keygen = try Subprocess.require("ssh-keygen")
        try Subprocess.check(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", dir.file("stranger")])
        let wrongKey = try dir.write("wrong-key", base.replacingOccurrences(of: sshd.directory.file("client_key"), with: dir.file("stranger")))
        let denied = try await load("node", config: wrongKey)
        #expect(denied.error?.contains("Permission denied") == true && denied.error?.contains("refused the login") == true, "\(denied)")
        // A host key that is not known, checked strictly.
        _ = try dir.write("known_hosts", "")
        let strict = try dir.write("strict", base.replacingOccurrences(of: "StrictHostKeyChecking no", with: "StrictHostKeyChecking yes")
            .replacingOccurrences(of: "UserKnownHostsFile /dev/null", with: "UserKnownHostsFile \(dir.file("known_hosts"))"))
        let unknownHost = try await load("node", config: strict)
        #expect(unknownHost.error?.contains("Host key verification failed") == true && unknownHost.error?.contains("known_hosts") == true,
                "\(unknownHost)")
    }

    @Test func badInputGetsClearErrors() async throws {
        let dir = try TemporaryDirectory()
        // A layer named in manifest.json but missing.
        let image = TestImage.make("r.io/a/b:1", layerSizes: [100])
        var raw = RawTar()
        raw.add("sha256:\(image.configDigest.hex)", image.config)
        raw.add("manifest.json", Array("[{\"Config\":\"sha256:\(image.configDigest.hex)\",\"RepoTags\":[\"r.io/a/b:1\"],\"Layers\":[\"\(image.layers[0].digest.hex).tar.gz\"]}]".utf8))
        raw.end()
        let missing = try dir.write("missing.tar", raw.bytes)
        let noLayer = await CLIRunner.run(["load", missing, "--runtime", "docker"], environment: env(dir))
        #expect(noLayer.exitCode == 2 && noLayer.stderr.contains("\(image.layers[0].digest.hex).tar.gz"))

        // A name that is not a valid reference.
        let upper = TestImage.make("r.io/Team/App:1")
        try ArchiveFixture.write([upper], style: .ggcr, to: dir.file("upper.tar"))
        let badName = await CLIRunner.run(["retag", dir.file("upper.tar"), "--registry", "h", "-o", dir.file("o.tar")], environment: env(dir))
        #expect(badName.exitCode == 2 && badName.stderr.contains("r.io/Team/App:1"))

        // No runtime at the standard places (the tests' daemons use private sockets), none named.
        var noDockerHost = env(dir)
        noDockerHost["DOCKER_HOST"] = ""
        let none = await CLIRunner.run(["load", try bundle(dir)], environment: noDockerHost)
        #expect(none.exitCode == 1 && none.stdout.contains("no container runtime found") && none.stdout.contains("--runtime"))

        // A socket nothing listens on.
        let good = dir.file("good.tar")
        try ArchiveFixture.write([image], style: .ggcr, to: good)
        let unreachable = await CLIRunner.run(["load", good, "--runtime", "containerd", "--address", dir.file("nothing.sock")], environment: env(dir))
        #expect(unreachable.exitCode == 1 && unreachable.stdout.contains("does not answer") && unreachable.stdout.contains("nothing.sock"))
    }
}
