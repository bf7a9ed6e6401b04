#if canImport(Glibc)
import Glibc
#endif
import FerryArchive
import FerryCore
import FerryOCI
import FerryTestSupport
import Foundation
import Synchronization
import Testing

/// Inputs found by fuzzing the archive readers: sizes and lengths that overflowed, layouts and
/// files that hung a read, caches and documents that let a corrupt source pass, and messages that
/// did not say which file and key were wrong. Nothing here may trap, hang or succeed wrongly.
@Suite struct HostileInputTests {
    // MARK: - Helpers

    func open(_ path: String, cache: String? = nil) throws -> [ImageSource] {
        try ImageSource.open(path, compressor: LayerCompressor(cacheDirectory: cache)).sources
    }

    /// Runs `body`, which must throw an `ArchiveError` (or any Ferry error) whose message holds every fragment.
    func expectFailure(naming fragments: [String], not forbidden: [String] = [], code: ArchiveError.Code? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error naming \(fragments)", sourceLocation: sourceLocation)
        } catch let error as any FerryError {
            if let code {
                #expect((error as? ArchiveError)?.code == code, "code of: \(error.message)", sourceLocation: sourceLocation)
            }
            for fragment in fragments {
                #expect(error.message.contains(fragment), "message should name \(fragment): \(error.message)", sourceLocation: sourceLocation)
            }
            for fragment in forbidden {
                #expect(!error.message.contains(fragment), "message should not say \(fragment): \(error.message)", sourceLocation: sourceLocation)
            }
            for word in ["Int64", "Swift.", "DecodingError", "CodingKeys", "Foundation", "/Sources/", ".swift"] {
                #expect(!error.message.contains(word), "no library names or build paths: \(error.message)", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("not a Ferry error: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Runs `body` on its own thread. If it has not returned after `seconds`, the test fails as a
    /// hang, and each FIFO in `fifos` is opened for writing so that a reader blocked in open(2)
    /// comes free and the test run can go on.
    func withinDeadline(_ seconds: Double, unblocking fifos: [String] = [], _ body: @escaping @Sendable () -> Void,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            Issue.record("hung: still running after \(seconds) seconds", sourceLocation: sourceLocation)
            for fifo in fifos {
                let fd = Glibc.open(fifo, O_WRONLY | O_NONBLOCK)
                if fd >= 0 { close(fd) }
            }
            // Give an unblocked reader time to finish; a body that never ends is left behind.
            _ = done.wait(timeout: .now() + 30)
        }
    }

    /// A file that holds `bytes`.
    func write(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) throws -> String {
        try dir.write(name, bytes)
    }

    // MARK: - Tar headers that overflowed

    /// Tar headers with any size field, so sizes no writer would produce can be given.
    struct HostileTar {
        var bytes: [UInt8] = []

        /// GNU base-256: the high bit of the first byte set, the value big-endian in the rest.
        static func base256(_ value: Int64) -> [UInt8] {
            var field: [UInt8] = [0x80, 0, 0, 0]
            for shift in stride(from: 56, through: 0, by: -8) { field.append(UInt8(truncatingIfNeeded: value >> Int64(shift))) }
            return field
        }

        static func octal(_ value: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, 11 - digits.count)) + digits).utf8) + [0]
        }

        mutating func header(_ name: String, type: UInt8, size: [UInt8], linkname: String = "") {
            var block = [UInt8](repeating: 0, count: 512)
            func put(_ field: [UInt8], at offset: Int) { for (i, b) in field.enumerated() { block[offset + i] = b } }
            put(Array(name.utf8.prefix(100)), at: 0)
            put(Array("0000644\0".utf8), at: 100)
            put(Array("0000000\0".utf8), at: 108)
            put(Array("0000000\0".utf8), at: 116)
            put(size, at: 124)
            put(Array("00000000000\0".utf8), at: 136)
            block[156] = type
            put(Array(linkname.utf8.prefix(100)), at: 157)
            put(Array("ustar\0".utf8), at: 257)
            put(Array("00".utf8), at: 263)
            put(Array("        ".utf8), at: 148)
            let sum = block.reduce(0) { $0 + Int($1) }
            put(Array(String(format: "%06o", sum).utf8) + [0, 32], at: 148)
            bytes += block
        }

        mutating func data(_ data: [UInt8]) {
            bytes += data
            if data.count % 512 != 0 { bytes += [UInt8](repeating: 0, count: 512 - data.count % 512) }
        }

        mutating func file(_ name: String, _ data: [UInt8]) {
            header(name, type: UInt8(ascii: "0"), size: Self.octal(data.count))
            self.data(data)
        }

        mutating func end() { bytes += [UInt8](repeating: 0, count: 1024) }

        /// An empty file's header with no name, and its checksum with the checksum field as spaces.
        static let emptyFileTemplate: (block: [UInt8], sum: Int) = {
            var tar = HostileTar()
            tar.header("", type: UInt8(ascii: "0"), size: octal(0))
            var block = tar.bytes
            for i in 148..<156 { block[i] = 32 }
            return (tar.bytes, block.reduce(0) { $0 + Int($1) })
        }()

        /// `file(name, [])`, quickly: for archives of very many members.
        mutating func emptyFile(_ name: String) {
            var block = Self.emptyFileTemplate.block
            var sum = Self.emptyFileTemplate.sum
            for (i, b) in name.utf8.prefix(100).enumerated() {
                block[i] = b
                sum += Int(b)
            }
            let digits = String(sum, radix: 8)
            for (i, b) in (String(repeating: "0", count: 6 - digits.count) + digits).utf8.enumerated() { block[148 + i] = b }
            bytes += block
        }
    }

    enum HostileHeader: String, CaseIterable, Sendable {
        case base256FileSize, paxSize, paxHeaderSize, gnuLongNameSize, paxRecordLength, characterDeviceSize

        /// The archive, and what its error must name.
        var archive: (bytes: [UInt8], names: [String]) {
            var tar = HostileTar()
            tar.file("first.txt", Array("fine\n".utf8))
            var names: [String]
            switch self {
            case .base256FileSize:
                // dataOffset + size passed Int64.max.
                tar.header("big.bin", type: UInt8(ascii: "0"), size: HostileTar.base256(Int64.max - 510))
                tar.data(Array("tiny".utf8))
                names = ["'big.bin'", "offset 1024"]
            case .paxSize:
                let record = Array("28 size=9223372036854775807\n".utf8)
                tar.header("PaxHeaders/sized", type: UInt8(ascii: "x"), size: HostileTar.octal(record.count))
                tar.data(record)
                tar.file("sized", [])
                names = ["'sized'", "pax", "offset 2048"]
            case .paxHeaderSize:
                tar.header("PaxHeaders/huge", type: UInt8(ascii: "x"), size: HostileTar.base256(Int64.max - 510))
                tar.data(Array("9 path=x\n".utf8))
                names = ["'PaxHeaders/huge'", "offset 1024"]
            case .gnuLongNameSize:
                tar.header("././@LongLink", type: UInt8(ascii: "L"), size: HostileTar.base256(Int64.max - 510))
                tar.data(Array("name\0".utf8))
                names = ["'././@LongLink'", "offset 1024"]
            case .paxRecordLength:
                // A sound first record, then one whose length makes `i + length` wrap.
                let records = Array("9 path=x\n9223372036854775807 k=v\n".utf8)
                tar.header("PaxHeaders/records", type: UInt8(ascii: "x"), size: HostileTar.octal(records.count))
                tar.data(records)
                tar.file("x", [])
                names = ["pax record", "'PaxHeaders/records'", "9223372036854775807", "offset 1024"]
            case .characterDeviceSize:
                // Devices had no size limit; the padded size then wrapped the next offset.
                tar.header("dev/tty0", type: UInt8(ascii: "3"), size: HostileTar.base256(Int64.max - 1023))
                names = ["'dev/tty0'", "offset 1024"]
            }
            tar.end()
            return (tar.bytes, names)
        }
    }

    @Test(arguments: HostileHeader.allCases, [false, true])
    func sizesAndLengthsNeverOverflow(_ header: HostileHeader, nested: Bool) throws {
        let dir = try TemporaryDirectory()
        let (hostile, names) = header.archive
        let path: String
        let origin: String
        if nested {
            // In a bundle: images.tar is indexed in place, through TarIndex(range:).
            var outer = RawTar()
            outer.add("hints.yaml", Array("- {{ .image.repository }}\n".utf8))
            outer.add("images.tar", hostile)
            outer.end()
            path = try write(dir, "demo.bundle.tar", outer.bytes)
            origin = "demo.bundle.tar!images.tar"
        } else {
            path = try write(dir, "hostile.tar", hostile)
            origin = "hostile.tar"
        }
        let innerStart = nested ? 1536 : 0
        let located = names.map { name in
            // Offsets are in the file, so an inner header's offset moves by where images.tar starts.
            guard name.hasPrefix("offset "), let value = Int(name.dropFirst(7)) else { return name }
            return "offset \(value + innerStart)"
        }
        expectFailure(naming: [origin] + located) { _ = try open(path) }
    }

    @Test func aChainOfLinksTooLongIsNotCalledALoop() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("target.bin", Array("data".utf8))
        for i in 0..<21 { raw.add("l\(i)", type: .symlink, linkname: i == 20 ? "target.bin" : "l\(i + 1)") }
        for i in 0..<16 { raw.add("ok\(i)", type: .symlink, linkname: i == 15 ? "target.bin" : "ok\(i + 1)") }
        raw.add("a", type: .symlink, linkname: "b")
        raw.add("b", type: .hardlink, linkname: "a")
        raw.end()
        let tar = try TarIndex(file: try RandomAccessFile(path: try write(dir, "links.tar", raw.bytes)))
        expectFailure(naming: ["links.tar", "'l0'", "more than 16 links"], not: ["loop"], code: .unsafeEntry) {
            _ = try tar.member("l0")
        }
        // Sixteen links are followed; a real loop is still called one, with its path.
        #expect(try tar.member("ok0").readAll() == Array("data".utf8))
        expectFailure(naming: ["'a'", "link loop", "'a' → 'b' → 'a'"], code: .unsafeEntry) { _ = try tar.member("a") }
    }

    /// Large listings stay linear: a 100,000-entry tar, and an OCI image of 20,000 layers (whose
    /// blobs were each compared with every other before). No timing is asserted; a quadratic pass
    /// would take minutes here.
    @Test func largeListingsStayLinear() throws {
        let dir = try TemporaryDirectory()
        var tar = HostileTar()
        let count = 100_000
        for i in 0..<count { tar.emptyFile("d\(i % 100)/f\(i)") }
        tar.end()
        let index = try TarIndex(file: try RandomAccessFile(path: try write(dir, "many.tar", tar.bytes)))
        #expect(index.entries.count == count)
        var found = 0
        for i in stride(from: 0, to: count, by: 7) where index.contains("d\(i % 100)/f\(i)") { found += 1 }
        #expect(found == (count + 6) / 7)
        #expect(index.members(under: "d7").count == count / 100)

        // An OCI layout: one manifest listing 20,000 distinct (tiny, gzip-looking) layers.
        let layerCount = 20_000
        let image = TestImage.make("example.com/big/layers:1", layerSizes: [])
        var files: [(String, [UInt8])] = [("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)),
                                          ("blobs/sha256/\(image.configDigest.hex)", image.config)]
        var layers: [String] = []
        for i in 0..<layerCount {
            let bytes: [UInt8] = [0x1f, 0x8b, 8, 0] + Array(String(i).utf8)
            let digest = Digest.of(bytes)
            files.append(("blobs/sha256/\(digest.hex)", bytes))
            layers.append(#"{"mediaType":"\#(MediaType.ociLayerGzip)","digest":"\#(digest)","size":\#(bytes.count)}"#)
        }
        let manifest = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(image.configDigest)","size":\#(image.config.count)},"layers":[\#(layers.joined(separator: ","))]}"#.utf8)
        files.append(("blobs/sha256/\(Digest.of(manifest).hex)", manifest))
        files.append(("index.json", Self.index([Self.descriptor(manifest, name: "example.com/big/layers:1")])))
        let path = try Self.writeTar(files, to: dir.file("big-layout.tar"))
        let read = try #require(try open(path).first).archive.images[0]
        #expect(read.blobs.count == layerCount + 1)
        #expect(try read.layers().count == layerCount)
    }

    // MARK: - OCI layouts that hung

    static func descriptor(_ document: [UInt8], mediaType: String = MediaType.ociManifest, name: String? = nil) -> String {
        let annotations = name.map { #","annotations":{"org.opencontainers.image.ref.name":"\#($0)"}"# } ?? ""
        return #"{"mediaType":"\#(mediaType)","digest":"\#(Digest.of(document))","size":\#(document.count)\#(annotations)}"#
    }

    static func index(_ descriptors: [String]) -> [UInt8] {
        Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[\#(descriptors.joined(separator: ","))]}"#.utf8)
    }

    static func writeTar(_ files: [(String, [UInt8])], to path: String) throws -> String {
        let sink = try AtomicFileSink(path: path)
        let tar = TarWriter(writingTo: sink)
        var seen = Set<String>()
        for (name, bytes) in files where seen.insert(name).inserted { try tar.addFile(name, bytes: bytes) }
        try tar.finish()
        try sink.commit()
        return path
    }

    /// oci-layout and the blobs of `image` (config, gzip layers, manifest).
    static func imageFiles(_ image: TestImage) -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = [("oci-layout", Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)),
                                          ("blobs/sha256/\(image.configDigest.hex)", image.config)]
        for layer in image.layers { files.append(("blobs/sha256/\(layer.digest.hex)", layer.gzipped)) }
        files.append(("blobs/sha256/\(Digest.of(image.ociManifest).hex)", image.ociManifest))
        return files
    }

    @Test func indexesThatFanOutAreWalkedOnce() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("example.com/fan/out:1", layerSizes: [300])
        var files = Self.imageFiles(image)
        // Five levels, each index listing the next one 200 times: 200^5 paths, six documents.
        var child = image.ociManifest
        var childType = MediaType.ociManifest
        for _ in 0..<5 {
            let index = Self.index(Array(repeating: Self.descriptor(child, mediaType: childType), count: 200))
            files.append(("blobs/sha256/\(Digest.of(index).hex)", index))
            child = index
            childType = MediaType.ociIndex
        }
        files.append(("index.json", Self.index([Self.descriptor(child, mediaType: MediaType.ociIndex, name: "example.com/fan/out:1")])))
        let path = try Self.writeTar(files, to: dir.file("fan.tar"))
        let result = Mutex<Result<ImageSource, any Error>?>(nil)
        withinDeadline(60) {
            let opened = Result { try ImageSource.open(path, compressor: LayerCompressor(cacheDirectory: nil)).sources[0] }
            result.withLock { $0 = opened }
        }
        let source = try #require(try result.withLock { $0 }?.get())
        let read = source.archive.images[0]
        #expect(read.children.count == 5)  // four inner indexes and the manifest, each once
        #expect(Set(read.blobs.map(\.digest)) == Set([image.configDigest] + image.layers.map(\.digest)))
        #expect(read.platforms == [image.platform])
    }

    @Test func documentsAndDepthAreBounded() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("example.com/many/docs:1", layerSizes: [100])
        var files = Self.imageFiles(image)
        // 100 distinct manifests (the same image, told apart by an annotation) ...
        var manifests: [String] = []
        for i in 0..<100 {
            let manifest = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(image.configDigest)","size":\#(image.config.count)},"layers":[{"mediaType":"\#(MediaType.ociLayerGzip)","digest":"\#(image.layers[0].digest)","size":\#(image.layers[0].gzipped.count)}],"annotations":{"n":"\#(i)"}}"#.utf8)
            files.append(("blobs/sha256/\(Digest.of(manifest).hex)", manifest))
            manifests.append(Self.descriptor(manifest))
        }
        // ... listed by each of 101 distinct indexes, each its own image: 101 × 101 visits.
        var entries: [String] = []
        for i in 0..<101 {
            let index = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[\#(manifests.joined(separator: ","))],"annotations":{"n":"\#(i)"}}"#.utf8)
            files.append(("blobs/sha256/\(Digest.of(index).hex)", index))
            entries.append(Self.descriptor(index, mediaType: MediaType.ociIndex, name: "example.com/many/docs:\(i)"))
        }
        files.append(("index.json", Self.index(entries)))
        let many = try Self.writeTar(files, to: dir.file("many.tar"))
        expectFailure(naming: ["many.tar", "more than 10000"], code: .invalidImage) { _ = try open(many) }

        // Nine indexes, each holding the next: deeper than 8.
        var deep = Self.imageFiles(image)
        var child = image.ociManifest
        var childType = MediaType.ociManifest
        for _ in 0..<9 {
            let index = Self.index([Self.descriptor(child, mediaType: childType)])
            deep.append(("blobs/sha256/\(Digest.of(index).hex)", index))
            child = index
            childType = MediaType.ociIndex
        }
        deep.append(("index.json", Self.index([Self.descriptor(child, mediaType: MediaType.ociIndex, name: "example.com/deep:1")])))
        let deepPath = try Self.writeTar(deep, to: dir.file("deep.tar"))
        expectFailure(naming: ["deep.tar", "more than 8 deep", "index.json: manifests[0]"], code: .invalidImage) { _ = try open(deepPath) }
    }

    // MARK: - Files that are not regular files

    func mkfifo(_ path: String) throws -> String {
        guard Glibc.mkfifo(path, 0o644) == 0 else { throw TestSupportError("mkfifo \(path): \(String(cString: strerror(errno)))") }
        return path
    }

    @Test func aFIFOIsNamedAndNeverBlocks() throws {
        let dir = try TemporaryDirectory()
        // As SOURCE.
        let source = try mkfifo(dir.file("images.tar"))
        withinDeadline(30, unblocking: [source]) {
            expectFailure(naming: [source, "is a FIFO (named pipe), not a regular file"]) { _ = try open(source) }
        }
        // As a bundle in a directory of bundles.
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/a-1.0.0.bundle.tar"), images: [TestImage.make("r.io/a/x:1")])
        let bundle = try mkfifo(dir.file("offline/b-1.0.0.bundle.tar"))
        withinDeadline(30, unblocking: [bundle]) {
            expectFailure(naming: ["b-1.0.0.bundle.tar", "is a FIFO (named pipe)"]) { _ = try open(dir.file("offline")) }
        }
        // As a blob, and as index.json, of an OCI layout directory.
        let image = TestImage.make("r.io/a/layout:1", layerSizes: [200])
        let layout = dir.file("layout")
        try ArchiveFixture.write([image], style: .ociDirectory, to: layout)
        let blob = layout + "/blobs/sha256/\(image.layers[0].digest.hex)"
        try FileManager.default.removeItem(atPath: blob)
        _ = try mkfifo(blob)
        withinDeadline(30, unblocking: [blob]) {
            expectFailure(naming: [image.layers[0].digest.hex, "is a FIFO (named pipe)"], not: ["has no"]) { _ = try open(layout) }
        }
        try FileManager.default.removeItem(atPath: layout + "/index.json")
        let index = try mkfifo(layout + "/index.json")
        withinDeadline(30, unblocking: [index]) {
            expectFailure(naming: ["index.json", "is a FIFO (named pipe)"]) { _ = try open(layout) }
        }
    }

    @Test func socketsAndDevicesAreNamed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("registry.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        expectFailure(naming: [path, "is a socket, not a regular file"]) { _ = try open(path) }
        expectFailure(naming: ["/dev/null", "is a character device, not a regular file"]) { _ = try open("/dev/null") }
        // Through a symbolic link, the link is named too.
        try FileManager.default.createSymbolicLink(atPath: dir.file("null.tar"), withDestinationPath: "/dev/null")
        expectFailure(naming: ["null.tar", "symbolic link", "character device"]) { _ = try open(dir.file("null.tar")) }
    }

    @Test func symlinkedBlobsAreReadOrNamedNeverMissing() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("r.io/a/links:1", layerSizes: [200])
        let layout = dir.file("layout")
        try ArchiveFixture.write([image], style: .ociDirectory, to: layout)
        let blobs = layout + "/blobs/sha256"
        let layer = blobs + "/\(image.layers[0].digest.hex)"
        // A link to a file inside the layout is read as that file.
        try FileManager.default.createDirectory(atPath: layout + "/store", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: layer, toPath: layout + "/store/layer")
        try FileManager.default.createSymbolicLink(atPath: layer, withDestinationPath: "../../store/layer")
        let read = try #require(try open(layout).first).archive.images[0]
        #expect(read.blobs.contains { $0.digest == image.layers[0].digest })

        // A link that leaves the layout is refused as such, not as a missing blob.
        let outside = try dir.write("outside.bin", image.layers[0].gzipped)
        try FileManager.default.removeItem(atPath: layer)
        try FileManager.default.createSymbolicLink(atPath: layer, withDestinationPath: outside)
        expectFailure(naming: [image.layers[0].digest.hex, "leads outside"], not: ["has no"], code: .unsafeEntry) { _ = try open(layout) }

        // A link to nothing says so.
        try FileManager.default.removeItem(atPath: layer)
        try FileManager.default.createSymbolicLink(atPath: layer, withDestinationPath: "../../store/gone")
        expectFailure(naming: [image.layers[0].digest.hex, "symbolic link to '../../store/gone', which does not exist"], not: ["has no"]) {
            _ = try open(layout)
        }
    }

    // MARK: - Wrong successes

    /// A copy of the uncompressed archive at `path` with one byte of a layer's file content changed:
    /// the tar stays well formed, the layer no longer matches its diff_id.
    func corruptedCopy(of path: String, layer: TestLayer, to copy: String) throws -> String {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let index = try TarIndex(file: try RandomAccessFile(path: path))
        let member = try index.member("\(layer.diffID.hex).tar")
        let position = Int(member.offset) + 512 + 100  // inside the layer tar's first file
        bytes[position] ^= 0x5a
        try FileManager.default.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(FileManager.default.createFile(atPath: copy, contents: Data(bytes)))
        return copy
    }

    @Test func theCompressionCacheNeverVouchesForASource() throws {
        let dir = try TemporaryDirectory()
        let cache = dir.file("cache")
        let image = TestImage.make("r.io/a/uncompressed:1", layerSizes: [40_000])
        let good = dir.file("good.tar")
        try ArchiveFixture.write([image], style: .skopeo, to: good)

        // Filling the cache from a layer that does not match its diff_id fails and caches nothing.
        let early = try corruptedCopy(of: good, layer: image.layers[0], to: dir.file("early/bad.tar"))
        expectFailure(naming: ["bad.tar!\(image.layers[0].diffID.hex).tar", "diff_id", image.layers[0].diffID.string], code: .digestMismatch) {
            _ = try open(early, cache: cache)
        }
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/gzip")) ?? []
        let cachedBlobs = (try? FileManager.default.contentsOfDirectory(atPath: cache + "/blobs/sha256")) ?? []
        #expect(cached.isEmpty && cachedBlobs.isEmpty, "nothing cached: \(cached) \(cachedBlobs)")

        // A sound push fills the cache ...
        let sound = try #require(try open(good, cache: cache).first).archive.images[0]
        let blob = try #require(sound.blobs.first { if case .gzipped = $0.source { true } else { false } })
        guard case .gzipped(let range, let diffID) = blob.source else { return }
        let gzipped = try LayerCompressor(cacheDirectory: cache).compressedBytes(of: range, diffID: diffID, expected: blob.digest)
        #expect(try gzipped.digest() == blob.digest)

        // ... and a corrupt copy, read later with the same cache, is found out when its layer is
        // served for a push, as ImagePusher.upload asks for it.
        let late = try corruptedCopy(of: good, layer: image.layers[0], to: dir.file("late/copy.tar"))
        let compressor = LayerCompressor(cacheDirectory: cache)
        let copy = try #require(try ImageSource.open(late, compressor: compressor).sources.first).archive.images[0]
        let copyBlob = try #require(copy.blobs.first { $0.digest == blob.digest })
        guard case .gzipped(let copyRange, let copyDiffID) = copyBlob.source else { Issue.record("expected a gzipped blob"); return }
        expectFailure(naming: ["copy.tar!\(image.layers[0].diffID.hex).tar", "diff_id", image.layers[0].diffID.string, "the bytes hash to sha256:"],
                      code: .digestMismatch) {
            _ = try compressor.compressedBytes(of: copyRange, diffID: copyDiffID, expected: copyBlob.digest)
        }
        // The entry is discarded: the sound archive compresses it again and pushes fine.
        #expect(!FileManager.default.fileExists(atPath: cache + "/gzip/\(diffID.hex).json"))
        let again = try #require(try open(good, cache: cache).first).archive.images[0]
        let againBlob = try #require(again.blobs.first { $0.digest == blob.digest })
        guard case .gzipped(let againRange, _) = againBlob.source else { return }
        #expect(try LayerCompressor(cacheDirectory: cache).compressedBytes(of: againRange, diffID: diffID, expected: blob.digest).digest() == blob.digest)
    }

    @Test func aCorruptCopyIsNotPushedFromTheCache() async throws {
        let first = try LiveRegistry.start(.plain)
        let second = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let cache = dir.file("cache")
        let image = TestImage.make("r.io/team/uncompressed:1", layerSizes: [30_000])
        let good = dir.file("good.tar")
        try ArchiveFixture.write([image], style: .legacyDockerSave, to: good)
        let pushed = await CLIRunner.run(["push", good, "--registry", first.host, "--repository", "p"] + first.ferryFlags,
                                         environment: ["FERRY_CACHE_DIR": cache])
        #expect(pushed.exitCode == 0, "\(pushed.stderr)")

        // The same archive with one layer byte changed, pushed where nothing is yet.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: good)))
        let index = try TarIndex(file: try RandomAccessFile(path: good))
        let layer = try #require(index.entries.first { $0.path.hasSuffix("/layer.tar") && $0.isFile })
        bytes[Int(layer.dataOffset) + 512 + 100] ^= 0x5a
        let bad = try dir.write("bad.tar", bytes)
        let result = await CLIRunner.run(["push", bad, "--registry", second.host, "--repository", "p"] + second.ferryFlags,
                                         environment: ["FERRY_CACHE_DIR": cache])
        #expect(result.exitCode != 0, "a corrupt archive was pushed: \(result.stdout)")
        let output = result.stdout + result.stderr
        #expect(output.contains("diff_id") && output.contains(image.layers[0].diffID.string), "\(output)")
    }

    @Test func strictJSON() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("r.io/a/json:1", layerSizes: [100])
        // A manifest.json with a trailing comma was accepted.
        var raw = RawTar()
        raw.add("sha256:\(image.configDigest.hex)", image.config)
        raw.add("\(image.layers[0].digest.hex).tar.gz", image.layers[0].gzipped)
        raw.add("manifest.json", Array(#"[{"Config":"sha256:\#(image.configDigest.hex)","RepoTags":["r.io/a/json:1"],"Layers":["\#(image.layers[0].digest.hex).tar.gz"]},]"#.utf8))
        raw.end()
        let path = try dir.write("comma.tar", raw.bytes)
        expectFailure(naming: ["comma.tar!manifest.json", "not valid JSON", "trailing comma", "line 1, column"]) { _ = try open(path) }

        // Other JSON5 and Foundation leniencies, refused as Go refuses them.
        struct Doc: Decodable { var a: Int }
        for text in [#"{"a":1,}"#, "\u{FEFF}{\"a\":1}", #"{"a":1} // c"#, #"{'a':1}"#, #"{a:1}"#, #"{"a":01}"#,
                     #"{"a":1}{}"#, #"{"a":+1}"#, #"{"a":.5}"#, #"{"a":NaN}"#, "{\"a\":\"x\ny\"}", #"{"a":"\x"}"#,
                     String(repeating: "[", count: 100_000)] {
            #expect(throws: OCIError.self, "\(text.prefix(20)) must be refused") { _ = try GoJSON.decode(Doc.self, from: Array(text.utf8)) }
        }
        #expect(try GoJSON.decode(Doc.self, from: Array(" {\"a\" : 1e3 }\n".utf8)).a == 1000)

        // A size too large for any file is named as that, with the file and the key.
        let layout = dir.file("layout")
        try ArchiveFixture.write([image], style: .ociDirectory, to: layout)
        let manifest = image.ociManifest
        _ = try dir.write("layout/index.json", #"{"schemaVersion":2,"manifests":[{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(Digest.of(manifest))","size":1e30}]}"#)
        expectFailure(naming: ["layout/index.json", "manifests[0].size", "1e30", "out of range"], not: ["not valid JSON"]) { _ = try open(layout) }
        // And in a blob's manifest.
        let bigLayer = String(decoding: manifest, as: UTF8.self).replacingOccurrences(of: "\"size\":\(image.layers[0].gzipped.count)", with: "\"size\":9223372036854775808")
        let bigManifest = Array(bigLayer.utf8)
        _ = try dir.write("layout/blobs/sha256/\(Digest.of(bigManifest).hex)", bigManifest)
        _ = try dir.write("layout/index.json", String(decoding: Self.index([Self.descriptor(bigManifest, name: "r.io/a/json:1")]), as: UTF8.self))
        expectFailure(naming: [Digest.of(bigManifest).hex, "layers[0].size", "9223372036854775808", "out of range"], not: ["not valid JSON"]) {
            _ = try open(layout)
        }
    }

    // MARK: - Messages

    @Test func indexJSONErrorsNameTheFileAndTheEntry() throws {
        let dir = try TemporaryDirectory()
        let image = TestImage.make("r.io/a/msg:1", layerSizes: [100])
        let good = Self.descriptor(image.ociManifest, name: "r.io/a/msg:1")
        func layout(_ entries: [String]) throws -> String {
            let path = dir.file("layout-\(UUID().uuidString.prefix(6)).tar")
            return try Self.writeTar(Self.imageFiles(image) + [("index.json", Self.index(entries))], to: path)
        }
        let badDigest = #"{"mediaType":"\#(MediaType.ociManifest)","digest":"sha256:xyz","size":10}"#
        let tar = try layout([good, good, good, badDigest])
        expectFailure(naming: ["\((tar as NSString).lastPathComponent)!index.json", "manifests[3].digest", "sha256:xyz"]) { _ = try open(tar) }

        let missing = #"{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(Digest.of(Array("gone".utf8)))","size":4}"#
        expectFailure(naming: ["!index.json: manifests[2]", "has no blob"]) { _ = try open(try layout([good, good, missing])) }

        let wrongType = #"{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(Digest.of(image.ociManifest))","size":"\#(image.ociManifest.count)"}"#
        expectFailure(naming: ["!index.json", "manifests[1].size", "expected a whole number, found a string"]) {
            _ = try open(try layout([good, wrongType]))
        }
        let wrongSize = #"{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(Digest.of(image.ociManifest))","size":\#(image.ociManifest.count + 1)}"#
        expectFailure(naming: ["!index.json: manifests[0]", "says \(image.ociManifest.count + 1)"]) { _ = try open(try layout([wrongSize])) }
        expectFailure(naming: ["!index.json: manifests[1]", "size \(image.ociManifest.count + 1)", "manifests[0] says"]) {
            _ = try open(try layout([good, wrongSize]))
        }
        let badName = #"{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(Digest.of(image.ociManifest))","size":\#(image.ociManifest.count),"annotations":{"io.containerd.image.name":"r.io/a/b:bad tag!"}}"#
        expectFailure(naming: ["!index.json", "manifests[0].annotations", "r.io/a/b:bad tag!"]) { _ = try open(try layout([badName])) }
    }
}
