import FerryRegistry
import FerryTestSupport
import Foundation
import Testing

/// A real registry that requires client certificates (distribution's `tls.clientcas`), reached with
/// the flags and with the certificates where docker, podman and containerd keep them.
@Suite struct ClientCertificateTests {
    func archive(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [300])], style: .ggcr, to: path)
        return path
    }

    @Test func pushShowsTheClientCertificateFromFlagsOrACertDirectory() async throws {
        let registry = try LiveRegistry.start(.mutualTLS)
        let dir = try TemporaryDirectory("mtls")
        let source = try archive(dir)
        let env = ["HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
        func push(_ extra: [String]) async -> CLIRunner.Result {
            await CLIRunner.run(["push", source, "--registry", registry.host, "--repository", "m"] + extra, environment: env)
        }
        let flags = await push(["--ca-file", registry.caFile!, "--cert-file", registry.clientCertificate!, "--key-file", registry.clientKey!])
        #expect(flags.exitCode == 0, "\(flags.stderr)")
        let refused = await push(["--ca-file", registry.caFile!])
        #expect(refused.exitCode == 3 && refused.stderr.contains("requires a client certificate"), "\(refused.stderr)")
        let directory = await push(["--cert-dir", registry.certDirectory()])
        #expect(directory.exitCode == 0, "\(directory.stderr)")
        let halfPair = await push(["--cert-file", registry.clientCertificate!])
        #expect(halfPair.exitCode == 64 && halfPair.stderr.contains("--cert-file and --key-file go together"), "\(halfPair.stderr)")
        // skopeo, given the same directory, sees what Ferry pushed.
        let inspect = try Subprocess.run(try Subprocess.require("skopeo"),
                                         ["inspect", "--cert-dir", registry.certDirectory(), "docker://\(registry.host)/m/app:1"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
    }

    func connects(_ registry: LiveRegistry, _ lookup: CertificateLookup) async throws -> String {
        try await HTTPTransport.with(security: TransportSecurity(certificates: lookup, allowsPrivateHTTPFallback: false)) { transport in
            try await RegistryClient.connect(host: registry.host, transport: transport, credentials: nil).baseURL
        }
    }

    @Test func certsDirectoriesAndContainerdHostsTomlAreRead() async throws {
        let registry = try LiveRegistry.start(.mutualTLS)
        let root = try TemporaryDirectory("certs-roots")
        // docker's layout: /etc/docker/certs.d/HOST:PORT/{ca.crt, client.cert, client.key}
        let docker = root.file("docker/certs.d/\(registry.host)")
        try FileManager.default.createDirectory(atPath: docker, withIntermediateDirectories: true)
        for (from, to) in [(registry.caFile!, "ca.crt"), (registry.clientCertificate!, "client.cert"), (registry.clientKey!, "client.key")] {
            try FileManager.default.copyItem(atPath: from, toPath: docker + "/" + to)
        }
        let viaDocker = try await connects(registry, CertificateLookup(certsRoots: [root.file("none"), root.file("docker/certs.d")], hostsRoots: []))
        #expect(viaDocker == "https://\(registry.host)")

        // Without the client pair the registry refuses the handshake.
        try FileManager.default.removeItem(atPath: docker + "/client.cert")
        try FileManager.default.removeItem(atPath: docker + "/client.key")
        await #expect(throws: RegistryError.self) {
            _ = try await connects(registry, CertificateLookup(certsRoots: [root.file("docker/certs.d")], hostsRoots: []))
        }
        // A certificate without its key is named, as docker names it.
        try FileManager.default.copyItem(atPath: registry.clientCertificate!, toPath: docker + "/node.cert")
        await #expect { _ = try await connects(registry, CertificateLookup(certsRoots: [root.file("docker/certs.d")], hostsRoots: [])) }
            throws: { "\($0)".contains("node.cert is a client certificate without its key node.key") }

        // containerd's layout: /etc/containerd/certs.d/HOST:PORT/hosts.toml with ca and client, relative paths allowed.
        let containerd = root.file("containerd/certs.d/\(registry.host)")
        try FileManager.default.createDirectory(atPath: containerd, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: registry.clientKey!, toPath: containerd + "/node.key")
        _ = try root.write("containerd/certs.d/\(registry.host)/hosts.toml", """
            server = "https://\(registry.host)"

            [host."https://\(registry.host)"]
              capabilities = ["pull", "resolve", "push"]
              ca = "\(registry.caFile!)"   # the registry's CA
              client = [["\(registry.clientCertificate!)", "node.key"]]
            """)
        let viaContainerd = try await connects(registry, CertificateLookup(certsRoots: [], hostsRoots: [root.file("containerd/certs.d")]))
        #expect(viaContainerd == "https://\(registry.host)")
    }
}
