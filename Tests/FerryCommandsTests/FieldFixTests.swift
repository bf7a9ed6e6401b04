#if canImport(Glibc)
#endif
import FerryArchive
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Glibc
import Testing

/// What archives and repositories look like in the field: Go's `null` lists, images without names,
/// tags that already point at other bytes, zstd layers, files that are not tars at all, and a
/// compression cache that must never vouch for bytes verify has not read.
@Suite struct FieldFixTests {
    static let relocationRegistry = "ferry.test:5000"
    static let relocationPrefix = "site/proj"

    func env(_ dir: TemporaryDirectory) -> [String: String] { ["FERRY_CACHE_DIR": dir.file("cache")] }

    func push(_ source: String, to registry: LiveRegistry, prefix: String, extra: [String] = [],
              _ dir: TemporaryDirectory) async -> CLIRunner.Result {
        await CLIRunner.run(["push", source, "--registry", registry.host, "--repository", prefix] + registry.ferryFlags + extra,
                            environment: env(dir))
    }

    /// `<registry>/<prefix>/<last path element>:<tag>` of an image name.
    func target(_ name: String, _ host: String, _ prefix: String) throws -> String {
        let reference = try Reference(parsing: name)
        return "\(host)/\(prefix)/\(reference.lastPathElement):\(try #require(reference.tag))"
    }

    /// The manifest digest a push of `image` from `style` lands with; nil where Ferry gzips the
    /// layers itself (uncompressed docker-save archives), so only the config and layers are known.
    func pushedDigest(_ image: TestImage, _ style: ArchiveStyle) -> Digest? {
        switch style {
        case .ggcr: return Digest.of(image.chartsSyncerManifest)
        case .docker25: return Digest.of(image.ociUncompressedManifest)
        case .ociTar, .ociDirectory: return Digest.of(image.ociManifest)
        case .legacyDockerSave, .skopeo: return image.layers.isEmpty ? Digest.of(image.chartsSyncerManifest) : nil
        }
    }

    /// The images of `inspect --output json`, one dictionary each.
    func inspected(_ path: String, _ dir: TemporaryDirectory) async throws -> [InspectDocument.Image] {
        let json = await CLIRunner.run(["inspect", path, "--output", "json"], environment: env(dir))
        #expect(json.exitCode == 0, "inspect --output json of \(path): \(json.stdout)\(json.stderr)")
        return try Documents.decode(InspectDocument.self, json.stdout).sources.flatMap(\.images)
    }

    /// Every problem line `ferry verify --output json` reports.
    func verifyProblems(_ path: String, _ dir: TemporaryDirectory) async throws -> (exitCode: Int32, problems: [String]) {
        let result = await CLIRunner.run(["verify", path, "--output", "json"], environment: env(dir))
        let problems = try Documents.decode(BlobVerifier.Result.self, result.stdout).problems
        return (result.exitCode, problems)
    }

    /// Images written as Go programs write them: a zero-layer image (`"diff_ids":null`, `"history":null`,
    /// `"Layers":null` / `"layers":null`) and an ordinary one, both with Go's nulls.
    func goNullImages(_ prefix: String) -> [TestImage] {
        [TestImage.make("r.io/\(prefix)/empty:1.0", layerSizes: [], goNulls: true),
         TestImage.make("r.io/\(prefix)/app:1.0", layerSizes: [3000], goNulls: true)]
    }

    // MARK: - Go's null

    @Test func fixturesWriteGoNulls() throws {
        let dir = try TemporaryDirectory()
        var images = goNullImages("fx")
        var byID = TestImage.make("r.io/fx/byid:1", layerSizes: [100], goNulls: true)
        byID.unnamed = true
        images.append(byID)
        let config = String(decoding: images[0].config, as: UTF8.self)
        #expect(config.contains(#""rootfs":{"type":"layers","diff_ids":null}"#) && config.contains(#""history":null"#), "\(config)")
        #expect(String(decoding: images[0].ociManifest, as: UTF8.self).contains(#""layers":null"#))
        try ArchiveFixture.write(images, style: .ggcr, to: dir.file("ggcr.tar"))
        let manifest = try Subprocess.check("tar", ["-xOf", dir.file("ggcr.tar"), "manifest.json"])
        #expect(manifest.contains(#""Layers":null"#) && manifest.contains(#""RepoTags":null"#), "\(manifest)")
        try ArchiveFixture.write(images, style: .ociTar, to: dir.file("oci.tar"))
        let index = try Subprocess.check("tar", ["-xOf", dir.file("oci.tar"), "index.json"])
        #expect(index.contains(#""annotations":null"#), "\(index)")
    }

