import FerryArchive
import FerryCore
import FerryTestSupport
import Foundation
import Testing

@Suite struct TarTests {
    func index(_ bytes: [UInt8], in dir: TemporaryDirectory, name: String = "t.tar") throws -> TarIndex {
        try TarIndex(file: try RandomAccessFile(path: try dir.write(name, bytes)))
    }

    func written(_ build: (TarWriter) throws -> Void) throws -> [UInt8] {
        let sink = MemorySink()
        let writer = TarWriter(writingTo: sink)
        try build(writer)
        try writer.finish()
        return sink.bytes
    }

    @Test func roundTripsFilesAndLongNames() throws {
        let dir = try TemporaryDirectory()
        let long = String(repeating: "d/", count: 60) + "file.txt"   // 128 bytes: ustar prefix split
        let veryLong = String(repeating: "x", count: 300) + "/f"     // needs a pax record
        let bytes = try written {
            try $0.addFile("a.txt", bytes: Array("hello".utf8))
            try $0.addFile(long, bytes: Array("long".utf8))
            try $0.addFile(veryLong, bytes: [UInt8](repeating: 7, count: 1000))
            try $0.addDirectory("dir")
        }
        #expect(bytes.count % 512 == 0)
        let tar = try index(bytes, in: dir)
        #expect(tar.paths == ["a.txt", long, veryLong, "dir"])
        #expect(try tar.member("a.txt").readAll() == Array("hello".utf8))
        #expect(try tar.member(long).readAll() == Array("long".utf8))
        #expect(try tar.member(veryLong).readAll() == [UInt8](repeating: 7, count: 1000))
        #expect(tar.entry("dir")?.kind == .directory)
    }

    @Test func writerIsDeterministic() throws {
        let build: (TarWriter) throws -> Void = {
            try $0.addFile("x/y.json", bytes: Array("{}".utf8))
            try $0.addFile("z", bytes: [1, 2, 3])
        }
        let first = try written(build)
        let second = try written(build)
        #expect(first == second)
        // mtime 0, uid/gid 0, mode 0644, ustar magic.
        #expect(Array(first[136..<147]) == Array("00000000000".utf8))
        #expect(Array(first[100..<107]) == Array("0000644".utf8))
        #expect(Array(first[257..<263]) == Array("ustar\0".utf8))
    }

    @Test func indexesANestedTarInPlace() throws {
        let dir = try TemporaryDirectory()
        let inner = try written { try $0.addFile("layer.bin", bytes: Array("inner bytes".utf8)) }
        let outer = try written {
            try $0.addFile("hints.yaml", bytes: Array("- x\n".utf8))
            try $0.addFile("images.tar", bytes: inner)
        }
        let tar = try index(outer, in: dir)
        let innerRange = try tar.member("images.tar")
        let nested = try TarIndex(range: innerRange)
        let member = try nested.member("layer.bin")
        // Offsets are in the outer file: reading there gives the inner member's bytes.
        #expect(member.offset > innerRange.offset)
        #expect(try member.file.read(at: member.offset, count: Int(member.length)) == Array("inner bytes".utf8))
        #expect(member.origin.hasSuffix("t.tar!images.tar!layer.bin"))
    }

