import FerryArchive
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// `ferry push` end to end: real registry, and skopeo checking what landed.
@Suite struct PushCommandTests {
    func push(_ source: String, to registry: LiveRegistry, prefix: String, extra: [String] = [], cache: String) async -> CLIRunner.Result {
        await CLIRunner.run(["push", source, "--registry", registry.host, "--repository", prefix] + registry.ferryFlags + extra,
                            environment: ["FERRY_CACHE_DIR": cache], stdin: registry.mode == .plain ? nil : registry.password)
    }

    func expectNoSecrets(_ result: CLIRunner.Result, _ registry: LiveRegistry) {
        #expect(!result.stdout.contains(registry.password) && !result.stderr.contains(registry.password))
    }

    @Test(arguments: ArchiveStyle.allCases)
    func pushesEveryArchiveStyleAndSkopeoAgrees(_ style: ArchiveStyle) async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let shared = TestLayer.random(size: 8000)
        let images = [
            TestImage.make("example.com/team/app-a:1.0.0", layerSizes: [3000, 5000], shared: [shared]),
            TestImage.make("docker.io/library/app-b:2", layerSizes: [4000], shared: [shared]),
            TestImage.make("quay.io/org/empty:0.1", layerSizes: []),
        ]
        let path = dir.file(style == .ociDirectory ? "layout" : "archive.tar")
        try ArchiveFixture.write(images, style: style, to: path)
        let result = await push(path, to: registry, prefix: "proj/sub", cache: dir.file("cache"))
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Done: 3 pushed, 0 unchanged, 0 failed"))

