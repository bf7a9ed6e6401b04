import FerryArchive
import FerryCore
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// `ferry bundle` against real servers: a source registry holding a multi-platform index, an
/// OCI-media-type image, cosign-style signatures and attestations and an OCI referrer (written by
/// skopeo and curl, not by Ferry), a chart repository served over HTTP by Python's http.server and
/// an OCI chart; then `ferry sync` of the bundle into a second registry, where every manifest,
/// index, signature and referrer must have the source's digest.
@Suite struct BundleRoundTripTests {
    static let amd64 = Platform(os: "linux", architecture: "amd64")
    static let arm64 = Platform(os: "linux", architecture: "arm64")

    /// What the source registry holds, as written there.
    struct Source {
        var registry: LiveRegistry
        var writer: RegistryWriter
        var multi: [UInt8]
        var single: [UInt8]
        var signature: Descriptor
        var attestation: Descriptor
        var referrer: Descriptor
        var fallback: Descriptor
        var chart: ChartFixture
        var dir: TemporaryDirectory
        var multiImages: [TestImage]
        var singleImage: TestImage
    }

    static func source(_ label: String) throws -> Source {
        let dir = try TemporaryDirectory(label)
        let registry = try LiveRegistry.start(.plain)
        let writer = try RegistryWriter(registry)
        // A multi-platform OCI index, and a single image with OCI media types: skopeo copies both as they are.
        let multiTar = dir.file("multi.tar")
        let (index, multiImages) = try ArchiveFixture.writeMultiPlatform(name: "multi", platforms: [amd64, arm64], to: multiTar)
        try writer.copyLayout(multiTar, name: "multi", to: "lib/multi", tag: "1.0")
        let singleImage = TestImage.make("single", layerSizes: [3000, 5000])
        let singleTar = dir.file("single.tar")
        try ArchiveFixture.write([singleImage], style: .ociTar, to: singleTar)
        try writer.copyLayout(singleTar, name: "single", to: "lib/single", tag: "2.0")

        let multiDigest = Digest.of(index)
        let single = try #require(try writer.manifest("2.0", in: "lib/single"))
        #expect(try writer.manifest("1.0", in: "lib/multi") == index, "skopeo kept the index bytes")
        let signature = try writer.signature(of: multiDigest, in: "lib/multi")
        let attestation = try writer.attestation(of: Digest.of(single), in: "lib/single")
        let (referrer, fallback) = try writer.referrer(of: Descriptor(mediaType: MediaType.ociIndex, digest: multiDigest, size: Int64(index.count)),
                                                       in: "lib/multi")
        let chart = ChartFixture(name: "demo", version: "0.3.0", images: [
            ("multi", TestImage.make("\(registry.host)/lib/multi:1.0", layerSizes: [])),
            ("single", TestImage.make("\(registry.host)/lib/single:2.0", layerSizes: [])),
        ])
        return Source(registry: registry, writer: writer, multi: index, single: single, signature: signature, attestation: attestation,
                      referrer: referrer, fallback: fallback, chart: chart, dir: dir, multiImages: multiImages, singleImage: singleImage)
    }

    /// The chart packaged by tar (not by Ferry) as `<name>-<version>.tgz`.
    static func package(_ chart: ChartFixture, in dir: TemporaryDirectory) throws -> String {
        let root = dir.file("src-\(chart.name)")
        try chart.writeDirectory(to: "\(root)/\(chart.name)")
        let tgz = dir.file("\(chart.name)-\(chart.version).tgz")
        try Subprocess.check("tar", ["-czf", tgz, "-C", root, chart.name])
        return tgz
    }

    func bundle(_ arguments: [String], _ source: Source) async -> CLIRunner.Result {
        await CLIRunner.run(["bundle"] + arguments + source.registry.ferryFlags)
    }

