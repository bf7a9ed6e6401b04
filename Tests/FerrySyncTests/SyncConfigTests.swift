import FerryCharts
import Foundation
import FerrySync
import FerryTestSupport
import Testing

@Suite struct SyncConfigTests {
    /// The vendor's documented config, "Helm Repo Added" variant, as printed (its `auth:` block is
    /// empty there and the credentials sit beside it, which charts-syncer rejects as unknown keys).
    let harbor = """
        source:
          intermediateBundlesPath: spidernet-offline # (1)
        target:
          containerRegistry: 10.16.23.145 # (2)
          containerRepository: release.daocloud.io/spidernet # (3)
          repo:
            kind: HARBOR # (4)
            url: http://10.16.23.145/chartrepo/release.daocloud.io # (5)
            auth:
              username: "admin" # (6)
              password: "Harbor12345" # (7)
          containers:
            auth:
              username: "admin" # (8)
              password: "Harbor12345" # (9)
        """

    let local = """
        source:
          intermediateBundlesPath: spidernet-offline
        target:
          containerRegistry: 10.16.23.145
          containerRepository: release.daocloud.io/spidernet
          repo:
            kind: LOCAL
            path: ./local-repo
          containers:
            auth:
              username: "admin"
              password: "Harbor12345"
        """

    func load(_ text: String, env: [String: String] = [:]) throws -> SyncConfig {
        var config = try SyncConfig(yaml: text, origin: "load-image.yaml")
        config.applyEnvironment(env)
        try config.validate()
        return config
    }

    @Test func readsTheVendorConfigs() throws {
        let h = try load(harbor)
        #expect(h.source.intermediateBundlesPath == "spidernet-offline")
        #expect(h.target.repo?.kind == .harbor)
        #expect(h.target.repo?.auth?.username == "admin")
        #expect(h.target.containers?.auth?.password == "Harbor12345")
        #expect(h.relocation == RelocationRule(registry: "10.16.23.145", repositoryPrefix: "release.daocloud.io/spidernet"))
        let l = try load(local)
        #expect(l.target.repo?.kind == .local && l.target.repo?.path == "./local-repo" && l.target.repo?.url == "")
    }

    @Test func acceptsSnakeCaseAndKindNumbers() throws {
        let config = try load("""
            source: {intermediate_bundles_path: b}
            target:
              container_registry: r.local
              container_repository: p
              repo: {kind: 4, url: "https://r.local/charts"}
            skip_charts: [x]
            """)
        #expect(config.target.repo?.kind == .oci)
        #expect(config.skipCharts == ["x"])
    }

