import FerryArchive
import FerryCharts
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// `ferry sync` end to end: charts-syncer configs, real registry, the Helm engine checking every
/// chart published, skopeo checking every image.
@Suite struct SyncCommandTests {
    struct Site {
        let registry: LiveRegistry
        let dir: TemporaryDirectory

        func write(config: String) throws -> String { try dir.write("load-image.yaml", config) }

        func sync(_ extra: [String] = [], env: [String: String] = [:]) async -> CLIRunner.Result {
            var environment = ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
            for (key, value) in env { environment[key] = value }
            return await CLIRunner.run(["sync", "--config", dir.file("load-image.yaml")] + extra, environment: environment)
        }

        func bundle(_ fileName: String, _ chart: ChartFixture, images: [TestImage]? = nil) throws {
            try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
            try BundleFixture.write(to: dir.file("offline/\(fileName)"), chart: chart, images: images)
        }

        /// Every image of a rendered chart points at the registry and is there.
        func expectImagesInRegistry(chart: String, expectedCount: Int) throws {
            let images = try HelmEngine.renderedImages(chart: chart)
            #expect(images.count == expectedCount, "rendered images: \(images)")
            for image in images {
                #expect(image.hasPrefix("\(registry.host)/release.example.io/mod/"), "\(image) is not relocated")
                _ = try Skopeo.copy(image, from: registry, into: dir)
            }
        }
    }

    func site(_ mode: LiveRegistry.Mode = .plain) throws -> Site {
        Site(registry: try LiveRegistry.start(mode), dir: try TemporaryDirectory("sync"))
    }

    func localConfig(_ site: Site, extra: String = "") -> String {
        """
        source:
          intermediateBundlesPath: offline # (1)
        target:
          containerRegistry: \(site.registry.host) # (2)
          containerRepository: release.example.io/mod # (3)
          repo:
            kind: LOCAL
            path: ./local-repo # (4)
        \(extra)
        """
    }

    /// A config whose chart repository is `repo` (YAML of target.repo) and whose bundle is the egress module.
    func egressSite(repo: String, registry mode: LiveRegistry.Mode = .plain) throws -> Site {
        let site = try site(mode)
        try site.bundle("egress-1.2.0.bundle.tar", modules().1)
        _ = try site.write(config: """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(site.registry.host)
              containerRepository: release.example.io/mod
              repo: \(repo)
            """)
        return site
    }

    let shared = TestLayer.random(size: 20_000)

    func modules() -> (ChartFixture, ChartFixture) {
        let agent = TestImage.make("ghcr.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0", shared: [shared])
        let ui = TestImage.make("docker.io/spidernet-io/ui:v0.8.0", shared: [shared])
        let sub = TestImage.make("quay.io/spidernet/multus:v4.0")
        let spidernet = ChartFixture(name: "spidernet", version: "0.8.0", images: [("spiderpool", agent), ("ui", ui)],
                                     subchart: .init(name: "multus", image: sub))
        let egress = ChartFixture(name: "egress", version: "1.2.0", images: [("controller", TestImage.make("docker.io/library/egress:1.2.0", shared: [shared]))])
        return (spidernet, egress)
    }