        for image in images {
            let name = try Reference(parsing: image.name)
            let target = "\(registry.host)/proj/sub/\(name.lastPathElement):\(name.tag!)"
            let copy = try Skopeo.copy(target, from: registry, into: dir)
            // The config is pushed as is, and every layer the image has is there.
            #expect(copy.blobs.contains(image.configDigest))
            let manifest = try ManifestDocument(bytes: copy.manifestBytes, declared: nil, origin: target).manifest()
            #expect(manifest.layers.count == image.layers.count)
            switch style {
            case .ggcr:
                #expect(copy.manifestBytes == image.chartsSyncerManifest, "digest must equal what charts-syncer pushes")
                #expect(copy.blobs.isSuperset(of: image.layers.map(\.digest)))
            case .ociTar, .ociDirectory:
                #expect(copy.manifestDigest == Digest.of(image.ociManifest))
                #expect(copy.blobs.isSuperset(of: image.layers.map(\.digest)))
            case .docker25:
                #expect(copy.manifestDigest == Digest.of(image.ociUncompressedManifest))
                #expect(copy.blobs.isSuperset(of: image.layers.map(\.diffID)))
            case .legacyDockerSave, .skopeo:
                #expect(manifest.layers.allSatisfy { $0.mediaType == MediaType.dockerLayerGzip })
            }
        }
    }

    @Test func rerunSkipsEverythingAndSharedBlobsAreSentOnce() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let shared = TestLayer.random(size: 40_000)
        let images = [TestImage.make("r.io/a/one:1", layerSizes: [1000], shared: [shared]),
                      TestImage.make("r.io/b/two:1", layerSizes: [1000], shared: [shared])]
        let path = dir.file("ggcr.tar")
        try ArchiveFixture.write(images, style: .ggcr, to: path)

        let first = await push(path, to: registry, prefix: "p", extra: ["--output", "json"], cache: dir.file("cache"))
        #expect(first.exitCode == 0, "\(first.stderr)")
        let counts = try #require(try Documents.lines(PushSummaryDocument.self, first.stdout, event: "summary").last).report
        // The shared layer goes up once and is mounted into the second repository.
        #expect(counts.blobsUploaded == 5)
        #expect(counts.blobsMounted == 1)
        let uploadsOfShared = registry.log.split(separator: "\n").filter {
            $0.contains("http.request.method=PUT") && $0.contains("digest=sha256%3A\(shared.digest.hex)")
        }
        #expect(uploadsOfShared.count == 1)

        let second = await push(path, to: registry, prefix: "p", cache: dir.file("cache"))
        #expect(second.exitCode == 0)
        #expect(second.stdout.contains("Done: 0 pushed, 2 unchanged, 0 failed; 0 blob(s) uploaded"))
        #expect(second.stderr.contains("unchanged \(registry.host)/p/one:1"))
    }

    @Test func dryRunSendsNothingButHeads() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let path = dir.file("skopeo.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:3", layerSizes: [20_000])], style: .skopeo, to: path)
        let result = await push(path, to: registry, prefix: "team", extra: ["--dry-run"], cache: dir.file("cache"))
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(registry.host)/team/app:3"))
        #expect(result.stdout.contains("3 of 3 blob(s) to send") || result.stdout.contains("2 of 2 blob(s) to send"))
        let methods = Set(registry.log.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "http.request.method=") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " })
        })
        #expect(methods.isSubset(of: ["GET", "HEAD"]), "dry run sent \(methods)")
        // The dry run wrote no compressed layers into the cache either.
        #expect(!FileManager.default.fileExists(atPath: dir.file("cache")))
        let catalog = try Subprocess.check("curl", ["-s", "\(registry.baseURL)/v2/_catalog"])
        #expect(catalog.contains("\"repositories\":[]"))
    }

    @Test func bundleToTLSRegistryWithPasswordOnStdin() async throws {
        let registry = try LiveRegistry.start(.tls)
        let dir = try TemporaryDirectory()
        let images = [TestImage.make("docker.io/spidernet-io/spiderpool-agent:v0.8.0"),
                      TestImage.make("ghcr.io/spidernet-io/spidernet-ui:v0.8.0")]
        let path = dir.file("spidernet_0.8.0.bundle.tar")
        try BundleFixture.write(to: path, chartName: "spidernet", version: "0.8.0", images: images)
        let result = await push(path, to: registry, prefix: "release.daocloud.io/spidernet", cache: dir.file("cache"))
        #expect(result.exitCode == 0, "\(result.stderr)")
        expectNoSecrets(result, registry)
        for image in images {
            let name = try Reference(parsing: image.name)
            let copy = try Skopeo.copy("\(registry.host)/release.daocloud.io/spidernet/\(name.lastPathElement):v0.8.0",
                                       from: registry, into: dir)
            #expect(copy.manifestBytes == image.chartsSyncerManifest)
        }
    }

    @Test func tokenRegistryWithCredentialsFromDockerConfig() async throws {
        let registry = try LiveRegistry.start(.token)
        let dir = try TemporaryDirectory()
        let auth = Data("\(registry.username):\(registry.password)".utf8).base64EncodedString()
        _ = try dir.write("docker/config.json", #"{"auths":{"\#(registry.host)":{"auth":"\#(auth)"}}}"#)
        let path = dir.file("oci.tar")
        try ArchiveFixture.write([TestImage.make("r.io/x/tok:1")], style: .ociTar, to: path)
        let result = await CLIRunner.run(["push", path, "--registry", registry.host, "--repository", "proj", "--plain-http"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache"), "DOCKER_CONFIG": dir.file("docker")])
        #expect(result.exitCode == 0, "\(result.stderr)")
        expectNoSecrets(result, registry)
        _ = try Skopeo.copy("\(registry.host)/proj/tok:1", from: registry, into: dir)
    }

    @Test func multiPlatformIndexKeepsItsDigest() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let path = dir.file("multi.tar")
        let (index, _) = try ArchiveFixture.writeMultiPlatform(
            name: "r.io/m/multi:1", platforms: [Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64")],
            to: path)
        let result = await push(path, to: registry, prefix: "p", cache: dir.file("cache"))
        #expect(result.exitCode == 0, "\(result.stderr)")
        let copy = try Skopeo.copy("\(registry.host)/p/multi:1", from: registry, into: dir, allPlatforms: true)
        #expect(copy.manifestDigest == Digest.of(index))
    }

    // MARK: - Failures

    @Test func wrongCredentialsExitThreeWithoutLeakingThePassword() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let dir = try TemporaryDirectory()
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/b:1")], style: .ggcr, to: path)
        let result = await CLIRunner.run(["push", path, "--registry", registry.host, "--repository", "p", "--plain-http",
                                          "--username", registry.username, "--password-stdin"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache")], stdin: "Not-The-Password-42")
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains(registry.host) && result.stderr.contains(registry.username))
        #expect(!result.stderr.contains("Not-The-Password-42") && !result.stdout.contains("Not-The-Password-42"))
    }

    @Test func tlsWithoutCAExitsThreeAndSuggestsCAFile() async throws {
        let registry = try LiveRegistry.start(.tls)
        let dir = try TemporaryDirectory()
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/b:1")], style: .ggcr, to: path)
        let result = await CLIRunner.run(["push", path, "--registry", registry.host, "--repository", "p"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("--ca-file") && result.stderr.contains(registry.host))
    }

    @Test func hostileArchiveExitsTwoNamingTheEntry() async throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("../../etc/cron.d/evil", Array("x".utf8))
        raw.end()
        let path = try dir.write("evil.tar", raw.bytes)
        let result = await CLIRunner.run(["push", path, "--registry", "127.0.0.1:1", "--repository", "p", "--plain-http"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("../../etc/cron.d/evil"))
    }

    @Test func usageErrorsExit64() async {
        let bad = await CLIRunner.run(["push", "x.tar", "--registry", "https://host/path"])
        #expect(bad.exitCode == 64)
        #expect(bad.stderr.contains("host[:port]"))
        let missing = await CLIRunner.run(["push", "x.tar"])
        #expect(missing.exitCode == 64)
    }

    @Test func unreachableRegistryExitsThree() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/b:1")], style: .ggcr, to: path)
        // Port 1 on loopback: nothing listens there.
        let result = await CLIRunner.run(["push", path, "--registry", "127.0.0.1:1", "--repository", "p", "--plain-http"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        #expect(result.exitCode == 3)
        #expect(result.stderr.contains("127.0.0.1:1"))
    }
}