    /// Archives in every writer's style with Go's nulls: inspected, verified, pushed (skopeo copies each
    /// image back out and checks its digests), retagged, and the retagged archive loaded by podman.
    @Test(arguments: ArchiveStyle.allCases)
    func goNullArchivesInspectVerifyPushRetagAndLoad(_ style: ArchiveStyle) async throws {
        let dir = try TemporaryDirectory()
        let images = goNullImages("go-\(style.rawValue.lowercased())")
        let path = dir.file(style == .ociDirectory ? "layout" : "go.tar")
        try ArchiveFixture.write(images, style: style, to: path)

        let text = await CLIRunner.run(["inspect", path], environment: env(dir))
        #expect(text.exitCode == 0, "\(style): \(text.stdout)\(text.stderr)")
        for image in images { #expect(text.stdout.contains(image.name), "\(style): \(text.stdout)") }
        let listed = try await inspected(path, dir)
        #expect(listed.count == 2 && listed.allSatisfy(\.named), "\(style): \(listed)")
        #expect(Set(listed.map(\.layers)) == [0, 1], "\(style): \(listed)")

        let verify = await CLIRunner.run(["verify", path], environment: env(dir))
        #expect(verify.exitCode == 0, "\(style): \(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("OK: "), "\(style): \(verify.stdout)")

        let registry = try LiveRegistry.start(.plain)
        let pushed = await push(path, to: registry, prefix: "go/nulls", dir)
        #expect(pushed.exitCode == 0, "\(style): \(pushed.stdout)\(pushed.stderr)")
        #expect(pushed.stdout.contains("Done: 2 pushed, 0 unchanged, 0 failed"), "\(style): \(pushed.stdout)")
        for image in images {
            let reference = try target(image.name, registry.host, "go/nulls")
            let copy = try Skopeo.copy(reference, from: registry, into: dir)
            if let digest = pushedDigest(image, style) {
                #expect(copy.manifestDigest == digest, "\(style): \(reference)")
            }
            #expect(copy.blobs.contains(image.configDigest), "\(style): \(reference) must carry the Go-written config as it is")
            let manifest = try ManifestDocument(bytes: copy.manifestBytes, declared: nil, origin: reference).manifest()
            #expect(manifest.config.digest == image.configDigest, "\(style): \(reference)")
            #expect(manifest.layers.count == image.layers.count, "\(style): \(reference)")
            #expect(copy.blobs.count == image.layers.count + 1, "\(style): \(reference): \(copy.blobs)")
        }

        let out = dir.file("retagged.tar")
        let retag = await CLIRunner.run(["retag", path, "--registry", Self.relocationRegistry, "--repository", Self.relocationPrefix, "-o", out],
                                        environment: env(dir))
        #expect(retag.exitCode == 0, "\(style): \(retag.stdout)\(retag.stderr)")
        let podman = try Podman()
        let loaded = try podman.load(out)
        #expect(loaded.status == 0, "\(style): podman load: \(loaded.stdout)\(loaded.stderr)")
        let inStore = try podman.images()
        for image in images {
            let name = try target(image.name, Self.relocationRegistry, Self.relocationPrefix)
            #expect(inStore[name] == image.configDigest.string, "\(style): podman after load: \(inStore)")
        }
    }

    /// A bundle whose images.tar is a go-containerregistry archive with Go's nulls: inspected,
    /// verified, pushed, retagged and imported by a real containerd.
    @Test func goNullBundleInspectVerifyPushRetagAndImport() async throws {
        let dir = try TemporaryDirectory()
        let images = goNullImages("bundle")
        let path = dir.file("gonull-1.0.0.bundle.tar")
        try BundleFixture.write(to: path, chartName: "gonull", version: "1.0.0", images: images)

        let text = await CLIRunner.run(["inspect", path], environment: env(dir))
        #expect(text.exitCode == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("chart: gonull 1.0.0"), "\(text.stdout)")
        let verify = await CLIRunner.run(["verify", path], environment: env(dir))
        #expect(verify.exitCode == 0, "\(verify.stdout)\(verify.stderr)")

        let registry = try LiveRegistry.start(.plain)
        let pushed = await push(path, to: registry, prefix: "go/bundle", dir)
        #expect(pushed.exitCode == 0, "\(pushed.stdout)\(pushed.stderr)")
        for image in images {
            let copy = try Skopeo.copy(try target(image.name, registry.host, "go/bundle"), from: registry, into: dir)
            #expect(copy.manifestBytes == image.chartsSyncerManifest)
        }

        let out = dir.file("retagged.tar")
        let retag = await CLIRunner.run(["retag", path, "--registry", Self.relocationRegistry, "--repository", Self.relocationPrefix, "-o", out],
                                        environment: env(dir))
        #expect(retag.exitCode == 0, "\(retag.stdout)\(retag.stderr)")
        let containerd = try LiveContainerd()
        let imported = try Subprocess.run("ctr", ["-a", containerd.socket, "-n", "gonull", "images", "import", out])
        #expect(imported.status == 0, "ctr import: \(imported.stdout)\(imported.stderr)")
        let listed = try containerd.images(namespace: "gonull")
        for image in images {
            let name = try target(image.name, Self.relocationRegistry, Self.relocationPrefix)
            #expect(listed[name] == Digest.of(image.chartsSyncerManifest).string, "ctr images ls: \(listed)")
        }
    }

    /// Unnamed images written with Go's nulls (`"RepoTags":null`, index.json `"annotations":null`)
    /// beside named ones: listed (`"named": false`, with layer details), verified, listed by the dry run
    /// as cannot push, refused by push while the named ones land, refused by retag while the named
    /// ones load.
    @Test(arguments: [ArchiveStyle.ggcr, .legacyDockerSave, .ociTar])
    func goNullUnnamedImagesAreListedAndTheNamedOnesGo(_ style: ArchiveStyle) async throws {
        let dir = try TemporaryDirectory()
        let named = TestImage.make("r.io/mixed/named:2", layerSizes: [1500], goNulls: true)
        var byID = TestImage.make("r.io/mixed/byid:1", layerSizes: [1200], goNulls: true)
        byID.unnamed = true
        let path = dir.file("mixed.tar")
        try ArchiveFixture.write([byID, named], style: style, to: path)

        let listed = try await inspected(path, dir)
        #expect(listed.count == 2, "\(style): \(listed)")
        let anonymous = try #require(listed.first { !$0.named }, "\(style): no image with \"named\": false: \(listed)")
        #expect(anonymous.names.first?.hasPrefix("(no name) sha256:") == true, "\(style): \(anonymous)")
        let details = anonymous.layerDetails
        #expect(details.count == 1 && details[0].digest.hasPrefix("sha256:") && !details[0].compression.isEmpty, "\(style): \(details)")
        #expect(listed.first { $0.named }?.names.isEmpty == false)

        let verify = await CLIRunner.run(["verify", path], environment: env(dir))
        #expect(verify.exitCode == 0, "\(style): \(verify.stdout)\(verify.stderr)")

        let registry = try LiveRegistry.start(.plain)
        let dryRun = await push(path, to: registry, prefix: "mixed", extra: ["--dry-run"], dir)
        #expect(dryRun.exitCode == 0, "\(style): \(dryRun.stdout)\(dryRun.stderr)")
        let cannot = dryRun.stdout.split(separator: "\n").filter { $0.contains("cannot push") }
        #expect(cannot.count == 1 && cannot[0].contains("(no name) sha256:") && cannot[0].contains("no name"), "\(style): \(dryRun.stdout)")
        #expect(dryRun.stdout.contains("\(registry.host)/mixed/named:2"), "\(style): \(dryRun.stdout)")
        let jsonDryRun = await push(path, to: registry, prefix: "mixed", extra: ["--dry-run", "--output", "json"], dir)
        let plan = try Documents.decode(PushPlanDocument.self, jsonDryRun.stdout)
        #expect(plan.unnamed.count == 1 && plan.unnamed[0].contains("no name"), "\(style): \(jsonDryRun.stdout)")
        #expect(plan.images.count == 1, "\(style): \(jsonDryRun.stdout)")

        let pushed = await push(path, to: registry, prefix: "mixed", dir)
        #expect(pushed.exitCode == 1, "\(style): \(pushed.stdout)\(pushed.stderr)")
        #expect(pushed.stdout.contains("Done: 1 pushed, 0 unchanged, 1 failed"), "\(style): \(pushed.stdout)")
        #expect(pushed.stderr.contains("no name"), "\(style): \(pushed.stderr)")
        let copy = try Skopeo.copy("\(registry.host)/mixed/named:2", from: registry, into: dir)
        if let digest = pushedDigest(named, style) { #expect(copy.manifestDigest == digest, "\(style)") }
        #expect(copy.blobs.contains(named.configDigest), "\(style)")

        let out = dir.file("retagged.tar")
        let retag = await CLIRunner.run(["retag", path, "--registry", Self.relocationRegistry, "--repository", Self.relocationPrefix, "-o", out],
                                        environment: env(dir))
        #expect(retag.exitCode == 1 && (retag.stdout + retag.stderr).contains("no name"), "\(style): \(retag.stdout)\(retag.stderr)")
        let podman = try Podman()
        let loaded = try podman.load(out)
        #expect(loaded.status == 0, "\(style): podman load: \(loaded.stderr)")
        #expect(try podman.images()["\(Self.relocationRegistry)/\(Self.relocationPrefix)/named:2"] == named.configDigest.string)
    }

    /// A LOCAL chart repository whose index.yaml Helm (Go) wrote with nulls: `sync` merges into it,
    /// keeps the other entries, and Helm reads the result and pulls the new chart through it.
    @Test func syncMergesIntoALocalIndexWithGoNulls() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("sync")
        let chart = ChartFixture(name: "egress", version: "1.2.0", images: [("controller", TestImage.make("docker.io/library/egress:1.2.0"))])
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/egress-1.2.0.bundle.tar"), chart: chart)
        let digest = String(repeating: "ab", count: 32)
        _ = try dir.write("local-repo/index.yaml", """
            apiVersion: v1
            entries:
              egress: null
              other:
              - apiVersion: v2
                name: other
                version: 0.1.0
                description: kept from before
                keywords: null
                maintainers: null
                sources: null
                urls:
                - other-0.1.0.tgz
                digest: \(digest)
                created: "2024-01-02T03:04:05.000000006Z"
              stale:
              - apiVersion: v2
                name: stale
                version: 0.0.1
                keywords: null
                urls: null
                created: "2024-01-02T03:04:05Z"
            generated: "2024-01-02T03:04:05Z"

            """)
        _ = try dir.write("load-image.yaml", """
            source:
              intermediateBundlesPath: offline
            target:
              containerRegistry: \(registry.host)
              containerRepository: release.example.io/mod
              repo:
                kind: LOCAL
                path: ./local-repo
            """)
        let result = await CLIRunner.run(["sync", "--config", dir.file("load-image.yaml")],
                                         environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Done: 1 published, 0 already present, 0 failed"), "\(result.stdout)")

        let index = try String(contentsOfFile: dir.file("local-repo/index.yaml"), encoding: .utf8)
        #expect(index.contains("egress-1.2.0.tgz") && index.contains("name: other") && index.contains("name: stale"), "\(index)")
        #expect(index.contains(digest), "the other chart's entry must be kept: \(index)")
        let (entries, pulled) = try HelmEngine.loadRepository(dir.file("local-repo"), pull: "egress", version: "1.2.0", into: dir.file("pulled"))
        #expect(entries["egress"] == ["1.2.0"] && entries["other"] == ["0.1.0"], "Helm read \(entries)")
        let rendered = try HelmEngine.renderedImages(chart: pulled)
        #expect(rendered == ["\(registry.host)/release.example.io/mod/egress:1.2.0"], "\(rendered)")
    }

    // MARK: - No silent tag moves

    @Test func pushRefusesToMoveATagUnlessForced() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let a = TestImage.make("r.io/team/app:1.0.0", layerSizes: [2000])
        try ArchiveFixture.write([a], style: .ggcr, to: dir.file("a.tar"))
        let first = await push(dir.file("a.tar"), to: registry, prefix: "proj", dir)
        #expect(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        let digestA = Digest.of(a.chartsSyncerManifest)
        let appTarget = "\(registry.host)/proj/app:1.0.0"
        #expect(try Skopeo.copy(appTarget, from: registry, into: dir).manifestDigest == digestA)

        // Other bytes under the same name, in a bundle with another image beside it.
        let b = TestImage.make("r.io/team/app:1.0.0", layerSizes: [2500])
        let other = TestImage.make("r.io/team/other:1", layerSizes: [1000])
        let bundle = dir.file("app-1.0.0.bundle.tar")
        try BundleFixture.write(to: bundle, chartName: "app", version: "1.0.0", images: [b, other])
        let digestB = Digest.of(b.chartsSyncerManifest)

        let dryRun = await push(bundle, to: registry, prefix: "proj", extra: ["--dry-run"], dir)
        #expect(dryRun.exitCode == 0, "\(dryRun.stdout)\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("tag moves: \(digestA) → \(digestB)"), "\(dryRun.stdout)")
        let jsonDryRun = await push(bundle, to: registry, prefix: "proj", extra: ["--dry-run", "--output", "json"], dir)
        #expect(jsonDryRun.exitCode == 0, "\(jsonDryRun.stdout)\(jsonDryRun.stderr)")
        let planned = try Documents.decode(PushPlanDocument.self, jsonDryRun.stdout).images
        let app = try #require(planned.first { $0.targets == [appTarget] }, "\(planned)")
        #expect(app.tagMovesFrom[appTarget] == digestA.string, "\(app)")
        #expect(app.status == .refused, "\(app)")
        let otherPlan = planned.first { $0.targets == ["\(registry.host)/proj/other:1"] }
        #expect(otherPlan?.tagMovesFrom.isEmpty == true, "\(String(describing: otherPlan))")

        let refused = await push(bundle, to: registry, prefix: "proj", dir)
        #expect(refused.exitCode == 1, "\(refused.stdout)\(refused.stderr)")
        let message = refused.stderr.split(separator: "\n").first { $0.contains(digestA.string) && $0.contains(digestB.string) }
        #expect(message?.contains("--force") == true, "the refusal must name both digests and --force: \(refused.stderr)")
        #expect(refused.stdout.contains("Done: 1 pushed, 0 unchanged, 1 failed"), "\(refused.stdout)")
        #expect(try Skopeo.copy(appTarget, from: registry, into: dir).manifestDigest == digestA, "the registry must still serve A")
        let otherCopy = try Skopeo.copy("\(registry.host)/proj/other:1", from: registry, into: dir)
        #expect(otherCopy.manifestBytes == other.chartsSyncerManifest, "the other image of the run must still be pushed")

        let forced = await push(bundle, to: registry, prefix: "proj", extra: ["--force"], dir)
        #expect(forced.exitCode == 0, "\(forced.stdout)\(forced.stderr)")
        #expect((forced.stdout + forced.stderr).contains("moved \(appTarget): \(digestA) → \(digestB)"), "\(forced.stdout)\(forced.stderr)")
        let moved = try Skopeo.copy(appTarget, from: registry, into: dir)
        #expect(moved.manifestDigest == digestB && moved.blobs.isSuperset(of: b.layers.map(\.digest)), "the registry must now serve B")

        // Now the tag is B's: without --force it is simply unchanged.
        let again = await push(bundle, to: registry, prefix: "proj", dir)
        #expect(again.exitCode == 0 && again.stdout.contains("Done: 0 pushed, 2 unchanged, 0 failed"), "\(again.stdout)\(again.stderr)")
    }

    @Test func syncRefusesToMoveATagUnlessForced() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("sync")
        let prefix = "release.example.io/mod"
        // What is in the site registry already: A under the name the bundle's image relocates to.
        let a = TestImage.make("r.io/elsewhere/app:1.0.0", layerSizes: [1800])
        try ArchiveFixture.write([a], style: .ggcr, to: dir.file("a.tar"))
        let seeded = await push(dir.file("a.tar"), to: registry, prefix: prefix, dir)
        #expect(seeded.exitCode == 0, "\(seeded.stdout)\(seeded.stderr)")
        let digestA = Digest.of(a.chartsSyncerManifest)
        let appTarget = "\(registry.host)/\(prefix)/app:1.0.0"

        let b = TestImage.make("ghcr.io/vendor/app:1.0.0", layerSizes: [2200])
        let digestB = Digest.of(b.chartsSyncerManifest)
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/app-1.0.0.bundle.tar"),
                                chart: ChartFixture(name: "app", version: "1.0.0", images: [("app", b)]))
        let egress = TestImage.make("docker.io/library/egress:1.2.0", layerSizes: [900])
        try BundleFixture.write(to: dir.file("offline/egress-1.2.0.bundle.tar"),
                                chart: ChartFixture(name: "egress", version: "1.2.0", images: [("controller", egress)]))
        _ = try dir.write("load-image.yaml", """
            source:
              intermediateBundlesPath: offline
            target:
              containerRegistry: \(registry.host)
              containerRepository: \(prefix)
              repo:
                kind: LOCAL
                path: ./local-repo
            """)
        func sync(_ extra: [String]) async -> CLIRunner.Result {
            await CLIRunner.run(["sync", "--config", dir.file("load-image.yaml")] + extra,
                                environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
        }

        let dryRun = await sync(["--dry-run"])
        #expect(dryRun.exitCode == 0, "\(dryRun.stdout)\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("tag moves: \(digestA) → \(digestB)"), "\(dryRun.stdout)")
        let jsonDryRun = await sync(["--dry-run", "--output", "json"])
        let charts = try #require(try Documents.lines(SyncPlanDocument.self, jsonDryRun.stdout, event: "plan").first).charts
        let appImages = charts.first { $0.name == "app" }?.images
        #expect(appImages?.first?.tagMovesFrom == digestA.string, "\(jsonDryRun.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("local-repo/app-1.0.0.tgz")))

        let refused = await sync([])
        #expect(refused.exitCode == 1, "\(refused.stdout)\(refused.stderr)")
        let failedLine = refused.stdout.split(separator: "\n").first { $0.hasPrefix("failed") && $0.contains("app 1.0.0") }
        #expect(failedLine != nil, "the app chart must be reported failed: \(refused.stdout)")
        let output = refused.stdout + refused.stderr
        #expect(output.contains(digestA.string) && output.contains(digestB.string) && output.contains("--force"), "\(output)")
        #expect(refused.stdout.contains("published egress 1.2.0"), "the other bundle still syncs: \(refused.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("local-repo/app-1.0.0.tgz")), "a chart whose image was refused must not be published")
        #expect(try Skopeo.copy(appTarget, from: registry, into: dir).manifestDigest == digestA, "the registry must still serve A")

        let forced = await sync(["--force"])
        #expect(forced.exitCode == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.file("local-repo/app-1.0.0.tgz")))
        #expect(try Skopeo.copy(appTarget, from: registry, into: dir).manifestDigest == digestB, "the registry must now serve B")
        let rendered = try HelmEngine.renderedImages(chart: dir.file("local-repo/app-1.0.0.tgz"))
        #expect(rendered == [appTarget], "\(rendered)")
    }