    @Test func bundleFromAnHTTPRepositoryThenSyncKeepsEveryDigest() async throws {
        let source = try Self.source("bundle-http")
        let repo = source.dir.file("repo")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        let tgz = try Self.package(source.chart, in: source.dir)
        try FileManager.default.copyItem(atPath: tgz, toPath: repo + "/demo-0.3.0.tgz")
        _ = try source.dir.write("repo/index.yaml", """
            apiVersion: v1
            entries:
              demo:
              - apiVersion: v2
                name: demo
                version: 0.3.0
                created: "2026-11-30T10:00:00Z"
                urls: [demo-0.3.0.tgz]
              - apiVersion: v2
                name: demo
                version: 0.4.0-rc.1
                created: "2026-11-30T11:00:00Z"
                urls: [demo-0.4.0-rc.1.tgz]
            generated: "2026-11-30T11:00:00Z"
            """)
        let server = try StaticHTTPServer(directory: repo)
        let out = source.dir.file("offline")

        // The newest stable version (0.3.0, not the release candidate) is chosen.
        let made = await bundle(["demo/demo", "--repo-url", server.url, "-o", out, "--output", "json"], source)
        #expect(made.exitCode == 0, "\(made.stdout)\(made.stderr)")
        let document = try #require(try Documents.lines(BundleDocument.self, made.stdout, event: "bundle").first)
        #expect(document.path == out + "/demo-0.3.0.bundle.tar" && !document.skipped)
        // Progress as JSON lines: each image once all its blobs are in.
        let pulled = try Documents.lines(ImageEventDocument.self, made.stdout, event: "image.finished")
        #expect(Set(pulled.map(\.reference)) == Set(document.images.map(\.name)) && pulled.allSatisfy { $0.outcome == "pulled" }, "\(made.stdout)")
        let multi = try #require(document.images.first { $0.name.hasSuffix("multi:1.0") })
        #expect(multi.digest == Digest.of(source.multi).string && multi.platforms == ["linux/amd64", "linux/arm64"])
        #expect(Set(multi.artifacts) == ["sha256-\(Digest.of(source.multi).hex).sig", "sha256-\(Digest.of(source.multi).hex)"], "\(multi.artifacts)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["demo-0.3.0.bundle.tar"], "no partial file or staging left")

        let verify = await CLIRunner.run(["verify", document.path])
        #expect(verify.exitCode == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = await CLIRunner.run(["inspect", document.path, "--output", "json"])
        let inspected = try #require(try Documents.lines(InspectDocument.self, inspect.stdout, event: "inspect").first?.sources.first)
        let single = try #require(inspected.images.first { $0.names.first?.hasSuffix("single:2.0") == true })
        #expect(single.mediaType == MediaType.ociManifest && single.artifacts.map(\.tag) == ["sha256-\(Digest.of(source.single).hex).att"])

        // The site: sync the bundle into another registry, as charts-syncer would.
        let target = try LiveRegistry.start(.plain)
        let config = try source.dir.write("load-image.yaml", """
            source:
              intermediateBundlesPath: \(out)
            target:
              containerRegistry: \(target.host)
              containerRepository: site
              repo:
                kind: LOCAL
                path: \(source.dir.file("charts"))
            """)
        let synced = await CLIRunner.run(["sync", "--config", config] + target.ferryFlags)
        #expect(synced.exitCode == 0, "\(synced.stdout)\(synced.stderr)")
        let site = try RegistryWriter(target)
        let (multiHex, singleHex) = (Digest.of(source.multi).hex, Digest.of(source.single).hex)
        #expect(try site.manifest("1.0", in: "site/multi") == source.multi, "the index, bytes unchanged")
        #expect(try site.manifest("2.0", in: "site/single") == source.single, "the OCI manifest, bytes unchanged")
        for (tag, repository, expected) in [("sha256-\(multiHex).sig", "multi", source.signature), ("sha256-\(singleHex).att", "single", source.attestation),
                                            ("sha256-\(multiHex)", "multi", source.fallback)] {
            let served = try #require(try site.manifest(tag, in: "site/\(repository)"), "\(tag) missing")
            #expect(Digest.of(served) == expected.digest, "\(tag)")
        }
        #expect(try site.manifest(source.referrer.digest.string, in: "site/multi").map(Digest.of) == source.referrer.digest)
        // skopeo checks every blob of every platform.
        let copy = try Skopeo.copy("\(target.host)/site/multi:1.0", from: target, into: source.dir, allPlatforms: true)
        #expect(copy.manifestDigest == Digest.of(source.multi))
    }

