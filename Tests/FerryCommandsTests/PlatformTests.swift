import FerryArchive
import FerryCharts
import FerryCommands
import FerryOCI
import FerrySync
import FerryTestSupport
import Foundation
import Testing

/// `--platform` on push and sync: one platform pushes that child's own bytes; several, a new
/// index of just those; a pinned digest in a chart follows only when the pushed digest differs.
@Suite struct PlatformTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")
    static let arm64 = Platform(os: "linux", architecture: "arm64")
    static let armV7 = Platform(os: "linux", architecture: "arm", variant: "v7")

    func push(_ source: String, _ registry: LiveRegistry, _ extra: [String], _ dir: TemporaryDirectory) async -> CLIRunner.Result {
        await CLIRunner.run(["push", source, "--registry", registry.host, "--repository", "p"] + registry.ferryFlags + extra,
                            environment: ["FERRY_CACHE_DIR": dir.file("cache")])
    }

    @Test func onePlatformOfARealManifestListPushesThatChildsOwnBytes() async throws {
        let images = try await RealImages.shared()
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("platform-one")
        // podman's manifest list, as `podman manifest push --all --format oci` wrote it.
        let source = try #require(try ImageSource.open(images.multiPlatformArchive, compressor: LayerCompressor(cacheDirectory: nil)).sources.first)
        let index = try #require(source.archive.images.first)
        let descriptor = try #require(try index.root.index().manifests.first { $0.platform?.architecture == "arm64" })
        let child = try #require(index.children.first { $0.digest == descriptor.digest })

        let dry = await push(images.multiPlatformArchive, registry, ["--platform", "linux/arm64", "--dry-run", "--output", "json"], dir)
        #expect(dry.exitCode == 0, "\(dry.stderr)")
        let planned = try #require(try Documents.lines(PushPlanDocument.self, dry.stdout, event: "plan").first?.images.first)
        // The plan says, before anything is sent, that the tag will name the child, not the index.
        #expect(planned.digest == child.digest.string && planned.sourceDigest == index.root.digest.string && planned.platforms == ["linux/arm64"],
                "\(dry.stdout)")

        let result = await push(images.multiPlatformArchive, registry, ["--platform", "linux/arm64"], dir)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("linux/arm64 only: the tag names that platform's manifest \(child.digest)"), "\(result.stderr)")
        let target = "\(registry.host)/p/multi:1"
        #expect(try Skopeo.rawManifest(target, from: registry) == child.bytes, "the child's original bytes, as crane copy --platform pushes them")
        let copy = try Skopeo.copy(target, from: registry, into: dir)
        #expect(copy.manifestDigest == child.digest)
    }

    @Test func severalPlatformsMakeANewIndexOfJustThose() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("platform-several")
        let path = dir.file("multi.tar")
        let (indexBytes, made) = try ArchiveFixture.writeMultiPlatform(name: "r.io/m/multi:3", platforms: [Self.amd64, Self.arm64, Self.armV7], to: path)
        let result = await push(path, registry, ["--platform", "linux/amd64", "--platform", "linux/arm/v7"], dir)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("a new index"), "\(result.stderr)")
        let pushed = try Skopeo.rawManifest("\(registry.host)/p/multi:3", from: registry)
        #expect(Digest.of(pushed) != Digest.of(indexBytes))
        let index = try ManifestDocument(bytes: pushed, declared: nil, origin: "pushed").index()
        #expect(index.manifests.compactMap(\.platform) == [Self.amd64, Self.armV7])
        // Every child the new index names is served, with every blob.
        for (image, platform) in zip(made, [Self.amd64, Self.arm64, Self.armV7]) where platform != Self.arm64 {
            let copy = try Skopeo.copy("\(registry.host)/p/multi@\(Digest.of(image.ociManifest))", from: registry, into: dir)
            #expect(copy.blobs.contains(image.configDigest))
        }
        // The arm64 child was not sent.
        let arm64 = made[1]
        #expect(!registry.log.contains(arm64.configDigest.hex), "the arm64 config was uploaded")
    }

    @Test func anImageWithoutThePlatformFailsAloneNamingWhatItHas() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("platform-missing")
        let path = dir.file("multi.tar")
        _ = try ArchiveFixture.writeMultiPlatform(name: "r.io/m/multi:4", platforms: [Self.amd64, Self.arm64], to: path)
        let result = await push(path, registry, ["--platform", "linux/s390x", "--output", "json"], dir)
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        let failed = try #require(try Documents.lines(ImageEventDocument.self, result.stdout, event: "image.failed").first)
        #expect(failed.code == "platformMissing" && failed.message?.contains("has no linux/s390x image; it has: linux/amd64, linux/arm64") == true,
                "\(failed)")
    }

    /// A chart that pins its image by digest, in a bundle whose images.tar is an OCI layout.
    func pinnedSite(_ dir: TemporaryDirectory, registry: LiveRegistry) throws -> (index: Digest, arm64: Digest) {
        let (indexBytes, made) = try ArchiveFixture.writeMultiPlatform(name: "r.io/m/multi:5", platforms: [Self.amd64, Self.arm64, Self.armV7],
                                                                        to: dir.file("layout.tar"))
        let index = Digest.of(indexBytes)
        var chart = ChartFixture(name: "pinned", version: "1.0.0", images: [])
        chart.values = "app:\n  registry: r.io\n  repository: m/multi\n  digest: \"\(index)\"\n"
        chart.hints = ["{{ .app.registry }}/{{ .app.repository }}@{{ .app.digest }}"]
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/pinned-1.0.0.bundle.tar"), chart: chart, images: [],
                                imagesTar: Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("layout.tar")))))
        _ = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry.host)
              containerRepository: site
              repo: {kind: LOCAL, path: ./local-repo}
            """)
        return (index, Digest.of(made[1].ociManifest))
    }

    func sync(_ dir: TemporaryDirectory, _ extra: [String]) async -> CLIRunner.Result {
        await CLIRunner.run(["sync", "--config", dir.file("load-image.yaml")] + extra,
                            environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
    }

    func publishedValues(_ dir: TemporaryDirectory) throws -> String {
        let tgz = dir.file("local-repo/pinned-1.0.0.tgz")
        let files = try ChartArchive.files(ofTgz: Array(try Data(contentsOf: URL(fileURLWithPath: tgz))), origin: tgz)
        return String(decoding: try #require(files["values.yaml"]), as: UTF8.self)
    }

    @Test func aPinnedDigestFollowsThePlatformOnlyWhenItChanges() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("platform-sync")
        let (index, arm64) = try pinnedSite(dir, registry: registry)

        let dry = await sync(dir, ["--platform", "linux/arm64", "--dry-run"])
        #expect(dry.exitCode == 0, "\(dry.stdout)\(dry.stderr)")
        // The plan shows the digest edit and why, before anything is sent.
        #expect(dry.stdout.contains("value values.yaml: app.digest: \(index) → \(arm64)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("linux/arm64 only"), "\(dry.stdout)")

        let result = await sync(dir, ["--platform", "linux/arm64"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try publishedValues(dir).contains("digest: \"\(arm64)\""))
        let copy = try Skopeo.copy("\(registry.host)/site/multi@\(arm64)", from: registry, into: dir)
        #expect(copy.manifestDigest == arm64)

        // Every platform: the digest is the source's, and the values keep it.
        let all = try TemporaryDirectory("platform-sync-all")
        let other = try pinnedSite(all, registry: registry)
        let plain = await sync(all, [])
        #expect(plain.exitCode == 0, "\(plain.stdout)\(plain.stderr)")
        let values = try publishedValues(all)
        #expect(values.contains("digest: \"\(other.index)\"") && !values.contains(other.arm64.string), "\(values)")
        #expect(try Skopeo.rawManifest("\(registry.host)/site/multi@\(other.index)", from: registry).count > 0)
    }
}