    @Test func localRepositoryThatHelmReadsAndInstallsFrom() async throws {
        let site = try site()
        let (spidernet, egress) = modules()
        try site.bundle("spidernet_0.8.0.bundle.tar", spidernet)
        try site.bundle("egress-1.2.0.bundle.tar", egress)
        _ = try site.dir.write("offline/images.tar", "left over from unpacking a bundle by hand")
        _ = try site.write(config: localConfig(site))

        let result = await site.sync()
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Done: 2 published, 0 already present, 0 failed"))
        #expect(result.stderr.contains("offline/images.tar is not a .bundle.tar; skipped"))
        // One plan for both bundles: the layer they share went up once.
        let puts = site.registry.log.split(separator: "\n").filter {
            $0.contains("http.request.method=PUT") && $0.contains("digest=sha256%3A\(shared.digest.hex)")
        }
        #expect(puts.count == 1)

        // Helm reads the index strictly, pulls each chart through it, and renders it.
        let repo = site.dir.file("local-repo")
        let (entries, pulled) = try HelmEngine.loadRepository(repo, pull: "spidernet", version: "0.8.0", into: site.dir.file("pulled"))
        #expect(entries == ["spidernet": ["0.8.0"], "egress": ["1.2.0"]])
        try site.expectImagesInRegistry(chart: pulled, expectedCount: 3)
        try site.expectImagesInRegistry(chart: repo + "/egress-1.2.0.tgz", expectedCount: 1)

        // values.yaml was edited as text: comments, quoting and the tag stayed.
        let files = try ChartArchive.files(ofTgz: Array(try Data(contentsOf: URL(fileURLWithPath: pulled))), origin: pulled)
        let values = String(decoding: files["values.yaml"]!, as: UTF8.self)
        #expect(values.contains("# where the spiderpool image comes from"))
        #expect(values.contains("registry: \(site.registry.host)\n"))
        #expect(values.contains("repository: \"release.example.io/mod/spiderpool-agent\""))
        #expect(values.contains("tag: 'v0.8.0'"))
        #expect(String(decoding: files["charts/multus/values.yaml"]!, as: UTF8.self).contains("repository: \"release.example.io/mod/multus\""))

        // A rerun publishes nothing and sends nothing.
        let again = await site.sync()
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("Done: 0 published, 2 already present, 0 failed; images: 0 pushed, 4 unchanged; 0 blob(s) uploaded"))
        // --quiet: the final line only, no chart lines.
        let quiet = await site.sync(["-q"])
        #expect(quiet.exitCode == 0 && quiet.stdout.split(separator: "\n").map { $0.hasPrefix("Done: 0 published, 2 already present") } == [true],
                "\(quiet.stdout)")
    }

    @Test func dryRunChangesNothing() async throws {
        let site = try site()
        let (spidernet, _) = modules()
        try site.bundle("spidernet-0.8.0.bundle.tar", spidernet)
        _ = try site.write(config: localConfig(site))
        let result = await site.sync(["--dry-run"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("value values.yaml: spiderpool.image.registry: ghcr.io → \(site.registry.host)"))
        #expect(result.stdout.contains("value charts/multus/values.yaml: image.repository: spidernet/multus → release.example.io/mod/multus"))
        #expect(result.stdout.contains("image ghcr.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0 → \(site.registry.host)/release.example.io/mod/spiderpool-agent:v0.8.0"))
        #expect(!FileManager.default.fileExists(atPath: site.dir.file("local-repo")))
        #expect(!FileManager.default.fileExists(atPath: site.dir.file("cache")))
        let methods = Set(site.registry.log.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "http.request.method=") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " })
        })
        #expect(methods.isSubset(of: ["GET", "HEAD"]), "dry run sent \(methods)")
    }

    @Test func ociTargetThatHelmPulls() async throws {
        let registry = try LiveRegistry.start(.plain)
        let site = try egressSite(repo: "{kind: OCI, url: \"http://\(registry.host)/charts\"}")
        let result = await site.sync()
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let pulled = try HelmEngine.pull("oci://\(registry.host)/charts/egress", version: "1.2.0", into: site.dir.file("pulled"))
        try site.expectImagesInRegistry(chart: pulled, expectedCount: 1)
        let again = await site.sync()
        #expect(again.stdout.contains("1 already present"))
    }

    @Test func chartMuseumAndHarborUploads() async throws {
        for flavor in [FakeChartMuseum.Flavor.chartmuseum, .harbor] {
            let site = try site()
            let museum = try FakeChartMuseum(flavor)
            let (_, egress) = modules()
            try site.bundle("egress-1.2.0.bundle.tar", egress)
            _ = try site.write(config: """
                source: {intermediateBundlesPath: offline}
                target:
                  containerRegistry: \(site.registry.host)
                  containerRepository: release.example.io/mod
                  repo:
                    kind: \(flavor == .chartmuseum ? "CHARTMUSEUM" : "HARBOR")
                    url: \(museum.url)
                    auth: {username: \(museum.username), password: wrong}
                """)
            // Credentials from the environment, as charts-syncer reads them.
            let env = ["TARGET_REPO_AUTH_USERNAME": museum.username, "TARGET_REPO_AUTH_PASSWORD": museum.password]
            let result = await site.sync(env: env)
            #expect(result.exitCode == 0, "\(flavor): \(result.stdout)\(result.stderr)\n\(museum.log)")
            #expect(museum.charts == ["egress-1.2.0.tgz"])
            #expect(museum.log.contains("201 stored egress-1.2.0"))
            #expect(!result.stdout.contains(museum.password) && !result.stderr.contains(museum.password))
            let stored = site.dir.file("stored.tgz")
            try Data(contentsOf: URL(fileURLWithPath: museum.storage + "/egress-1.2.0.tgz")).write(to: URL(fileURLWithPath: stored))
            try site.expectImagesInRegistry(chart: stored, expectedCount: 1)
            // Already there: not uploaded again; --force replaces it.
            let again = await site.sync(env: env)
            #expect(again.stdout.contains("1 already present"))
            let forced = await site.sync(["--force"], env: env)
            #expect(forced.exitCode == 0)
            #expect(museum.log.split(separator: "\n").filter { $0.contains("201 stored") }.count == 2)
        }
    }

    @Test func harborWithoutChartRepositoryNamesTheOCIURL() async throws {
        let museum = try FakeChartMuseum(.harbor28)
        let site = try egressSite(repo: "{kind: HARBOR, url: \"\(museum.url)\"}")
        let result = await site.sync()
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("Harbor 2.8"))
        #expect(result.stdout.contains("http://\(museum.host)/library"), "\(result.stdout)")
        #expect(result.stdout.contains("hint: set target.repo.kind: OCI"), "\(result.stdout)")
        let json = await site.sync(["--output", "json"])
        let summary = try #require(try Documents.lines(SyncSummaryDocument.self, json.stdout, event: "summary").first, "\(json.stdout)")
        #expect(!summary.ok && summary.report.charts.map(\.errorCode) == ["harborWithoutChartRepository"], "\(json.stdout)")
    }

    @Test func badBundlesFailAloneAndTheOthersSync() async throws {
        let site = try site()
        let (_, egress) = modules()
        try site.bundle("egress-1.2.0.bundle.tar", egress)
        // Hints that do not parse.
        var broken = ChartFixture(name: "broken-hints", version: "1.0.0", images: [("app", TestImage.make("r.io/a/app:1"))])
        broken.hints = ["{{ .app.image.registry }}/{{ .app.image.repository }}/{{ .app.image.extra }}"]
        try site.bundle("broken-hints-1.0.0.bundle.tar", broken)
        // A hinted image missing from images.tar.
        let missing = ChartFixture(name: "missing-image", version: "1.0.0", images: [("app", TestImage.make("r.io/a/present:1")), ("other", TestImage.make("r.io/a/absent:1"))])
        try site.bundle("missing-image-1.0.0.bundle.tar", missing, images: [missing.images[0].image])
        // A hint naming a values key that is not there.
        var absentKey = ChartFixture(name: "absent-key", version: "1.0.0", images: [("app", TestImage.make("r.io/a/k:1"))])
        absentKey.hints = ["{{ .app.image.registry }}/{{ .app.image.repository }}:{{ .app.image.version }}"]
        try site.bundle("absent-key-1.0.0.bundle.tar", absentKey)
        // A truncated bundle.
        let cut = ChartFixture(name: "truncated", version: "1.0.0", images: [("app", TestImage.make("r.io/a/t:1", layerSizes: [40_000]))])
        try site.bundle("truncated-1.0.0.bundle.tar", cut)
        let path = site.dir.file("offline/truncated-1.0.0.bundle.tar")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 30_000).write(to: URL(fileURLWithPath: path))
        _ = try site.write(config: localConfig(site))

        let result = await site.sync()
        #expect(result.exitCode == 1)
        let out = result.stdout
        #expect(out.contains("published egress 1.2.0"))
        #expect(out.contains("failed    broken-hints") && out.contains("3 registry/repository placeholders"))
        #expect(out.contains("failed    missing-image") && out.contains("r.io/a/absent:1") && out.contains("not in"))
        #expect(out.contains("failed    absent-key") && out.contains("app.image.version"))
        #expect(out.contains("truncated-1.0.0.bundle.tar") && out.contains("truncated"))
        #expect(out.contains("Done: 1 published, 0 already present, 4 failed"))
        // Nothing of the failed charts was published.
        let published = try FileManager.default.contentsOfDirectory(atPath: site.dir.file("local-repo")).sorted()
        #expect(published == ["egress-1.2.0.tgz", "index.yaml"])
    }

    @Test func authenticatedRegistryWithCredentialsFromConfigAndEnvironment() async throws {
        let site = try site(.basicAuth)
        let (_, egress) = modules()
        try site.bundle("egress-1.2.0.bundle.tar", egress)
        _ = try site.write(config: localConfig(site, extra: """
              containers:
                auth:
                  username: "\(site.registry.username)"
                  password: "not-the-password"
            """))
        let result = await site.sync([], env: ["TARGET_CONTAINERS_AUTH_PASSWORD": site.registry.password])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains(site.registry.password) && !result.stderr.contains(site.registry.password))
        try site.expectImagesInRegistry(chart: site.dir.file("local-repo/egress-1.2.0.tgz"), expectedCount: 1)
        let wrong = await site.sync()
        #expect(wrong.exitCode == 3)
        #expect(wrong.stderr.contains(site.registry.username) && !wrong.stderr.contains("not-the-password"))
    }

    @Test func insecureAppliesToTheImageRegistry() async throws {
        let site = try site(.tls)
        let (_, egress) = modules()
        try site.bundle("egress-1.2.0.bundle.tar", egress)
        _ = try site.write(config: localConfig(site, extra: """
              containers:
                auth: {username: "\(site.registry.username)", password: "\(site.registry.password)"}
            """))
        let verified = await site.sync()
        #expect(verified.exitCode == 3)
        #expect(verified.stderr.contains("TLS") && verified.stderr.contains(site.registry.host))
        let insecure = await site.sync(["--insecure"])
        #expect(insecure.exitCode == 0, "\(insecure.stdout)\(insecure.stderr)")
        try site.expectImagesInRegistry(chart: site.dir.file("local-repo/egress-1.2.0.tgz"), expectedCount: 1)
    }

    @Test func twoModulesClaimingOneNameFailOnlyTheLaterOne() async throws {
        let site = try site()
        try site.bundle("a-1.0.0.bundle.tar", ChartFixture(name: "a", version: "1.0.0", images: [("app", TestImage.make("r.io/one/app:1"))]))
        try site.bundle("b-1.0.0.bundle.tar", ChartFixture(name: "b", version: "1.0.0", images: [("app", TestImage.make("r.io/two/app:1"))]))
        _ = try site.write(config: localConfig(site))
        let result = await site.sync()
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("published a 1.0.0"))
        #expect(result.stdout.contains("failed    b 1.0.0") && result.stdout.contains("would name two different images"))
    }

    @Test func configErrorsExitTwoWithTheLine() async throws {
        let site = try site()
        _ = try site.write(config: "source:\n  intermediateBundlesPath: offline\ntarget:\n  containerRegistry: r\n  repoo: {}\n")
        let result = await site.sync()
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("load-image.yaml:5") && result.stderr.contains("unknown key 'target.repoo'"))
    }

    @Test func latestVersionOnlyAndSkipImages() async throws {
        let site = try site()
        let image = TestImage.make("r.io/a/app:1")
        try site.bundle("app-1.0.0.bundle.tar", ChartFixture(name: "app", version: "1.0.0", images: [("app", image)]))
        try site.bundle("app-1.1.0.bundle.tar", ChartFixture(name: "app", version: "1.1.0", images: [("app", image)]))
        _ = try site.write(config: localConfig(site))
        let result = await site.sync(["--latest-version-only", "--skip-images"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: site.dir.file("local-repo")).sorted() == ["app-1.1.0.tgz", "index.yaml"])
        let catalog = try Subprocess.check("curl", ["-s", "\(site.registry.baseURL)/v2/_catalog"])
        #expect(catalog.contains("\"repositories\":[]"))
    }
}