    @Test func readsTheForkExtensions() throws {
        let config = try load("""
            source: {intermediateBundlesPath: b}
            target:
              containerPrefixRegistry: mirror.local
              appendOriginRegistry: true
              repo: {kind: LOCAL, path: out}
            charts:
              - name: spidernet
                versions: ["0.8.0"]
                skipImages: true
              - plain
            """)
        #expect(config.charts == [SyncConfig.ChartSelector(name: "spidernet", versions: ["0.8.0"], skipImages: true),
                                  SyncConfig.ChartSelector(name: "plain")])
        #expect(config.relocation.prefixRegistry == "mirror.local" && config.relocation.appendOriginRegistry)
    }

    func expectConfigError(_ text: String, _ fragments: String..., env: [String: String] = [:]) {
        do {
            _ = try load(text, env: env)
            Issue.record("expected an error mentioning \(fragments)")
        } catch {
            for fragment in fragments {
                #expect("\(error)".contains(fragment), "'\(error)' should mention \(fragment)")
            }
        }
    }

    @Test func unknownKeysAreNamedWithTheirLine() {
        expectConfigError(harbor.replacingOccurrences(of: "    kind: HARBOR # (4)", with: "    kind: HARBOR\n    urll: x"),
                          "unknown key 'target.repo.urll'", "load-image.yaml:8")
        expectConfigError("source: {intermediateBundlesPath: b}\ntargets: {}\n", "unknown key 'targets'", ":2")
    }

    @Test func theVendorExampleAsPrintedIsExplained() {
        let printed = harbor.replacingOccurrences(of: "      username: \"admin\" # (6)", with: "    username: \"admin\" # (6)")
            .replacingOccurrences(of: "      password: \"Harbor12345\" # (7)", with: "    password: \"Harbor12345\" # (7)")
        expectConfigError(printed, "unknown key 'target.repo.username'", "load-image.yaml:10", "indent 'username' under 'auth:'")
    }

    @Test func eachClassOfConfigError() {
        let base = "source: {intermediateBundlesPath: b}\ntarget:\n  containerRegistry: r.local\n"
        expectConfigError(base + "  repo: {kind: harbor, url: http://h/chartrepo/p}\n", "unsupported repo kind 'harbor'")
        expectConfigError(base + "  repo: {kind: JFROG, url: http://h}\n", "JFROG", "not supported")
        expectConfigError(base + "  repo: {kind: HARBOR}\n", "target.repo.url")
        expectConfigError(base + "  repo: {kind: CHARTMUSEUM, url: not-a-url}\n", "not a valid URL")
        expectConfigError(base + "  repo: {kind: LOCAL}\n", "target.repo.path")
        expectConfigError(base + "  repo: {kind: HELM, url: http://h}\n", "HELM")
        expectConfigError("source: {intermediateBundlesPath: b}\ntarget:\n  repo: {kind: LOCAL, path: o}\n", "at least one rewrite rule")
        expectConfigError(base + "  repo: {kind: LOCAL, path: o}\ncharts: [a]\nskipCharts: [b]\n", "can not be set at the same time")
        expectConfigError(base + "  repo: {kind: LOCAL, path: o}\n  containers: {auth: {username: u}}\n", "target.containers.auth")
        expectConfigError("source: {intermediateBundlesPath: b}\ntarget:\n  containerRegistry: http://r.local/p\n  repo: {kind: LOCAL, path: o}\n  containers: {auth: {username: u, password: p}}\n",
                          "must not contain a scheme")
        expectConfigError("source: {repo: {kind: HELM, url: http://h}}\ntarget: {containerRegistry: r, repo: {kind: LOCAL, path: o}}\n",
                          "relocateContainerImages", "regex rewrite")
        expectConfigError("source: {intermediateBundlesPath: b, repo: {kind: HELM, url: http://h}}\ntarget: {containerRegistry: r, repo: {kind: LOCAL, path: o}}\n",
                          "both")
        expectConfigError(base + "  repo: {kind: LOCAL, path: o}\n  repo: {kind: LOCAL, path: p}\n", "load-image.yaml")
        expectConfigError(base + "  repo: {kind: LOCAL, path: o}\nrelocateContainerImages: maybe\n", "true or false", ":5")
    }

    /// charts-syncer's connected modes: a chart repository as the source, into bundles or into
    /// another repository, with its rules for these fields.
    @Test func readsTheConnectedModes() throws {
        let export = try load("source:\n  repo: {kind: HELM, url: https://charts.example.io}\n  containers: {auth: {registry: r.io, username: u, password: p}}\ntarget:\n  intermediateBundlesPath: out\ncharts: [demo]\n")
        #expect(export.mode == .repositoryToBundles && export.charts.map(\.name) == ["demo"])
        let relocate = try load("source: {repo: {kind: LOCAL, url: http://unused, path: charts}}\ntarget: {containerRegistry: r.local, containerRepository: p, repo: {kind: OCI, url: http://r.local/charts}}\nrelocateContainerImages: true\n")
        #expect(relocate.mode == .repositoryToRepository(relocateImages: true))
        let copy = try load("source: {repo: {kind: OCI, url: http://a.local/charts}}\ntarget: {repo: {kind: LOCAL, path: o}}\ncharts: [x]\n")
        #expect(copy.mode == .repositoryToRepository(relocateImages: false))
        // charts-syncer v0.x checks source.repo.url for every kind, LOCAL included.
        expectConfigError("source: {repo: {kind: LOCAL, path: charts}}\ntarget: {intermediateBundlesPath: out}\n", "source.repo.url", "not a valid URL")
        expectConfigError("source: {repo: {url: http://h}}\ntarget: {intermediateBundlesPath: out}\n", "source.repo.kind is required")
        expectConfigError("source: {repo: {kind: LOCAL, url: http://h}}\ntarget: {intermediateBundlesPath: out}\n", "source.repo.path is required")
        expectConfigError("source: {intermediateBundlesPath: a}\ntarget: {intermediateBundlesPath: b}\n", "both bundle directories")
        expectConfigError("source: {repo: {kind: HELM, url: http://h}}\ntarget: {repo: {kind: LOCAL, path: o}}\nrelocateContainerImages: true\n",
                          "at least one rewrite rule")
        expectConfigError("source: {repo: {kind: HELM, url: http://h}, containers: {auth: {username: u, password: p}}}\ntarget: {intermediateBundlesPath: b}\n",
                          "source.containers.auth needs username, password and registry")
        expectConfigError("source: {repo: {kind: HELM, url: http://h}}\ntarget: {}\n", "target needs 'repo'")
    }

    @Test func environmentOverridesAsChartsSyncerDoes() throws {
        let config = try load(harbor, env: [
            "TARGET_CONTAINERS_AUTH_PASSWORD": "from-env",
            "TARGET_AUTH_USERNAME": "legacy-user", "TARGET_AUTH_PASSWORD": "legacy-pass",
        ])
        #expect(config.target.containers?.auth == SyncConfig.Auth(username: "admin", password: "from-env", registry: "10.16.23.145"))
        #expect(config.target.repo?.auth?.username == "legacy-user" && config.target.repo?.auth?.password == "legacy-pass")
        // The primary name wins over the legacy one.
        let primary = try load(harbor, env: ["TARGET_REPO_AUTH_USERNAME": "new", "TARGET_REPO_AUTH_PASSWORD": "pw",
                                             "TARGET_AUTH_USERNAME": "old", "TARGET_AUTH_PASSWORD": "old"])
        #expect(primary.target.repo?.auth?.username == "new")
        // Credentials only in the environment are enough.
        let bare = try load("source: {intermediateBundlesPath: b}\ntarget: {containerRegistry: r.local, repo: {kind: LOCAL, path: o}}\n",
                            env: ["TARGET_CONTAINERS_AUTH_USERNAME": "u", "TARGET_CONTAINERS_AUTH_PASSWORD": "p"])
        #expect(bare.target.containers?.auth?.registry == "r.local")
    }

    @Test func defaultConfigLookupPrefersHome() throws {
        let home = try TemporaryDirectory("home"), cwd = try TemporaryDirectory("cwd")
        #expect(SyncConfig.defaultPath(environment: ["HOME": home.path], currentDirectory: cwd.path) == nil)
        let local = try cwd.write("charts-syncer.yaml", "source: {}\n")
        #expect(SyncConfig.defaultPath(environment: ["HOME": home.path], currentDirectory: cwd.path) == local)
        let inHome = try home.write("charts-syncer.yml", "source: {}\n")
        #expect(SyncConfig.defaultPath(environment: ["HOME": home.path], currentDirectory: cwd.path) == inHome)
    }

    @Test func bundleFileNames() {
        #expect(BundleDiscovery.nameAndVersion(fileName: "spidernet-0.8.0.bundle.tar")! == ("spidernet", "0.8.0"))
        #expect(BundleDiscovery.nameAndVersion(fileName: "foo-bar-1.2.3.bundle.tar")! == ("foo-bar", "1.2.3"))
        #expect(BundleDiscovery.nameAndVersion(fileName: "spidernet_0.8.0-rc1.bundle.tar")! == ("spidernet", "0.8.0-rc1"))
        #expect(BundleDiscovery.nameAndVersion(fileName: "spidernet.bundle.tar") == nil)
    }
}

