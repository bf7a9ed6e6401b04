import FerryArchive
import FerryCore
import FerryTestSupport
import Foundation
import Testing

/// `verify` inflates layers with ISA-L. It must read what the real gzip writes (names in the
/// header, several members, any split of the input) exactly as zlib does, and refuse the same damage.
@Suite struct IsalGunzipTests {
    /// Text and random bytes, gzipped by the real gzip at two levels and concatenated (two members).
    func realGzip(_ dir: TemporaryDirectory) throws -> (plain: [UInt8], gzipped: [UInt8]) {
        let text = Array(String(repeating: "ferry delivers modules to air-gapped sites\n", count: 30_000).utf8)
        let noise = TestLayer.random(size: 300_000).uncompressed
        let a = try dir.write("a.txt", text), b = try dir.write("b.bin", noise)
        _ = try Subprocess.check("sh", ["-c", "gzip -9 -c '\(a)' > '\(a).gz' && gzip -1 -n -c '\(b)' > '\(b).gz' && cat '\(a).gz' '\(b).gz' > '\(dir.file("both.gz"))'"])
        let gzipped = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("both.gz"))))
        return (text + noise, gzipped)
    }

    func inflate(_ bytes: [UInt8], split: Int) throws -> [UInt8] {
        let out = MemorySink()
        let gunzip = IsalGzipDecompressor(writingTo: out, origin: "layer.tar.gz")
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + split)
            try bytes[offset..<end].withUnsafeBytes { try gunzip.write($0) }
            offset = end
        }
        try gunzip.finish()
        return out.bytes
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func readsWhatGzipWroteInAnySplit(split: Int) throws {
        let dir = try TemporaryDirectory("isal-gunzip")
        let (plain, gzipped) = try realGzip(dir)
        let zlib = MemorySink()
        let reference = try GzipDecompressor(writingTo: zlib, origin: "layer.tar.gz")
        try gzipped.withUnsafeBytes { try reference.write($0) }
        try reference.finish()
        #expect(zlib.bytes == plain)
        #expect(try inflate(gzipped, split: split) == plain)
    }

    @Test func refusesWhatZlibRefuses() throws {
        let dir = try TemporaryDirectory("isal-gunzip-bad")
        let (_, gzipped) = try realGzip(dir)
        var badCRC = gzipped
        badCRC[badCRC.count - 6] ^= 0xff  // the second member's CRC-32
        var badLength = gzipped
        badLength[badLength.count - 1] ^= 0x01  // its ISIZE
        let truncated = Array(gzipped.dropLast(3))
        let trailingGarbage = gzipped + Array("not gzip".utf8)
        for (name, bytes) in [("crc", badCRC), ("length", badLength), ("truncated", truncated), ("garbage", trailingGarbage)] {
            let error = #expect(throws: ArchiveError.self, "\(name)") { try inflate(bytes, split: 65_536) }
            #expect(error?.message.hasPrefix("layer.tar.gz: ") == true, "\(name): \(String(describing: error))")
            #expect(throws: ArchiveError.self, "zlib, \(name)") {
                let gunzip = try GzipDecompressor(writingTo: MemorySink(), origin: "x")
                try bytes.withUnsafeBytes { try gunzip.write($0) }
                try gunzip.finish()
            }
        }
        #expect(throws: ArchiveError.self) { try inflate([], split: 1) }
    }
}