    @Test func bundleOfAnOCIChartIsTheSameBytesEveryTime() async throws {
        let source = try Self.source("bundle-oci")
        let tgz = try Self.package(source.chart, in: source.dir)
        try source.writer.pushChart(Array(try Data(contentsOf: URL(fileURLWithPath: tgz))), name: "demo", version: "0.3.0", in: "charts/demo")
        let chart = "oci://\(source.registry.host)/charts/demo"
        let first = await bundle([chart, "-o", source.dir.file("one")], source)
        #expect(first.exitCode == 0, "\(first.stdout)\(first.stderr)")
        let second = await bundle([chart, "--version", "0.3.0", "-o", source.dir.file("two"), "--naming", "fork"], source)
        #expect(second.exitCode == 0, "\(second.stdout)\(second.stderr)")
        let one = try Data(contentsOf: URL(fileURLWithPath: source.dir.file("one/demo-0.3.0.bundle.tar")))
        let two = try Data(contentsOf: URL(fileURLWithPath: source.dir.file("two/demo_0.3.0.bundle.tar")))
        #expect(one == two, "the same inputs give the same bytes")
        // A bundle already there is left alone.
        let again = await bundle([chart, "-o", source.dir.file("one")], source)
        #expect(again.exitCode == 0 && again.stdout.contains("already there"), "\(again.stdout)")
        // --platform keeps one: an image without it is refused by name, and nothing is written.
        let refused = await bundle([chart, "-o", source.dir.file("arm"), "--platform", "linux/arm64"], source)
        #expect(refused.exitCode != 0 && refused.stderr.contains("single:2.0") && refused.stderr.contains("linux/amd64"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: source.dir.file("arm/demo-0.3.0.bundle.tar")))
        // With hints naming only the multi-platform image, the index becomes that child, its own bytes.
        let hints = try source.dir.write("multi-hints.yaml", "- \"{{ .multi.image.registry }}/{{ .multi.image.repository }}:{{ .multi.image.tag }}\"\n")
        let narrow = await bundle([chart, "-o", source.dir.file("arm"), "--platform", "linux/arm64", "--skip-artifacts", "--hints", hints,
                                   "--output", "json"], source)
        let document = try #require(try Documents.lines(BundleDocument.self, narrow.stdout, event: "bundle").first)
        let multi = try #require(document.images.first { $0.name.hasSuffix("multi:1.0") })
        let arm = try #require(try ManifestDocument(bytes: source.multi, declared: nil, origin: "index").index().manifests.first { $0.platform == Self.arm64 })
        #expect(multi.digest == arm.digest.string && multi.platforms == ["linux/arm64"] && multi.artifacts.isEmpty, "\(multi)")
        #expect(document.images.count == 1)
    }

    @Test func aChartWithoutHintsNeedsAHintsFile() async throws {
        let dir = try TemporaryDirectory("bundle-nohints")
        let chart = dir.file("c")
        try FileManager.default.createDirectory(atPath: chart, withIntermediateDirectories: true)
        _ = try dir.write("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n")
        _ = try dir.write("c/values.yaml", "image: {repository: x}\n")
        let result = await CLIRunner.run(["bundle", chart, "-o", dir.file("out")])
        #expect(result.exitCode == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("has no .relok8s-images.yaml") && result.stderr.contains("--hints FILE"), "\(result.stderr)")
    }

