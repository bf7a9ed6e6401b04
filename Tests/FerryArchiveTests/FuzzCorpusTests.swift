import FerryArchive
import FerryTestSupport
import Foundation
import Testing

/// Every input in `Tests/FuzzCorpus/<target>/` (the cases the hostile-input campaign and
/// `scripts/fuzz` found) goes through the reader it broke: each must be refused or read, never
/// trap or hang. A trap here ends the test process, which fails the run loudly.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus").path

    static var cases: [String] {
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: corpus)) ?? []
        return files.filter { !$0.hasSuffix("/") && $0.contains("/") }.sorted()
    }

    @Test func theCorpusIsThere() {
        // A corpus that cannot be found would make the next test pass on nothing.
        #expect(Self.cases.count >= 18, "\(Self.corpus)")
        #expect(Set(Self.cases.compactMap { $0.split(separator: "/").first.map(String.init) })
                .isSuperset(of: ["tar", "bundle", "oci-layout", "docker-archive", "values", "chart", "hints", "config"]))
    }

    @Test(.timeLimit(.minutes(1)), arguments: cases)
    func readsOrRefuses(_ path: String) throws {
        let target = try #require(FuzzTarget(rawValue: String(path.split(separator: "/")[0])))
        let input = Array(try Data(contentsOf: URL(fileURLWithPath: Self.corpus + "/" + path)))
        let scratch = try TemporaryDirectory("fuzzcase")
        let started = ContinuousClock.now
        do {
            try target.run(input, scratch: scratch.path)
        } catch {
            // Refused: the message must say what and where, without a library's type names.
            let message = "\(error)"
            #expect(!message.isEmpty)
            #expect(!message.contains("DecodingError") && !message.contains("NSCocoaErrorDomain") && !message.contains("YamlError"), "\(message)")
        }
        // Bounded work: no case takes more than a few seconds (the whole corpus runs in well under a minute).
        #expect(ContinuousClock.now - started < .seconds(20), "\(path)")
    }

    /// The fuzzer keeps a mutated tar's checksums right so its inputs reach the readers: a header
    /// whose name was changed must then be read with that name, not refused as a bad header.
    @Test func repairedChecksumsAreAcceptedByTheReader() throws {
        let scratch = try TemporaryDirectory("fuzzrepair")
        var bytes = try ArchiveFixture.bytes([TestImage.make("r.io/a/app:1", layerSizes: [600])], style: .ggcr)
        let path = scratch.file("mutated.tar")
        let original = try TarIndex(file: try RandomAccessFile(path: try Self.write(bytes, path)))
        let first = try #require(original.entries.first?.path)
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: (any Error).self) { _ = try TarIndex(file: try RandomAccessFile(path: try Self.write(bytes, path))) }
        FuzzMutator.repairTarChecksums(&bytes)
        let repaired = try TarIndex(file: try RandomAccessFile(path: try Self.write(bytes, path)))
        #expect(repaired.entries.first?.path == "X" + first.dropFirst())
        #expect(repaired.entries.count == original.entries.count)
    }

    static func write(_ bytes: [UInt8], _ path: String) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw TestSupportError("cannot write \(path)") }
        return path
    }
}
