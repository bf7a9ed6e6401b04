import FerryArchive
import FerryCore
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

@Suite struct ImageArchiveTests {
    func open(_ path: String, cache: String? = nil, writes: Bool = true) throws -> ImageSource {
        let sources = try ImageSource.open(path, compressor: LayerCompressor(cacheDirectory: cache, writesCache: writes)).sources
        try #require(sources.count == 1)
        return sources[0]
    }

    func blobBytes(_ blob: ArchivedBlob, cache: String) throws -> [UInt8] {
        switch blob.source {
        case .stored(let range): return try range.read(at: 0, count: Int(range.length))
        case .gzipped(let range, let diffID):
            let bytes = try LayerCompressor(cacheDirectory: cache).compressedBytes(of: range, diffID: diffID, expected: blob.digest)
            return try bytes.read(at: 0, count: Int(bytes.length))
        case .remote(let remote):
            throw TestSupportError("\(remote.origin) is not in an archive")
        }
    }

    @Test(arguments: ArchiveStyle.allCases)
    func readsEveryWriterStyle(_ style: ArchiveStyle) throws {
        let dir = try TemporaryDirectory()
        let shared = TestLayer.random(size: 3000)
        let images = [
            TestImage.make("example.com/team/app-a:1.0.0", layerSizes: [1500, 2500], shared: [shared]),
            TestImage.make("docker.io/library/app-b:2", layerSizes: [700], shared: [shared]),
            TestImage.make("quay.io/org/empty:0.1", layerSizes: []),
        ]
        let path = dir.file(style == .ociDirectory ? "layout" : "archive.tar")
        try ArchiveFixture.write(images, style: style, to: path)
        let cache = dir.file("cache")
        let source = try open(path, cache: cache)
        #expect(source.archive.images.count == 3)

        for image in images {
            let found = try #require(source.archive.images.first { $0.references.contains(try Reference(parsing: image.name)) },
                                     "image \(image.name) not found in \(style)")
            // Every blob of the manifest is present, and its bytes hash to its digest.
            let manifest = try found.root.manifest()
            #expect(manifest.layers.count == image.layers.count)
            #expect(found.layerCount == image.layers.count)
            let blobDigests = Set(found.blobs.map(\.digest))
            #expect(blobDigests.contains(manifest.config.digest))
            for layer in manifest.layers { #expect(blobDigests.contains(layer.digest)) }
            for blob in found.blobs {
                let bytes = try blobBytes(blob, cache: cache)
                #expect(Digest.of(bytes) == blob.digest)
                #expect(Int64(bytes.count) == blob.size)
            }
            #expect(found.platforms == [Platform(os: "linux", architecture: "amd64")])
            switch style {
            case .ggcr:
                // The manifest charts-syncer would push, byte for byte.
                #expect(found.root.bytes == image.chartsSyncerManifest)
            case .ociTar, .ociDirectory:
                #expect(found.root.bytes == image.ociManifest)
            case .docker25:
                // The OCI half of the archive is read, keeping Docker's own manifest digest.
                #expect(found.root.bytes == image.ociUncompressedManifest)
            case .legacyDockerSave, .skopeo:
                // Uncompressed layers are gzipped: the manifest lists gzip layers and the image config as is.
                #expect(found.root.mediaType == MediaType.dockerManifest)
                #expect(manifest.config.digest == image.configDigest)
                #expect(manifest.layers.allSatisfy { $0.mediaType == MediaType.dockerLayerGzip })
            }
        }
        #expect(source.kind == (style == .ociTar || style == .ociDirectory || style == .docker25 ? .ociLayout : .dockerArchive))
    }

    @Test func gzipsUncompressedLayersOnceAndDeterministically() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("example.com/a/b:1", layerSizes: [50_000])
        let path = dir.file("skopeo.tar")
        try ArchiveFixture.write([image], style: .skopeo, to: path)
        let cache = dir.file("cache")

