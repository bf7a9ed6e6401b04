import FerryArchive
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

@Suite struct InspectVerifyTests {
    @Test func inspectShowsChartImagesAndSizes() async throws {
        let dir = try TemporaryDirectory()
        let images = [TestImage.make("docker.io/spidernet-io/spiderpool-agent:v0.8.0", layerSizes: [1000, 2000])]
        let path = dir.file("spidernet-0.8.0.bundle.tar")
        try BundleFixture.write(to: path, chartName: "spidernet", version: "0.8.0", images: images)
        let text = await CLIRunner.run(["inspect", path])
        #expect(text.exitCode == 0)
        #expect(text.stdout.contains("chart: spidernet 0.8.0 (app v0.8.0)"))
        #expect(text.stdout.contains("docker.io/spidernet-io/spiderpool-agent:v0.8.0"))
        #expect(text.stdout.contains("linux/amd64  2 layer(s)"))

        let json = await CLIRunner.run(["inspect", path, "--output", "json"])
        let document = try Documents.decode(InspectDocument.self, json.stdout)
        #expect(document.sources.first?.chart?.version == "0.8.0")
        let image = document.sources.first?.images.first
        #expect(image?.digest == Digest.of(images[0].chartsSyncerManifest).string)
        #expect(image?.layers == 2)
        #expect(document.uniqueBlobs == 3)
    }

    @Test func verifyPassesASoundArchive() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/b:1"), TestImage.make("r.io/a/c:1")], style: .ggcr, to: path)
        let result = await CLIRunner.run(["verify", path])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("OK: 6 blob(s)"))
    }

    @Test func verifyListsEveryCorruptBlob() async throws {
        let dir = try TemporaryDirectory()
        var image = TestImage.make("r.io/a/b:1", layerSizes: [5000, 6000])
        // Layer 0: bytes that do not match their name. Layer 1: corrupt gzip named by its own hash.
        image.layers[0].gzipped = TestLayer.random(size: 5000).gzipped
        var corrupt = image.layers[1].gzipped
        corrupt[corrupt.count / 2] ^= 0xff
        image.layers[1].gzipped = corrupt
        image.layers[1].digest = Digest.of(corrupt)
        image = TestImage(name: image.name, layers: image.layers)
        let path = dir.file("bad.tar")
        try ArchiveFixture.write([image], style: .ggcr, to: path)
        let result = await CLIRunner.run(["verify", path, "--output", "json"])
        #expect(result.exitCode == 1)
        let problems = try Documents.decode(BlobVerifier.Result.self, result.stdout).problems
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("\(image.layers[0].digest.hex).tar.gz") && $0.contains("digest") })
        #expect(problems.contains { $0.contains("\(image.layers[1].digest.hex).tar.gz") && ($0.contains("gzip") || $0.contains("diff_id")) })
    }

    @Test func verifyOfATruncatedBundleExitsTwo() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("t-1.0.0.bundle.tar")
        try BundleFixture.write(to: path, images: [TestImage.make("r.io/a/b:1", layerSizes: [30_000])])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 20_000).write(to: URL(fileURLWithPath: path))
        let result = await CLIRunner.run(["verify", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("truncated") && result.stderr.contains("t-1.0.0.bundle.tar"))
    }

    @Test func helpHasExamplesAndExitCodes() async {
        let root = await CLIRunner.run(["--help"])
        #expect(root.stdout.contains("Exit codes:"))
        let push = await CLIRunner.run(["push", "--help"])
        #expect(push.stdout.contains("Examples:") && push.stdout.contains("--dry-run") && push.stdout.contains("--password-stdin"))
    }
}