    // MARK: - zstd

    /// An OCI layout with a gzip layer and a zstd layer (compressed by the zstd CLI).
    func zstdImage(_ name: String) throws -> TestImage {
        let zstd = try TestLayer.random(size: 5000, name: "z.bin").zstdCompressed()
        return TestImage(name: name, layers: [TestLayer.random(size: 3000), zstd])
    }

    @Test(arguments: [ArchiveStyle.ociTar, .ociDirectory])
    func zstdLayersAreVerifiedAndShown(_ style: ArchiveStyle) async throws {
        let dir = try TemporaryDirectory()
        let image = try zstdImage("r.io/z/zstd:1")
        let zstdLayer = image.layers[1]
        #expect(Compression.detect(Array(try #require(zstdLayer.zstd).prefix(8))) == .zstd)
        let path = dir.file(style == .ociDirectory ? "layout" : "zstd.tar")
        try ArchiveFixture.write([image], style: style, to: path)

        let verify = await CLIRunner.run(["verify", path], environment: env(dir))
        #expect(verify.exitCode == 0, "\(style): \(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("OK: 3 blob(s)"), "\(style): \(verify.stdout)")

        let listed = try await inspected(path, dir)
        let details = try #require(listed.first?.layerDetails, "\(style): \(listed)")
        let byDigest = Dictionary(uniqueKeysWithValues: details.map { ($0.digest, $0) })
        #expect(byDigest[zstdLayer.digest.string]?.compression == "zstd", "\(style): \(details)")
        #expect(byDigest[zstdLayer.digest.string]?.mediaType == MediaType.ociLayerZstd, "\(style): \(details)")
        #expect(byDigest[image.layers[0].digest.string]?.compression == "gzip", "\(style): \(details)")

        let verbose = await CLIRunner.run(["inspect", path, "--verbose"], environment: env(dir))
        #expect(verbose.exitCode == 0, "\(style): \(verbose.stderr)")
        let layerLines = verbose.stdout.split(separator: "\n").filter { $0.contains("layer sha256:") }
        #expect(layerLines.count == 2, "\(style): every layer on its own line: \(verbose.stdout)")
        #expect(layerLines.contains { $0.contains(zstdLayer.digest.string) && $0.contains("zstd") }, "\(style): \(verbose.stdout)")
        #expect(layerLines.contains { $0.contains(image.layers[0].digest.string) && $0.contains("gzip") }, "\(style): \(verbose.stdout)")

        // Zstd bytes of another tar, named by their own digest, under the first tar's diff_id.
        var lying = zstdLayer
        let stranger = try TestLayer.random(size: 5000, name: "z.bin").zstdCompressed()
        lying.zstd = stranger.zstd
        lying.digest = stranger.digest
        let bad = TestImage(name: "r.io/z/zstd:1", layers: [image.layers[0], lying])
        let badPath = dir.file(style == .ociDirectory ? "bad-layout" : "bad.tar")
        try ArchiveFixture.write([bad], style: style, to: badPath)
        let (code, problems) = try await verifyProblems(badPath, dir)
        #expect(code == 1, "\(style): \(problems)")
        #expect(problems.count == 1, "\(style): \(problems)")
        #expect(problems.first.map { $0.contains("blobs/sha256/\(stranger.digest.hex)") && $0.contains("diff_id") && $0.contains(zstdLayer.diffID.string) } == true,
                "\(style): the problem must name the blob and its diff_id: \(problems)")
    }

    // MARK: - Messages

    @Test func filesThatAreNotTarsAreDescribed() async throws {
        let dir = try TemporaryDirectory()
        func inspect(_ path: String) async -> String {
            let result = await CLIRunner.run(["inspect", path], environment: env(dir))
            #expect(result.exitCode == 2, "inspect of \(path): \(result.stdout)\(result.stderr)")
            let text = result.stdout + result.stderr
            #expect(!text.contains("truncated"), "a file that is not a tar is not 'truncated': \(text)")
            return text
        }

        let yaml = try dir.write("load-image.yaml", "source:\n  intermediateBundlesPath: offline\ntarget:\n  containerRegistry: r\n")
        let yamlText = await inspect(yaml)
        #expect(yamlText.contains("not a tar archive") && yamlText.contains("starts with YAML") && yamlText.contains(yaml), "\(yamlText)")

        var random = [UInt8](repeating: 0, count: 6)
        repeat {
            for i in random.indices { random[i] = UInt8.random(in: 0...255) }
        } while Compression.detect(random) != .none
        let noise = try dir.write("noise.tar", random)
        let noiseText = await inspect(noise)
        #expect(noiseText.contains("not a tar archive") && noiseText.contains(noise), "\(noiseText)")

        // Bytes that are not UTF-8 (0xde 0xdc begins no valid sequence) are binary data, even with a ':' among them.
        let binary = try dir.write("binary.tar", [0xde, 0xdc, 0x62, 0x3a, 0x44, 0xa6])
        let binaryText = await inspect(binary)
        #expect(binaryText.contains("not a tar archive") && binaryText.contains("binary data"), "\(binaryText)")
        #expect(!binaryText.contains("YAML") && !binaryText.contains("starts with text"), "bytes that are not UTF-8 are not YAML or text: \(binaryText)")

        let gzipped = try dir.write("images.tar.gz", TestLayer.random(size: 2000).gzipped)
        let gzipText = await inspect(gzipped)
        #expect(gzipText.contains("gzip") && gzipText.contains("gunzip"), "\(gzipText)")

        let bundle = dir.file("json-1.0.0.bundle.tar")
        try BundleFixture.write(to: bundle, chartName: "json", version: "1.0.0", images: [TestImage.make("r.io/a/json:1", layerSizes: [10])],
                                imagesTar: Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8))
        let bundleText = await inspect(bundle)
        #expect(bundleText.contains("images.tar") && bundleText.contains("not a tar"), "\(bundleText)")
        #expect(bundleText.contains("JSON"), "\(bundleText)")
    }

    @Test func verifyNamesACorruptBlobOncePerProblem() async throws {
        let dir = try TemporaryDirectory()
        var image = TestImage.make("r.io/a/corrupt:1", layerSizes: [5000, 6000])
        var corrupt = image.layers[1].gzipped
        corrupt[corrupt.count / 2] ^= 0xff
        image.layers[1].gzipped = corrupt
        image.layers[1].digest = Digest.of(corrupt)
        image = TestImage(name: image.name, layers: image.layers)
        let path = dir.file("bad.tar")
        try ArchiveFixture.write([image], style: .ggcr, to: path)
        let entry = "\(image.layers[1].digest.hex).tar.gz"

        let text = await CLIRunner.run(["verify", path], environment: env(dir))
        #expect(text.exitCode == 1, "\(text.stdout)\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("  - ") }
        #expect(lines.count == 1, "\(text.stdout)")
        for line in lines {
            #expect(line.components(separatedBy: entry).count - 1 == 1, "the blob's path must appear once: \(line)")
            #expect(line.contains("gzip") || line.contains("diff_id"), "\(line)")
        }
        let (code, problems) = try await verifyProblems(path, dir)
        #expect(code == 1 && problems.count == 1, "\(problems)")
        for problem in problems {
            #expect(problem.components(separatedBy: entry).count - 1 == 1, "the blob's path must appear once: \(problem)")
            #expect(!problem.contains("\(path)!\(entry): \(path)!\(entry)"), "\(problem)")
        }
    }

    // MARK: - Verify means verify

    @Test func verifyHashesLayersTheCacheAlreadyKnows() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let image = TestImage.make("r.io/cache/app:1", layerSizes: [4000, 3000])
        let original = dir.file("saved.tar")
        try ArchiveFixture.write([image], style: .legacyDockerSave, to: original)
        let pushed = await push(original, to: registry, prefix: "cache", dir)
        #expect(pushed.exitCode == 0, "\(pushed.stdout)\(pushed.stderr)")
        let cached = (try? FileManager.default.subpathsOfDirectory(atPath: dir.file("cache"))) ?? []
        #expect(cached.filter { $0.hasPrefix("gzip/") }.count >= 2, "the push must have filled the compression cache: \(cached)")

        // One byte of the first layer's data flipped: same size, same names, same config.
        var flipped = image
        flipped.layers[0].uncompressed[512 + 100] ^= 0x01
        let copy = dir.file("flipped.tar")
        try ArchiveFixture.write([flipped], style: .legacyDockerSave, to: copy)
        #expect(try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int == (try FileManager.default.attributesOfItem(atPath: original)[.size] as? Int))

        let sound = await CLIRunner.run(["verify", original], environment: env(dir))
        #expect(sound.exitCode == 0, "\(sound.stdout)\(sound.stderr)")
        let (code, problems) = try await verifyProblems(copy, dir)
        #expect(code == 1, "verify must read the bytes, not trust the cache: \(problems)")
        #expect(problems.count == 1 && problems[0].contains("diff_id") && problems[0].contains(image.layers[0].diffID.string)
                && problems[0].contains("layer.tar"), "\(problems)")
    }

    // MARK: - Test support: dockerd leaves no mount behind

    /// A LiveDockerd loads a retagged Go-null archive, and once it is gone nothing stays mounted
    /// under its directory and the directory itself is removed.
    @Test func liveDockerdLoadsAGoNullArchiveAndLeavesNoMount() async throws {
        let dir = try TemporaryDirectory()
        let images = goNullImages("docker")
        try ArchiveFixture.write(images, style: .ggcr, to: dir.file("go.tar"))
        let out = dir.file("retagged.tar")
        let retag = await CLIRunner.run(["retag", dir.file("go.tar"), "--registry", Self.relocationRegistry, "--repository", Self.relocationPrefix, "-o", out],
                                        environment: env(dir))
        #expect(retag.exitCode == 0, "\(retag.stdout)\(retag.stderr)")

        var docker: LiveDockerd? = try LiveDockerd()
        let root = try #require(docker).directory.path
        try DockerCLI(try #require(docker)).check(["load", "-i", out])
        for image in images {
            let name = try target(image.name, Self.relocationRegistry, Self.relocationPrefix)
            #expect(try docker?.imageID(name) == image.configDigest.string, "docker after load of \(name)")
        }
        docker = nil
        // Whatever dockerd mounted under its root (its data root, with some storage drivers) is gone.
        #expect(Self.mounts(under: root).isEmpty, "mounts left under \(root): \(Self.mounts(under: root))")
    }

    static func mounts(under root: String) -> [String] {
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            return point == root || point.hasPrefix(root + "/") ? point : nil
        }
    }
}