    /// A bundle written from a chart directory, and its images.tar taken out by tar.
    func madeBundle(_ source: Source) async throws -> (bundle: String, imagesTar: String) {
        let chartDir = source.dir.file("chart")
        try source.chart.writeDirectory(to: chartDir)
        let made = await bundle([chartDir, "-o", source.dir.file("out")], source)
        #expect(made.exitCode == 0, "\(made.stdout)\(made.stderr)")
        let bundle = source.dir.file("out/demo-0.3.0.bundle.tar")
        try Subprocess.check("tar", ["-xf", bundle, "-C", source.dir.path, "images.tar"])
        return (bundle, source.dir.file("images.tar"))
    }

    @Test func oldReadersLoadTheImagesTar() async throws {
        let source = try Self.source("bundle-readers")
        let (_, imagesTar) = try await madeBundle(source)
        let multiName = "\(source.registry.host)/lib/multi:1.0", singleName = "\(source.registry.host)/lib/single:2.0"
        let amd64 = try #require(source.multiImages.first { $0.platform == Self.amd64 })

        // Docker 20.10 reads manifest.json: the linux/amd64 image of the index, and the single one.
        let docker = try LiveDockerd()
        let loaded = try Subprocess.run("docker", ["-H", "unix://\(docker.socket)", "load", "-i", imagesTar])
        #expect(loaded.status == 0, "\(loaded.stdout)\(loaded.stderr)")
        #expect(try docker.imageID(multiName) == amd64.configDigest.string)
        #expect(try docker.imageID(singleName) == source.singleImage.configDigest.string)

        // containerd 1.6 reads the OCI view: the index itself, under its original digest.
        let containerd = try LiveContainerd()
        let imported = try Subprocess.run("ctr", ["-a", containerd.socket, "-n", "readers", "images", "import", imagesTar])
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        let listed = try containerd.images(namespace: "readers")
        #expect(listed[multiName] == Digest.of(source.multi).string && listed[singleName] == Digest.of(source.single).string, "\(listed)")
        #expect(listed.count == 2, "signatures and referrers are not images: \(listed)")

        // podman 4 and skopeo (containers/image).
        let podman = try Podman()
        let podmanLoad = try podman.load(imagesTar)
        #expect(podmanLoad.status == 0, "\(podmanLoad.stdout)\(podmanLoad.stderr)")
        let podmanImages = try podman.images()
        #expect(podmanImages[multiName] == amd64.configDigest.string && podmanImages[singleName] == source.singleImage.configDigest.string, "\(podmanImages) \(podmanLoad.stdout)\(podmanLoad.stderr)")
        let copied = source.dir.file("skopeo-copy")
        try Subprocess.check("skopeo", ["copy", "--quiet", "docker-archive:\(imagesTar):\(singleName)", "dir:\(copied)"])
        #expect(FileManager.default.fileExists(atPath: "\(copied)/\(source.singleImage.configDigest.hex)"))
    }

    /// What relok8s (`verifyIntermediateBundle`, its tar reader and go-containerregistry's tarball
    /// reader) needs, re-derived from its writer: Go's USTAR headers (mode 0644, uid/gid 0, mtime 0,
    /// typeflag 0, no directories), hints.yaml first and images.tar last, the chart's files below
    /// original-chart/, and in images.tar configs `sha256:<hex>` and layers `<hex>.tar.gz` named by
    /// their digests, with manifest.json last, compact and sorted, naming each image as the values do.
    @Test func theBundleHasWhatRelok8sReads() async throws {
        let source = try Self.source("bundle-relok8s")
        let (bundle, imagesTar) = try await madeBundle(source)
        let outer = try Self.headers(Array(try Data(contentsOf: URL(fileURLWithPath: bundle))))
        #expect(outer.first?.name == "hints.yaml" && outer.last?.name == "images.tar")
        for required in ["hints.yaml", "original-chart/Chart.yaml", "original-chart/values.yaml", "images.tar"] {
            #expect(outer.contains { $0.name == required }, "\(required) missing")
        }
        let chartFiles = outer.dropFirst().dropLast().map(\.name)
        #expect(chartFiles == source.chart.files.map { "original-chart/" + $0.0 }.sorted(), "\(chartFiles)")
        for header in outer {
            #expect(header.typeflag == UInt8(ascii: "0") && header.mode == "0000644" && header.uid == "0000000" && header.gid == "0000000"
                    && header.mtime == "00000000000" && header.magic == "ustar\u{0}00", "\(header)")
        }
        let hints = try Subprocess.check("tar", ["-xOf", bundle, "hints.yaml"])
        #expect(hints == source.chart.hintsText)

