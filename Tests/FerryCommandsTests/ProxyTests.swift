import FerryTestSupport
import Foundation
import Testing

/// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, through a CONNECT proxy on loopback. The registry is
/// addressed by a name that resolves nowhere (`registry.ferry.test`), which only the proxy maps to
/// it: a push that succeeds went through the proxy, and the proxy's log shows the tunnel.
@Suite struct ProxyTests {
    let name = LiveRegistry.proxiedName

    func fixture() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory("proxy")
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [300])], style: .ggcr, to: path)
        return (dir, path)
    }

    @Test func registriesAndChartRepositoriesAreReachedThroughTheProxy() async throws {
        let registry = try LiveRegistry.start(.tls)
        let proxy = try ConnectProxy(names: [name])
        let (dir, source) = try fixture()
        let target = "\(name):\(registry.port)"
        let base = ["HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
        func push(_ env: [String: String], registry host: String = target) async -> CLIRunner.Result {
            await CLIRunner.run(["push", source, "--registry", host, "--repository", "px", "--ca-file", registry.caFile!,
                                 "--username", registry.username, "--password-stdin"],
                                environment: base.merging(env) { $1 }, stdin: registry.password + "\n")
        }

        let proxied = await push(["HTTPS_PROXY": proxy.url()])
        #expect(proxied.exitCode == 0, "\(proxied.stderr)")
        #expect(proxy.log.contains("CONNECT \(target)"), "\(proxy.log)")
        // Without the proxy, or with the host in NO_PROXY, the name does not resolve: nothing arrives.
        let direct = await push([:])
        #expect(direct.exitCode == 3, "\(direct.stdout)")
        let excluded = await push(["https_proxy": proxy.url(), "no_proxy": "example.com,.ferry.test"])
        #expect(excluded.exitCode == 3 && excluded.stderr.contains(target), "\(excluded.stderr)")
        // Loopback is never proxied: a dead proxy does not matter for 127.0.0.1.
        let loopback = await push(["HTTPS_PROXY": "http://127.0.0.1:9"], registry: registry.host)
        #expect(loopback.exitCode == 0, "\(loopback.stderr)")

        // sync: the image registry and an OCI chart repository, both through the proxy.
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/team/app:1", layerSizes: [300])])
        let config = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(target)
              containerRepository: release/mod
              repo: {kind: OCI, url: "https://\(target)/charts"}
            """)
        let before = proxy.log.components(separatedBy: "\n").count
        let sync = await CLIRunner.run(["sync", "-c", config, "--ca-file", registry.caFile!, "--username", registry.username, "--password-stdin"],
                                       environment: base.merging(["HTTPS_PROXY": proxy.url(), "PWD": dir.path]) { $1 },
                                       stdin: registry.password + "\n")
        #expect(sync.exitCode == 0, "\(sync.stdout)\(sync.stderr)")
        #expect(proxy.log.components(separatedBy: "\n").count > before, "\(proxy.log)")
        let chart = try Subprocess.run(try Subprocess.require("skopeo"),
                                       ["inspect", "--raw", "--cert-dir", registry.certDirectory(), "--creds", "\(registry.username):\(registry.password)",
                                        "docker://\(registry.host)/charts/demo:1.2.3"])
        #expect(chart.status == 0 && chart.stdout.contains("helm.config"), "\(chart.stderr)")
    }

    @Test func plainHTTPAndProxyCredentialsGoThroughHTTPProxy() async throws {
        let registry = try LiveRegistry.start(.plain)
        let secret = "Proxy-Pa55word"
        let proxy = try ConnectProxy(names: [name], credentials: "pu:\(secret)")
        let (dir, source) = try fixture()
        let target = "\(name):\(registry.port)"
        func push(_ proxyURL: String) async -> CLIRunner.Result {
            await CLIRunner.run(["push", source, "--registry", target, "--repository", "px", "--plain-http"],
                                environment: ["HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache"), "HTTP_PROXY": proxyURL])
        }
        let pushed = await push(proxy.url(credentials: "pu:\(secret)"))
        #expect(pushed.exitCode == 0, "\(pushed.stderr)")
        #expect(proxy.log.contains("CONNECT \(target)") && !proxy.log.contains("DENIED"), "\(proxy.log)")
        let refused = await push(proxy.url(credentials: "pu:wrong"))
        #expect(refused.exitCode == 3 && refused.stderr.contains("proxy 127.0.0.1:\(proxy.port) (from HTTP_PROXY)"), "\(refused.stderr)")
        for result in [pushed, refused] { #expect(!(result.stdout + result.stderr).contains(secret)) }
    }
}
