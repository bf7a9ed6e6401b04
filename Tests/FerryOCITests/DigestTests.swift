import FerryOCI
import Foundation
import Testing

@Suite struct DigestTests {
    @Test func parsesAndPrintsSha256() throws {
        let digest = try Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))
        #expect(digest.hex.count == 64)
        #expect(digest.string.hasPrefix("sha256:abab"))
        #expect(digest.short == "abababababab")
    }

    @Test(arguments: ["sha512:" + String(repeating: "a", count: 128), "sha256:ABC", "sha256:" + String(repeating: "A", count: 64),
                      "sha256:" + String(repeating: "a", count: 63), "", "sha256:" + String(repeating: "g", count: 64)])
    func rejectsInvalidDigests(_ text: String) {
        #expect(throws: OCIError.self) { try Digest(parsing: text) }
    }

    @Test func hashesKnownBytes() {
        // sha256("abc") from FIPS 180-2.
        #expect(Digest.of(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.of([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func incrementalHashEqualsOneShot() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = DigestHasher()
        bytes[..<3333].withUnsafeBytes { hasher.update($0) }
        bytes[3333...].withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalize() == Digest.of(bytes))
    }

    @Test func roundTripsThroughJSON() throws {
        let digest = Digest.of(Array("x".utf8))
        let descriptor = Descriptor(mediaType: MediaType.ociConfig, digest: digest, size: 1)
        let data = try JSONEncoder().encode(descriptor)
        #expect(try JSONDecoder().decode(Descriptor.self, from: data) == descriptor)
    }
}