        let innerBytes = Array(try Data(contentsOf: URL(fileURLWithPath: imagesTar)))
        let inner = try Self.headers(innerBytes)
        #expect(inner.last?.name == "manifest.json")
        let manifestText = try Subprocess.check("tar", ["-xOf", imagesTar, "manifest.json"])
        #expect(!manifestText.contains(" ") && !manifestText.hasSuffix("\n"), "compact, as Go writes it")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(manifestText.utf8)) as? [[String: Any]])
        let tags = entries.compactMap { ($0["RepoTags"] as? [String])?.first }
        #expect(tags == ["\(source.registry.host)/lib/multi:1.0", "\(source.registry.host)/lib/single:2.0"], "\(tags)")
        let unpacked = source.dir.file("unpacked")
        try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
        try Subprocess.check("tar", ["-xf", imagesTar, "-C", unpacked])
        for entry in entries {
            let config = try #require(entry["Config"] as? String)
            #expect(config.hasPrefix("sha256:"))
            let configBytes = try Data(contentsOf: URL(fileURLWithPath: "\(unpacked)/\(config)"))
            #expect(Digest.of(Array(configBytes)).string == config)
            let layers = try #require(entry["Layers"] as? [String])
            for layer in layers {
                #expect(layer.hasSuffix(".tar.gz"))
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(unpacked)/\(layer)")))
                #expect(Digest.of(bytes).hex + ".tar.gz" == layer && bytes.starts(with: [0x1f, 0x8b]))
            }
            // ggcr stores these as files of their own: never a link.
            for name in [config] + layers { #expect(inner.first { $0.name == name }?.typeflag == UInt8(ascii: "0"), "\(name)") }
        }
    }

    struct Header: CustomStringConvertible {
        var name: String
        var mode: String
        var uid: String
        var gid: String
        var mtime: String
        var typeflag: UInt8
        var magic: String
        var description: String { "\(name) mode \(mode) uid \(uid) gid \(gid) mtime \(mtime) type \(typeflag) magic \(magic.debugDescription)" }
    }

    /// Every header of a tar, read here block by block (no library), pax records not expected.
    static func headers(_ bytes: [UInt8]) throws -> [Header] {
        func field(_ block: ArraySlice<UInt8>, _ offset: Int, _ length: Int) -> String {
            let start = block.startIndex + offset
            return String(decoding: block[start..<(start + length)].prefix { $0 != 0 }, as: UTF8.self)
        }
        var result: [Header] = []
        var position = 0
        while position + 512 <= bytes.count {
            let block = bytes[position..<(position + 512)]
            if block.allSatisfy({ $0 == 0 }) { break }
            let size = Int(field(block, 124, 12), radix: 8) ?? 0
            let prefix = field(block, 345, 155), name = field(block, 0, 100)
            let magicStart = block.startIndex + 257
            result.append(Header(name: prefix.isEmpty ? name : prefix + "/" + name, mode: field(block, 100, 8), uid: field(block, 108, 8),
                                 gid: field(block, 116, 8), mtime: field(block, 136, 12), typeflag: block[block.startIndex + 156],
                                 magic: String(decoding: bytes[magicStart..<(magicStart + 8)], as: UTF8.self)))
            position += 512 + (size + 511) / 512 * 512
        }
        return result
    }