    @Test func readsPaxAndGNULongNames() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        let paxName = String(repeating: "p", count: 150) + ".txt"
        raw.addPax(["path": paxName])
        raw.add("short-placeholder", Array("pax".utf8))
        let gnuName = String(repeating: "g", count: 200)
        raw.addGNULongName(gnuName)
        raw.add("truncated-name", Array("gnu".utf8))
        raw.addPax(["size": "3"])
        raw.add("sized", Array("abc".utf8), declaredSize: 0)
        raw.end()
        let tar = try index(raw.bytes, in: dir)
        #expect(try tar.member(paxName).readAll() == Array("pax".utf8))
        #expect(try tar.member(gnuName).readAll() == Array("gnu".utf8))
        #expect(try tar.member("sized").readAll() == Array("abc".utf8))
    }

    // MARK: - Hostile and broken archives

    func expectArchiveError(_ code: ArchiveError.Code, naming fragment: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code) naming \(fragment)")
        } catch let error as ArchiveError {
            #expect(error.code == code)
            #expect(error.message.contains(fragment), "message should name \(fragment): \(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func refusesAbsolutePaths() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("/etc/passwd", Array("x".utf8))
        raw.end()
        expectArchiveError(.unsafeEntry, naming: "/etc/passwd") { _ = try index(raw.bytes, in: dir) }
    }

    @Test func refusesDotDot() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("original-chart/../../evil", Array("x".utf8))
        raw.end()
        expectArchiveError(.unsafeEntry, naming: "original-chart/../../evil") { _ = try index(raw.bytes, in: dir) }
    }

    @Test func refusesLinksOutsideTheArchiveWhenNeeded() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("escape", type: .symlink, linkname: "../../etc/shadow")
        raw.add("abs", type: .hardlink, linkname: "/etc/shadow")
        raw.add("fine.txt", Array("ok".utf8))
        raw.end()
        let tar = try index(raw.bytes, in: dir)
        // Harmless while unused: indexed, noted, and the rest of the archive reads.
        #expect(try tar.member("fine.txt").readAll() == Array("ok".utf8))
        #expect(tar.skipped.count == 2)
        expectArchiveError(.unsafeEntry, naming: "escape") { _ = try tar.member("escape") }
        expectArchiveError(.unsafeEntry, naming: "abs") { _ = try tar.member("abs") }
    }

    @Test func followsLinksInsideTheArchive() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("a/layer.tar", Array("layer".utf8))
        raw.add("b/layer.tar", type: .symlink, linkname: "../a/layer.tar")
        raw.add("c/layer.tar", type: .hardlink, linkname: "a/layer.tar")
        raw.add("loop1", type: .symlink, linkname: "loop2")
        raw.add("loop2", type: .symlink, linkname: "loop1")
        raw.end()
        let tar = try index(raw.bytes, in: dir)
        #expect(try tar.member("b/layer.tar").readAll() == Array("layer".utf8))
        #expect(try tar.member("c/layer.tar").readAll() == Array("layer".utf8))
        expectArchiveError(.unsafeEntry, naming: "loop1") { _ = try tar.member("loop1") }
    }

    @Test func refusesDevicesWhenNeeded() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("dev/sda", type: .block)
        raw.add("fifo", type: .fifo)
        raw.end()
        let tar = try index(raw.bytes, in: dir)
        #expect(tar.skipped.count == 2)
        expectArchiveError(.unsafeEntry, naming: "dev/sda") { _ = try tar.member("dev/sda") }
    }

    @Test func detectsSizesPastTheEnd() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("big.bin", Array("tiny".utf8), declaredSize: 1 << 30)
        raw.end()
        expectArchiveError(.truncated, naming: "big.bin") { _ = try index(raw.bytes, in: dir) }
    }

    @Test func detectsBadChecksums() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("ok.txt", Array("a".utf8))
        raw.add("bad.txt", Array("b".utf8), corruptChecksum: true)
        raw.end()
        expectArchiveError(.malformedTar, naming: "checksum") { _ = try index(raw.bytes, in: dir) }
    }

    @Test func detectsTruncation() throws {
        let dir = try TemporaryDirectory()
        let whole = try written { try $0.addFile("data.bin", bytes: [UInt8](repeating: 1, count: 5000)) }
        // Cut inside the data, and cut after the data but before the end marker.
        expectArchiveError(.truncated, naming: "data.bin") { _ = try index(Array(whole[..<3000]), in: dir, name: "a.tar") }
        expectArchiveError(.truncated, naming: "end-of-archive") { _ = try index(Array(whole[..<5632]), in: dir, name: "b.tar") }
    }

    @Test func refusesDuplicateNames() throws {
        let dir = try TemporaryDirectory()
        var raw = RawTar()
        raw.add("manifest.json", Array("[]".utf8))
        raw.add("manifest.json", Array("[{}]".utf8))
        raw.end()
        expectArchiveError(.duplicateEntry, naming: "manifest.json") { _ = try index(raw.bytes, in: dir) }
    }

    @Test func refusesGarbage() throws {
        let dir = try TemporaryDirectory()
        let garbage = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        expectArchiveError(.malformedTar, naming: "t.tar") { _ = try index(garbage, in: dir) }
    }

    // MARK: - Extraction

    @Test func directoryContainerRefusesEscapingLinks() throws {
        let dir = try TemporaryDirectory()
        let outside = try dir.write("secret.txt", "secret")
        try FileManager.default.createDirectory(atPath: dir.file("layout/blobs"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.file("layout/blobs/leak"), withDestinationPath: outside)
        _ = try dir.write("layout/index.json", "{}")
        let container = try DirectoryContainer(root: dir.file("layout"))
        #expect(try container.member("index.json").readAll() == Array("{}".utf8))
        expectArchiveError(.unsafeEntry, naming: "leak") { _ = try container.member("blobs/leak") }
        expectArchiveError(.unsafeEntry, naming: "..") { _ = try container.member("../secret.txt") }
    }
}
