import FerryArchive
import FerryCore
import FerryNode
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// The archive written for nodes, read back by Ferry's own readers: every name in index.json and
/// manifest.json, every blob once and byte for byte, digests kept whatever the source's style.
@Suite struct NodeArchiveWriterTests {
    /// Uncompressed source layers (docker save, skopeo) are gzipped once, into the test's cache.
    func compressor(_ dir: TemporaryDirectory) -> LayerCompressor {
        LayerCompressor(cacheDirectory: dir.file("cache"))
    }

    func nodeImages(_ path: String, registry: String, _ dir: TemporaryDirectory) throws -> [NodeImage] {
        let opened = try ImageSource.open(path, compressor: compressor(dir))
        return try opened.sources.flatMap(\.archive.images).map { image in
            let original = try #require(image.references.first)
            let renamed = try Reference(parsing: "\(registry)/\(original.lastPathElement):\(original.tag ?? "latest")")
            return try NodeImage(image: image, names: [renamed, original], platform: nil, selectPlatform: true)
        }
    }

    func written(_ images: [NodeImage], _ dir: TemporaryDirectory) throws -> String {
        let path = dir.file("nodes-\(UUID().uuidString.prefix(6)).tar")
        let sink = try AtomicFileSink(path: path)
        try NodeArchiveWriter(compressor: compressor(dir)).write(images, to: sink)
        try sink.commit()
        return path
    }

    @Test(arguments: [ArchiveStyle.ggcr, .legacyDockerSave, .skopeo, .ociTar])
    func everyNameAndBlobReadsBack(_ style: ArchiveStyle) async throws {
        let dir = try TemporaryDirectory("node-writer")
        let shared = TestLayer.random(size: 3000)
        let sources = [TestImage.make("r.io/team/one:1", layerSizes: [1000], shared: [shared]),
                       TestImage.make("r.io/team/two:2", layerSizes: [1500], shared: [shared])]
        try ArchiveFixture.write(sources, style: style, to: dir.file("source.tar"))
        let images = try nodeImages(dir.file("source.tar"), registry: "10.0.0.5/site", dir)
        let path = try written(images, dir)

        let index = try TarIndex(file: try RandomAccessFile(path: path))
        let blobs = index.paths.filter { $0.hasPrefix("blobs/sha256/") }
        let unique = Set(images.flatMap { $0.blobs.map(\.digest) } + images.flatMap { $0.documents.map(\.digest) })
        #expect(blobs.count == unique.count, "\(style): each blob once, the shared layer too: \(blobs)")
        #expect(Set(blobs) == Set(unique.map { "blobs/sha256/\($0.hex)" }))
        #expect(index.contains("oci-layout") && index.contains("index.json") && index.contains("manifest.json"))

        // Ferry reads its own archive back: same images by digest, each under both names.
        let reread = try ImageSource.open(path, compressor: compressor(dir)).sources.flatMap(\.archive.images)
        for image in images {
            let match = try #require(reread.first { $0.root.digest == image.root.digest }, "\(style): \(image.root.digest)")
            #expect(Set(match.sourceNames) == Set(image.names.map(\.description)), "\(style): \(match.sourceNames)")
        }
        #expect(Set(reread.map(\.root.digest)) == Set(images.map(\.root.digest)))
        let verified = await BlobVerifier.verify(try ImageSource.open(path, compressor: compressor(dir)).sources, concurrency: 1)
        #expect(verified.problems.isEmpty && verified.blobs == Set(images.flatMap { $0.blobs.map(\.digest) }).count, "\(style): \(verified.problems)")
    }

    @Test func aBlobThatDoesNotMatchItsDigestStopsTheArchive() throws {
        let dir = try TemporaryDirectory("node-writer")
        var image = TestImage.make("r.io/team/bad:1", layerSizes: [2000])
        image.layers[0].gzipped = TestLayer.random(size: 2000).gzipped  // bytes that are not the named layer
        image = TestImage(name: image.name, layers: image.layers)
        try ArchiveFixture.write([image], style: .ggcr, to: dir.file("bad.tar"))
        let images = try nodeImages(dir.file("bad.tar"), registry: "10.0.0.5/site", dir)
        #expect { try written(images, dir) } throws: { ($0 as? ArchiveError)?.code == .digestMismatch }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("nodes-") }
        #expect(left.isEmpty, "an archive that failed is not left behind: \(left)")
    }
}