    /// A download cut halfway resumes where it stopped (a ranged GET), and the bundle is whole.
    @Test func anInterruptedDownloadResumesWithARange() async throws {
        let dir = try TemporaryDirectory("bundle-resume")
        let registry = try LiveRegistry.start(.plain)
        let writer = try RegistryWriter(registry)
        let image = TestImage.make("big", layerSizes: [3 << 20])
        let tar = dir.file("big.tar")
        try ArchiveFixture.write([image], style: .ociTar, to: tar)
        try writer.copyLayout(tar, name: "big", to: "lib/big", tag: "1.0")
        let layer = image.layers[0].digest
        let proxy = try FaultProxy(to: registry, fault: .cutResponse, count: 1, method: "GET", pathContains: "/blobs/\(layer)")
        let chart = ChartFixture(name: "big", version: "1.0.0", images: [("big", TestImage.make("\(proxy.host)/lib/big:1.0", layerSizes: []))])
        try chart.writeDirectory(to: dir.file("chart"))
        let made = await CLIRunner.run(["bundle", dir.file("chart"), "-o", dir.file("out"), "--plain-http", "--timeout", "5"])
        #expect(made.exitCode == 0, "\(made.stdout)\(made.stderr)\n\(proxy.log)")
        let lines = proxy.log.split(separator: "\n").filter { $0.contains("/blobs/\(layer)") }
        #expect(lines.first?.hasPrefix("fault GET") == true, "\(proxy.log)")
        let resumed = try #require(lines.dropFirst().first, "\(proxy.log)")
        #expect(resumed.hasPrefix("pass GET") && resumed.contains(" 206 bytes=") && !resumed.hasSuffix("bytes=0-"), "resumed, not restarted: \(resumed)")
        let verify = await CLIRunner.run(["verify", dir.file("out/big-1.0.0.bundle.tar")])
        #expect(verify.exitCode == 0, "\(verify.stdout)")
    }

