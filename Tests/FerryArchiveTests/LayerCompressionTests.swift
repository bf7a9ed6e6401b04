import FerryArchive
import FerryCore
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// Uncompressed layers are gzipped with ISA-L: valid gzip that the real gzip decompresses to the
/// layer, the same bytes every time, and a digest an earlier run recorded (with zlib) never changes.
@Suite struct LayerCompressionTests {
    /// A skopeo-style archive (uncompressed layers) whose layer mixes text and random bytes, as real layers do.
    func archive(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.file("save.tar")
        let tar = MemorySink()
        let writer = TarWriter(writingTo: tar)
        try writer.addFile("etc/words.txt", bytes: Array(String(repeating: "ferry delivers modules ", count: 20_000).utf8))
        try writer.addFile("bin/blob", bytes: TestLayer.random(size: 100_000).uncompressed)
        try writer.finish()
        try ArchiveFixture.write([TestImage(name: "r.io/a/app:1", layers: [TestLayer(uncompressed: tar.bytes)])], style: .skopeo, to: path)
        return path
    }

    func gzippedBlob(_ path: String, cache: String) throws -> (ArchivedBlob, ByteRange, Digest) {
        let image = try #require(try ImageSource.open(path, compressor: LayerCompressor(cacheDirectory: cache)).sources.first).archive.images[0]
        let blob = try #require(image.blobs.first { if case .gzipped = $0.source { true } else { false } })
        guard case .gzipped(let range, let diffID) = blob.source else { throw TestSupportError("no gzipped layer") }
        return (blob, range, diffID)
    }

    @Test func isalOutputIsDeterministicGzipThatGunzipReads() throws {
        let dir = try TemporaryDirectory("isal")
        let path = try archive(dir)
        let (blob, range, diffID) = try gzippedBlob(path, cache: dir.file("cache-a"))
        let bytes = try LayerCompressor(cacheDirectory: dir.file("cache-a")).compressedBytes(of: range, diffID: diffID, expected: blob.digest)
        #expect(try bytes.digest() == blob.digest)
        // A second cache, compressed from scratch: the same digest.
        #expect(try gzippedBlob(path, cache: dir.file("cache-b")).0.digest == blob.digest)
        // Smaller than the layer (the text compresses), and the real gzip gives the layer back.
        #expect(blob.size < range.length)
        let file = try dir.write("layer.gz", try bytes.read(at: 0, count: Int(bytes.length)))
        let gunzip = try Subprocess.run("sh", ["-c", "gzip -dc '\(file)' | sha256sum"])
        #expect(gunzip.status == 0 && gunzip.stdout.hasPrefix(diffID.hex), "\(gunzip.stderr)")
        let mapping = try String(contentsOfFile: dir.file("cache-a/gzip/\(diffID.hex).json"), encoding: .utf8)
        #expect(mapping.contains(IsalGzipCompressor.identity), "\(mapping)")
    }

    @Test func aDigestRecordedWithZlibStaysAuthoritative() throws {
        let dir = try TemporaryDirectory("zlib-cache")
        let path = try archive(dir)
        let cache = dir.file("cache")
        let (_, range, diffID) = try gzippedBlob(path, cache: dir.file("scratch"))
        // What an earlier version of Ferry left: the zlib-gzipped layer and its mapping.
        try FileManager.default.createDirectory(atPath: cache + "/blobs/sha256", withIntermediateDirectories: true)
        let scratch = cache + "/blobs/sha256/incoming"
        let file = try AtomicFileSink(path: scratch)
        let hash = DigestingSink(forwardingTo: file)
        let gzip = try GzipCompressor(writingTo: hash)
        try range.forEachChunk { try gzip.write($0) }
        try gzip.finish()
        try file.commit()
        let zlibDigest = hash.digest
        try FileManager.default.moveItem(atPath: scratch, toPath: cache + "/blobs/sha256/\(zlibDigest.hex)")
        try FileManager.default.createDirectory(atPath: cache + "/gzip", withIntermediateDirectories: true)
        _ = try dir.write("cache/gzip/\(diffID.hex).json", #"{"digest":"\#(zlibDigest)","size":\#(hash.count),"zlib":"\#(GzipCompressor.zlibVersion)"}"#)

        let (blob, again, _) = try gzippedBlob(path, cache: cache)
        #expect(blob.digest == zlibDigest, "the recorded digest is kept, not recompressed with ISA-L")
        #expect(blob.digest != (try gzippedBlob(path, cache: dir.file("fresh")).0.digest), "ISA-L's bytes differ from zlib's")
        // The cached copy gone: made again with zlib, to the same digest.
        try FileManager.default.removeItem(atPath: cache + "/blobs/sha256/\(zlibDigest.hex)")
        let remade = try LayerCompressor(cacheDirectory: cache).compressedBytes(of: again, diffID: diffID, expected: zlibDigest)
        #expect(try remade.digest() == zlibDigest)
    }
}