        // A dry run computes the digest and writes nothing.
        let dry = try open(path, cache: cache, writes: false)
        #expect(!FileManager.default.fileExists(atPath: cache))
        let first = try open(path, cache: cache)
        #expect(first.archive.images[0].root.digest == dry.archive.images[0].root.digest)
        let mappings = try FileManager.default.contentsOfDirectory(atPath: cache + "/gzip")
        #expect(mappings == ["\(image.layers[0].diffID.hex).json"])

        // The rerun takes the digest from the mapping: remove the compressed copy and it still knows it.
        let layer = try #require(first.archive.images[0].blobs.first { if case .gzipped = $0.source { true } else { false } })
        try FileManager.default.removeItem(atPath: cache + "/blobs/sha256/\(layer.digest.hex)")
        let second = try open(path, cache: cache)
        #expect(second.archive.images[0].root.digest == first.archive.images[0].root.digest)
        // Compressing again gives the same bytes.
        let bytes = try blobBytes(layer, cache: cache)
        #expect(Digest.of(bytes) == layer.digest)
    }

    @Test func readsAMultiPlatformIndexWithItsOriginalBytes() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("multi.tar")
        let platforms = [Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64", variant: "v8")]
        let (index, images) = try ArchiveFixture.writeMultiPlatform(name: "example.com/multi/app:3.1", platforms: platforms, to: path)
        let image = try open(path).archive.images[0]
        #expect(image.root.bytes == index)
        #expect(image.root.isIndex)
        #expect(image.children.map(\.bytes) == images.map(\.ociManifest))
        #expect(image.platforms == platforms)
        #expect(image.blobs.count == 4)
    }

    @Test func readsABundleWithItsNestedImages() throws {
        let dir = try TemporaryDirectory()
        let images = [TestImage.make("docker.io/spidernet-io/spiderpool-agent:v0.8.0"), TestImage.make("ghcr.io/spidernet-io/ui:v0.8.0")]
        let path = dir.file("spidernet_0.8.0.bundle.tar")
        try BundleFixture.write(to: path, chartName: "spidernet", version: "0.8.0", images: images)
        let source = try open(path)
        #expect(source.kind == .bundle)
        let bundle = try #require(source.bundle)
        #expect(String(decoding: try bundle.hints() ?? [], as: UTF8.self).contains("{{ .image0.registry }}"))
        #expect(bundle.chartFiles().map(\.path).sorted() == [".relok8s-images.yaml", "Chart.yaml", "values.yaml"])
        #expect(source.archive.images.map(\.root.bytes) == images.map(\.chartsSyncerManifest))
    }

    @Test func directoryOfBundlesSkipsStrayFiles() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/a-1.0.0.bundle.tar"), images: [TestImage.make("r.io/a/x:1")])
        try BundleFixture.write(to: dir.file("offline/b_2.0.0.bundle.tar"), chartName: "b", images: [TestImage.make("r.io/b/y:2")])
        _ = try dir.write("offline/images.tar", "left over from unpacking")
        _ = try dir.write("offline/notes.txt", "hello")
        let opened = try ImageSource.open(dir.file("offline"), compressor: LayerCompressor(cacheDirectory: nil))
        #expect(opened.sources.count == 2)
        #expect(opened.notes.filter { $0.contains("not a .bundle.tar") }.count == 2)
    }

    // MARK: - Broken archives

    @Test func configNotMatchingItsNameIsRefused() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("r.io/a/b:1")
        var raw = RawTar()
        raw.add("sha256:\(String(repeating: "0", count: 64))", image.config)
        for layer in image.layers { raw.add("\(layer.digest.hex).tar.gz", layer.gzipped) }
        let layers = image.layers.map { "\"\($0.digest.hex).tar.gz\"" }.joined(separator: ",")
        raw.add("manifest.json", Array("[{\"Config\":\"sha256:\(String(repeating: "0", count: 64))\",\"RepoTags\":[\"r.io/a/b:1\"],\"Layers\":[\(layers)]}]".utf8))
        raw.end()
        let path = try dir.write("bad.tar", raw.bytes)
        #expect { try open(path) } throws: { error in
            (error as? ArchiveError)?.code == .digestMismatch && "\(error)".contains("sha256:000000000000")
        }
    }

    @Test func fileNamedInManifestButMissingIsNamed() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("r.io/a/b:1", layerSizes: [100])
        var raw = RawTar()
        raw.add("sha256:\(image.configDigest.hex)", image.config)
        raw.add("manifest.json", Array("[{\"Config\":\"sha256:\(image.configDigest.hex)\",\"RepoTags\":[\"r.io/a/b:1\"],\"Layers\":[\"\(image.layers[0].digest.hex).tar.gz\"]}]".utf8))
        raw.end()
        let path = try dir.write("missing.tar", raw.bytes)
        #expect { try open(path) } throws: { error in
            (error as? ArchiveError)?.code == .missingEntry && "\(error)".contains("\(image.layers[0].digest.hex).tar.gz")
        }
    }

    @Test func uncompressedLayerNotMatchingItsDiffIDIsRefused() throws {
        let dir = try TemporaryDirectory()
        var image = TestImage.make("r.io/a/b:1", layerSizes: [100])
        let path = dir.file("skopeo.tar")
        // Swap the layer bytes for other bytes under the same name.
        image.layers[0].uncompressed = TestLayer.random(size: 100).uncompressed
        try ArchiveFixture.write([image], style: .skopeo, to: path)
        #expect { try open(path, cache: dir.file("cache")) } throws: { error in
            (error as? ArchiveError)?.code == .digestMismatch && "\(error)".contains("diff_id")
        }
    }

    @Test func layerNotMatchingItsNameFailsWhileStreaming() async throws {
        let dir = try TemporaryDirectory()
        var image = TestImage.make("r.io/a/b:1", layerSizes: [4000])
        let wrong = TestLayer.random(size: 4000)
        image.layers[0].gzipped = wrong.gzipped  // named by the old digest, holding other bytes
        let path = dir.file("ggcr.tar")
        try ArchiveFixture.write([image], style: .ggcr, to: path)
        let archived = try open(path).archive.images[0]
        let blob = try #require(archived.blobs.first { $0.digest == image.layers[0].digest })
        guard case .stored(let range) = blob.source else { Issue.record("expected a stored blob"); return }
        await #expect { for try await _ in range.verifiedChunks(expected: blob.digest, chunkSize: 512) {} } throws: { error in
            (error as? ArchiveError)?.code == .digestMismatch && "\(error)".contains(image.layers[0].digest.hex)
        }
    }

    @Test func compressedOuterArchiveGetsAClearMessage() throws {
        let dir = try TemporaryDirectory()
        let sink = MemorySink()
        let gzip = try GzipCompressor(writingTo: sink)
        try gzip.write(try ArchiveFixture.bytes([TestImage.make("r.io/a/b:1")], style: .ggcr))
        try gzip.finish()
        let path = try dir.write("images.tar.gz", sink.bytes)
        #expect { try open(path) } throws: { error in
            (error as? ArchiveError)?.code == .unsupported && "\(error)".contains("gunzip")
        }
    }

    @Test func gzipRoundTripsAndIsStable() throws {
        let input = (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 * 7919) >> 3) }
        func gz() throws -> [UInt8] {
            let sink = MemorySink()
            let gzip = try GzipCompressor(writingTo: sink)
            try gzip.write(Array(input[..<77_777]))
            try gzip.write(Array(input[77_777...]))
            try gzip.finish()
            return sink.bytes
        }
        let a = try gz(), b = try gz()
        #expect(a == b)
        #expect(Array(a[0..<10]) == [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, a[8], 0xff])
        let out = MemorySink()
        let gunzip = try GzipDecompressor(writingTo: out, origin: "test")
        try gunzip.write(a)
        try gunzip.finish()
        #expect(out.bytes == input)
        let truncated = try GzipDecompressor(writingTo: MemorySink(), origin: "cut")
        try truncated.write(Array(a[..<(a.count / 2)]))
        #expect(throws: ArchiveError.self) { try truncated.finish() }
    }
}