    /// A referrer kept without its fallback index (a bundle made from a registry with the referrers
    /// API): pushed to a registry without the API, it is listed under `sha256-<hex>` there, as the
    /// distribution spec has clients do, with its artifact type.
    @Test func aReferrerGetsItsFallbackTagWhereTheRegistryHasNoAPI() async throws {
        let dir = try TemporaryDirectory("referrer-fallback")
        let image = TestImage.make("r.io/lib/app:1.0", layerSizes: [1000])
        let subject = image.ociManifest
        let empty = Array("{}".utf8), sbom = Array(#"{"spdxVersion":"SPDX-2.3"}"#.utf8)
        let referrer = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"application/spdx+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(Digest.of(empty))","size":2},"layers":[{"mediaType":"application/spdx+json","digest":"\(Digest.of(sbom))","size":\(sbom.count)}],"subject":{"mediaType":"\(MediaType.ociManifest)","digest":"\(Digest.of(subject))","size":\(subject.count)}}
            """.utf8)
        let index = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)","digest":"\(Digest.of(subject))","size":\(subject.count),"annotations":{"org.opencontainers.image.ref.name":"r.io/lib/app:1.0"}},{"mediaType":"\(MediaType.ociManifest)","digest":"\(Digest.of(referrer))","size":\(referrer.count),"annotations":{"\(ImageArtifact.subjectAnnotation)":"\(Digest.of(subject))"}}]}
            """.utf8)
        let sink = try AtomicFileSink(path: dir.file("layout.tar"))
        let tar = TarWriter(writingTo: sink)
        try tar.addFile("oci-layout", bytes: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        for blob in [image.config, image.layers[0].gzipped, subject, empty, sbom, referrer] {
            try tar.addFile("blobs/sha256/\(Digest.of(blob).hex)", bytes: blob)
        }
        try tar.addFile("index.json", bytes: index)
        try tar.finish()
        try sink.commit()

        let registry = try LiveRegistry.start(.plain)
        let pushed = await CLIRunner.run(["push", dir.file("layout.tar"), "--registry", registry.host, "--repository", "p", "--plain-http"])
        #expect(pushed.exitCode == 0, "\(pushed.stdout)\(pushed.stderr)")
        let site = try RegistryWriter(registry)
        #expect(try site.manifest(Digest.of(referrer).string, in: "p/app") == referrer)
        let fallback = try #require(try site.manifest("sha256-\(Digest.of(subject).hex)", in: "p/app"), "no fallback tag")
        let listed = try ManifestDocument(bytes: fallback, declared: nil, origin: "fallback").index().manifests
        #expect(listed.map(\.digest) == [Digest.of(referrer)], "\(String(decoding: fallback, as: UTF8.self))")
        #expect(String(decoding: fallback, as: UTF8.self).contains(#""artifactType":"application\/spdx+json""#)
                || String(decoding: fallback, as: UTF8.self).contains(#""artifactType":"application/spdx+json""#))
        // Pushed again: the index is not listed twice.
        let again = await CLIRunner.run(["push", dir.file("layout.tar"), "--registry", registry.host, "--repository", "p", "--plain-http"])
        #expect(again.exitCode == 0)
        let second = try #require(try site.manifest("sha256-\(Digest.of(subject).hex)", in: "p/app"))
        #expect(try ManifestDocument(bytes: second, declared: nil, origin: "fallback").index().manifests.count == 1)
    }

    /// Two runs making the same bundle into one directory at once: each blob is fetched by one of
    /// them at a time, both succeed, and the bundle is the one a single run makes.
    @Test func twoRunsIntoOneDirectoryAtOnce() async throws {
        let source = try Self.source("bundle-concurrent")
        let chartDir = source.dir.file("chart")
        try source.chart.writeDirectory(to: chartDir)
        let out = source.dir.file("shared")
        async let first = bundle([chartDir, "-o", out, "--force"], source)
        async let second = bundle([chartDir, "-o", out, "--force"], source)
        let (a, b) = await (first, second)
        #expect(a.exitCode == 0 && b.exitCode == 0, "\(a.stderr)\n\(b.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["demo-0.3.0.bundle.tar"], "no staging or partial file left")
        let alone = await bundle([chartDir, "-o", source.dir.file("alone")], source)
        #expect(alone.exitCode == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/demo-0.3.0.bundle.tar"))
                == Data(contentsOf: URL(fileURLWithPath: source.dir.file("alone/demo-0.3.0.bundle.tar"))))
    }

    /// A blob an earlier run left in the staging store with the right size but other bytes (the
    /// store is not flushed to disk; a crash can leave that) is checked, fetched again, and the
    /// bundle is as it should be.
    @Test func aDamagedStagedBlobIsFetchedAgain() async throws {
        let source = try Self.source("bundle-staged")
        let (path, _) = try await madeBundle(source)
        let expected = try Data(contentsOf: URL(fileURLWithPath: path))
        let layer = try #require(source.singleImage.layers.first)
        let staged = source.dir.file("out/.ferry-staging/blobs/sha256")
        try FileManager.default.createDirectory(atPath: staged, withIntermediateDirectories: true)
        try Data(repeating: 0x5a, count: layer.gzipped.count).write(to: URL(fileURLWithPath: "\(staged)/\(layer.digest.hex)"))
        let again = await bundle([source.dir.file("chart"), "-o", source.dir.file("out"), "--force"], source)
        #expect(again.exitCode == 0, "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
        #expect(!FileManager.default.fileExists(atPath: source.dir.file("out/.ferry-staging")))
    }
}