/// Configs from outside: secrets never quoted, files that are not files, and paths that are not paths.
@Suite struct HostileConfigTests {
    @Test func aYAMLErrorNeverQuotesTheLineWithThePassword() {
        let text = "target:\n  repo:\n    auth: {username: admin, password: \"S3cret-Value\n"
        let error = #expect(throws: SyncError.self) { try SyncConfig(yaml: text, origin: "load-image.yaml") }
        #expect(error?.message.contains("load-image.yaml") == true)
        #expect(error?.message.contains("line") == true)
        #expect(error.map { "\($0)" }?.contains("S3cret") == false)
    }

    @Test func aConfigWithAByteOrderMarkIsRead() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("c.yaml", "\u{FEFF}source: {intermediateBundlesPath: b}\ntarget: {containerRegistry: r.local, repo: {kind: LOCAL, path: out}}\n")
        let config = try SyncConfig.load(path: path, environment: [:])
        #expect(config.target.containerRegistry == "r.local")
    }

    @Test func aFIFOIsRefusedInsteadOfBlocking() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("fifo.yaml")
        #expect(mkfifo(path, 0o600) == 0)
        let error = #expect(throws: SyncError.self) { try SyncConfig.load(path: path, environment: [:]) }
        #expect(error?.message.contains("not a regular file") == true)
    }

    @Test func pathsWithNULAndURLsWithoutAHostAreNamed() {
        let nul = #expect(throws: SyncError.self) {
            try SyncConfig(yaml: "source: {intermediateBundlesPath: b}\ntarget: {containerRegistry: r, repo: {kind: LOCAL, path: \"a\\0b\"}}\n",
                           origin: "c.yaml").validate()
        }
        #expect(nul?.message.contains("target.repo.path") == true)
        let host = #expect(throws: SyncError.self) {
            try SyncConfig(yaml: "source: {intermediateBundlesPath: b}\ntarget: {containerRegistry: r, repo: {kind: CHARTMUSEUM, url: \"http:///charts\"}}\n",
                           origin: "c.yaml").validate()
        }
        #expect(host?.message.contains("target.repo.url") == true)
    }
}
