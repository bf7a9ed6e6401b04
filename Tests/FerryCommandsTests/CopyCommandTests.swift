import FerryArchive
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// `ferry copy` between real registries and archives, checked by skopeo: every manifest, index,
/// signature and referrer digest as in the source.
@Suite struct CopyCommandTests {
    func copy(_ arguments: [String], _ flags: [String]) async -> CLIRunner.Result {
        await CLIRunner.run(["copy"] + arguments + flags)
    }

    @Test func registryToRegistryKeepsTheIndexAndItsSignatures() async throws {
        let source = try BundleRoundTripTests.source("copy-r2r")
        let target = try LiveRegistry.start(.plain)
        let from = "docker://\(source.registry.host)/lib/multi:1.0"
        let all = await copy([from, "docker://\(target.host)/mirror/multi:1.0", "--all", "--with-signatures", "--output", "json"], ["--plain-http"])
        #expect(all.exitCode == 0, "\(all.stdout)\(all.stderr)")
        let document = try #require(try Documents.lines(CopyDocument.self, all.stdout, event: "copy").first)
        #expect(document.result.digest == Digest.of(source.multi).string && document.result.platforms == ["linux/amd64", "linux/arm64"])
        let site = try RegistryWriter(target)
        #expect(try site.manifest("1.0", in: "mirror/multi") == source.multi)
        #expect(try site.manifest("sha256-\(Digest.of(source.multi).hex).sig", in: "mirror/multi").map(Digest.of) == source.signature.digest)
        #expect(try site.manifest("sha256-\(Digest.of(source.multi).hex)", in: "mirror/multi").map(Digest.of) == source.fallback.digest)
        #expect(try site.manifest(source.referrer.digest.string, in: "mirror/multi").map(Digest.of) == source.referrer.digest)
        #expect(try Skopeo.copy("\(target.host)/mirror/multi:1.0", from: target, into: source.dir, allPlatforms: true).manifestDigest == Digest.of(source.multi))

        // By default the host's platform, as skopeo: that child's own bytes, and no signatures.
        let host = await copy([from, "docker://\(target.host)/mirror/host:1.0"], ["--plain-http"])
        #expect(host.exitCode == 0, "\(host.stderr)")
        let amd64 = try #require(try ManifestDocument(bytes: source.multi, declared: nil, origin: "index").index().manifests.first { $0.platform?.architecture == "amd64" })
        #expect(try site.manifest("1.0", in: "mirror/host").map(Digest.of) == amd64.digest)
        #expect(try site.manifest("sha256-\(Digest.of(source.multi).hex).sig", in: "mirror/host") == nil)
    }

    @Test func throughArchivesAndBack() async throws {
        let source = try BundleRoundTripTests.source("copy-archives")
        let target = try LiveRegistry.start(.plain)
        let dir = source.dir
        // registry → oci-archive → registry: the index and its artifacts unchanged.
        let archive = dir.file("multi-oci.tar")
        let out = await copy(["docker://\(source.registry.host)/lib/multi:1.0", "oci-archive:\(archive):1.0", "--all", "--with-signatures"], ["--plain-http"])
        #expect(out.exitCode == 0, "\(out.stdout)\(out.stderr)")
        let raw = try Subprocess.check("skopeo", ["inspect", "--raw", "oci-archive:\(archive):1.0"])
        #expect(Array(raw.utf8) == source.multi, "skopeo reads the index from the archive")
        let back = await copy(["oci-archive:\(archive):1.0", "docker://\(target.host)/back/multi:1.0", "--all", "--with-signatures"], ["--plain-http"])
        #expect(back.exitCode == 0, "\(back.stdout)\(back.stderr)")
        let site = try RegistryWriter(target)
        #expect(try site.manifest("1.0", in: "back/multi") == source.multi)
        #expect(try site.manifest("sha256-\(Digest.of(source.multi).hex).sig", in: "back/multi").map(Digest.of) == source.signature.digest)

        // registry → docker-archive: skopeo and docker-style readers take it.
        let dockerArchive = dir.file("single-docker.tar")
        let saved = await copy(["docker://\(source.registry.host)/lib/single:2.0", "docker-archive:\(dockerArchive)"], ["--plain-http"])
        #expect(saved.exitCode == 0, "\(saved.stderr)")
        try Subprocess.check("skopeo", ["copy", "--quiet", "docker-archive:\(dockerArchive)", "dir:\(dir.file("from-docker-archive"))"])
        #expect(FileManager.default.fileExists(atPath: dir.file("from-docker-archive/\(source.singleImage.configDigest.hex)")))

        // registry → oci directory, one platform: that child, under the name given.
        let layout = dir.file("layout")
        let arm = await copy(["docker://\(source.registry.host)/lib/multi:1.0", "oci:\(layout):multi", "--platform", "linux/arm64"], ["--plain-http"])
        #expect(arm.exitCode == 0, "\(arm.stderr)")
        let child = try #require(try ManifestDocument(bytes: source.multi, declared: nil, origin: "index").index().manifests.first { $0.platform?.architecture == "arm64" })
        let layoutRaw = try Subprocess.check("skopeo", ["inspect", "--raw", "oci:\(layout):multi"])
        #expect(Digest.of(Array(layoutRaw.utf8)) == child.digest)
        // A second image joins the layout; the first stays.
        let second = await copy(["docker://\(source.registry.host)/lib/single:2.0", "oci:\(layout):single"], ["--plain-http"])
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(Digest.of(Array(try Subprocess.check("skopeo", ["inspect", "--raw", "oci:\(layout):multi"]).utf8)) == child.digest)
        // An archive of several images needs a name.
        let ambiguous = await copy(["oci:\(layout)", "docker://\(target.host)/x/y:1"], ["--plain-http"])
        #expect(ambiguous.exitCode == 2 && ambiguous.stderr.contains("holds 2 images; name one"), "\(ambiguous.stderr)")
        let unknown = await copy(["ftp://x", "docker://\(target.host)/x/y:1"], [])
        #expect(unknown.exitCode == 2 && unknown.stderr.contains("names no transport"), "\(unknown.stderr)")
    }
}
