import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// Archives written at test time by the real tools — podman 4.3 `save`, skopeo 1.9 `copy … oci:`,
/// Docker 20.10 `docker save`, containerd 1.6 `ctr export` — from small images built with
/// `podman import` (Debian's busybox-static). Each archive is inspected, verified, pushed into a real
/// registry (the digests compared with what the writer reports, the image copied back out by skopeo),
/// retagged, and the retagged archive loaded into a real runtime.
@Suite struct RealWriterTests {
    /// Where `ferry retag` relocates the images to.
    static let relocationRegistry = "ferry.test:5000"
    static let relocationPrefix = "site/proj"

    func env(_ dir: TemporaryDirectory) -> [String: String] { ["FERRY_CACHE_DIR": dir.file("cache")] }

    // MARK: - podman save

    @Test func podmanDockerArchive() async throws {
        let dir = try TemporaryDirectory()
        let archive = try await RealImages.shared().podmanSave([RealImages.one], format: .dockerArchive, into: dir)
        try await expectInspectVerifyPush(archive, dir)
        try await expectRetagLoads(archive, into: .podman, dir)
    }

    @Test func podmanOCIArchive() async throws {
        let dir = try TemporaryDirectory()
        let archive = try await RealImages.shared().podmanSave([RealImages.one], format: .ociArchive, into: dir)
        try await expectInspectVerifyPush(archive, dir)
        let containerd = try LiveContainerd()
        try await expectRetagLoads(archive, into: .containerd(containerd), dir)
    }

    @Test func podmanMultiImageDockerArchive() async throws {
        let dir = try TemporaryDirectory()
        let archive = try await RealImages.shared().podmanSave([RealImages.one, RealImages.two], format: .dockerArchive, into: dir)
        try await expectInspectVerifyPush(archive, dir)
        let containerd = try LiveContainerd()
        try await expectRetagLoads(archive, into: .containerd(containerd), dir)
    }

    // MARK: - skopeo copy … oci:

    @Test func skopeoOCILayoutWithTags() async throws {
        let dir = try TemporaryDirectory()
        let archive = try await RealImages.shared().skopeoCopyToOCI([(RealImages.one, "1"), (RealImages.two, "2")], layout: dir.file("bb"))
        #expect(archive.images.map(\.name) == ["bb:1", "bb:2"])
        try await expectInspectVerifyPush(archive, dir)
        try await expectRetagLoads(archive, into: .podman, dir)
    }

    @Test func skopeoOCILayoutWithoutTag() async throws {
        let dir = try TemporaryDirectory()
        let images = try await RealImages.shared()
        let anonymous = try images.skopeoCopyToOCI([(RealImages.one, nil)], layout: dir.file("anon"))
        try await expectUnnamed(anonymous, dir)

        // The same with a tagged image beside it: the tagged one still goes.
        let mixed = try images.skopeoCopyToOCI([(RealImages.one, nil), (RealImages.two, "2")], layout: dir.file("mixed"))
        #expect(mixed.images.map(\.name) == [nil, "mixed:2"])
        try await expectPushOfMixed(mixed, dir)
        try await expectRetagLoads(mixed, into: .podman, dir)
    }

    // MARK: - docker save (Docker 20.10)

    @Test func dockerSaveByTag() async throws {
        let dir = try TemporaryDirectory()
        let docker = try LiveDockerd()
        let archive = try await RealImages.shared().dockerSave([RealImages.one, RealImages.two], with: docker, into: dir)
        try await expectInspectVerifyPush(archive, dir)
        try await expectRetagLoads(archive, into: .docker(docker), dir)
    }

    @Test func dockerSaveByImageID() async throws {
        let dir = try TemporaryDirectory()
        let docker = try LiveDockerd()
        let images = try await RealImages.shared()
        let id = images.ids[RealImages.one]!
        let byID = try images.dockerSave([id.hex], with: docker, into: dir)
        let manifestJSON = try Subprocess.check("tar", ["-xOf", byID.path, "manifest.json"])
        let manifest = try JSONSerialization.jsonObject(with: Data(manifestJSON.utf8)) as? [[String: Any]]
        #expect(manifest?.count == 1 && manifest?.first?["RepoTags"] is NSNull, "docker save <id> writes RepoTags null: \(String(describing: manifest))")
        try await expectUnnamed(byID, dir)

        // An id and a name in one archive: the named image still goes.
        let mixed = try images.dockerSave([id.hex, RealImages.two], with: docker, into: dir)
        try await expectPushOfMixed(mixed, dir)
        try await expectRetagLoads(mixed, into: .docker(docker), dir)
    }

    // MARK: - ctr export (containerd 1.6)

    @Test func ctrExportOfAMultiPlatformImage() async throws {
        let dir = try TemporaryDirectory()
        let containerd = try LiveContainerd()
        let archive = try await RealImages.shared().ctrExport(with: containerd, into: dir)
        try await expectInspectVerifyPush(archive, dir)
        try await expectRetagLoads(archive, into: .containerd(containerd), dir)
    }

    // MARK: - Checks

    /// The image's name as the registry will have it after a push under `prefix`.
    func target(_ image: WrittenImage, registry: LiveRegistry, prefix: String) throws -> String {
        let name = try #require(image.name, "an unnamed image has no target")
        let reference = try Reference(parsing: name)
        return "\(registry.host)/\(prefix)/\(reference.lastPathElement):\(try #require(reference.tag))"
    }

    func relocated(_ image: WrittenImage) throws -> String {
        let reference = try Reference(parsing: try #require(image.name))
        return "\(Self.relocationRegistry)/\(Self.relocationPrefix)/\(reference.lastPathElement):\(try #require(reference.tag))"
    }

    /// The inspect JSON's images, one dictionary each.
    func inspectedImages(_ archive: WrittenArchive, _ dir: TemporaryDirectory) async throws -> [InspectDocument.Image] {
        let json = await CLIRunner.run(["inspect", archive.path, "--output", "json"], environment: env(dir))
        #expect(json.exitCode == 0, "inspect --output json of \(archive.writer): \(json.stderr)")
        return try Documents.decode(InspectDocument.self, json.stdout).sources.flatMap(\.images)
    }

    /// The blob count `ferry verify` reports as checked ("OK: N blob(s)").
    func verifiedBlobs(_ archive: WrittenArchive, _ dir: TemporaryDirectory) async -> Int? {
        let verify = await CLIRunner.run(["verify", archive.path], environment: env(dir))
        #expect(verify.exitCode == 0, "verify of \(archive.writer): \(verify.stdout)\(verify.stderr)")
        guard let range = verify.stdout.range(of: #"OK: \d+ blob"#, options: .regularExpression) else {
            Issue.record("verify of \(archive.writer) printed no 'OK: N blob(s)': \(verify.stdout)")
            return nil
        }
        return Int(verify.stdout[range].dropFirst(4).prefix { $0.isNumber })
    }

    /// inspect, verify and push of an archive whose images all have names.
    func expectInspectVerifyPush(_ archive: WrittenArchive, _ dir: TemporaryDirectory) async throws {
        // inspect: every name, and the writer's digests and platforms.
        let text = await CLIRunner.run(["inspect", archive.path], environment: env(dir))
        #expect(text.exitCode == 0, "inspect of \(archive.writer): \(text.stderr)")
        for image in archive.images {
            #expect(text.stdout.contains(try #require(image.name)), "inspect of \(archive.writer) must list \(image.name ?? ""): \(text.stdout)")
        }
        let inspected = try await inspectedImages(archive, dir)
        #expect(inspected.count == archive.images.count, "\(archive.writer): \(inspected)")
        for image in archive.images {
            let match = inspected.first { $0.names.contains { $0.hasSuffix(image.name!) } }
            let found = try #require(match, "inspect JSON of \(archive.writer) has no image named \(image.name!): \(inspected)")
            if let digest = image.manifestDigest {
                #expect(found.digest == digest.string, "\(archive.writer): the digest the writer wrote")
            }
            #expect(Set(found.platforms) == Set(image.platforms.map(\.description)), "\(archive.writer): \(found)")
            #expect(found.layers == 1)
        }

        // verify: every blob (a config and a layer per platform at least).
        let blobs = await verifiedBlobs(archive, dir)
        let least = Set(archive.images.flatMap(\.configDigests)).count * 2
        #expect((blobs ?? 0) >= least, "verify of \(archive.writer) checked \(blobs ?? 0) blob(s), expected at least \(least)")

        // push: every image lands with the writer's digests, and skopeo copies each back out.
        let registry = try LiveRegistry.start(.plain)
        let prefix = "writers/real"
        let push = await CLIRunner.run(["push", archive.path, "--registry", registry.host, "--repository", prefix] + registry.ferryFlags,
                                       environment: env(dir))
        #expect(push.exitCode == 0, "push of \(archive.writer): \(push.stdout)\(push.stderr)")
        #expect(push.stdout.contains("Done: \(archive.images.count) pushed, 0 unchanged, 0 failed"), "\(push.stdout)")
        for image in archive.images {
            try expectLanded(image, of: archive, in: registry, prefix: prefix, dir)
        }
    }

    /// skopeo copies the pushed image out of the registry; its digests are the writer's.
    func expectLanded(_ image: WrittenImage, of archive: WrittenArchive, in registry: LiveRegistry, prefix: String,
                      _ dir: TemporaryDirectory) throws {
        let reference = try target(image, registry: registry, prefix: prefix)
        let copy = try Skopeo.copy(reference, from: registry, into: dir, allPlatforms: image.isIndex)
        if let digest = image.manifestDigest {
            #expect(copy.manifestDigest == digest, "\(archive.writer): \(reference) must keep the manifest digest the writer wrote")
        }
        #expect(copy.blobs.isSuperset(of: image.configDigests), "\(archive.writer): \(reference) must carry the writer's configs")
        let document = try ManifestDocument(bytes: copy.manifestBytes, declared: nil, origin: reference)
        if image.isIndex {
            let platforms = try document.index().manifests.compactMap(\.platform)
            #expect(Set(platforms) == Set(image.platforms), "\(archive.writer): \(reference) platforms")
        } else {
            let manifest = try document.manifest()
            // For docker-archives Ferry builds the manifest: its config is the image id the writer reports.
            #expect(manifest.config.digest == image.configDigests[0], "\(archive.writer): \(reference) config must be the image id")
            #expect(manifest.layers.count == 1 && copy.blobs.contains(manifest.layers[0].digest))
        }
    }

    /// `ferry retag` of the archive, then the result loaded into a real runtime, which must list the
    /// relocated names (with the writer's digests where the runtime shows them).
    enum Loader {
        case podman
        case containerd(LiveContainerd)
        case docker(LiveDockerd)
    }

    func expectRetagLoads(_ archive: WrittenArchive, into loader: Loader, _ dir: TemporaryDirectory) async throws {
        let out = dir.file("retagged-\(UUID().uuidString.prefix(6)).tar")
        let retag = await CLIRunner.run(["retag", archive.path, "--registry", Self.relocationRegistry, "--repository", Self.relocationPrefix,
                                         "-o", out], environment: env(dir))
        let named = archive.images.filter { $0.name != nil }
        if named.count == archive.images.count {
            #expect(retag.exitCode == 0, "retag of \(archive.writer): \(retag.stdout)\(retag.stderr)")
        } else {
            // An image with no name gets no relocated name: it is refused, the others are written.
            #expect(retag.exitCode == 1, "retag of \(archive.writer): \(retag.stdout)\(retag.stderr)")
            #expect((retag.stdout + retag.stderr).contains("no name"), "retag of \(archive.writer): \(retag.stdout)\(retag.stderr)")
        }
        guard FileManager.default.fileExists(atPath: out) else {
            Issue.record("retag of \(archive.writer) wrote no \(out): \(retag.stdout)\(retag.stderr)")
            return
        }
        switch loader {
        case .podman:
            let podman = try Podman()
            let loaded = try podman.load(out)
            #expect(loaded.status == 0, "podman load of the retagged \(archive.writer): \(loaded.stderr)")
            let listed = try podman.images()
            for image in named {
                #expect(listed[try relocated(image)] == image.configDigests[0].string, "podman after load: \(listed)")
            }
        case .containerd(let containerd):
            let namespace = "retagged"
            try Subprocess.check("ctr", ["-a", containerd.socket, "-n", namespace, "images", "import", "--all-platforms", out])
            let listed = try containerd.images(namespace: namespace)
            for image in named {
                let name = try relocated(image)
                #expect(listed[name] != nil, "ctr images ls after import of the retagged \(archive.writer): \(listed)")
                if let digest = image.manifestDigest {
                    #expect(listed[name] == digest.string, "\(name) must keep the digest the writer wrote")
                }
            }
        case .docker(let docker):
            let cli = DockerCLI(docker)
            try cli.check(["load", "-i", out])
            for image in named {
                #expect(try cli.imageID(try relocated(image)) == image.configDigests[0], "docker after load of the retagged \(archive.writer)")
            }
        }
    }

    /// An archive whose one image has no name: inspect lists it as `(no name) sha256:…`, verify checks
    /// its blobs, push refuses it saying it has no name.
    func expectUnnamed(_ archive: WrittenArchive, _ dir: TemporaryDirectory) async throws {
        #expect(archive.images.count == 1 && archive.images[0].name == nil)
        let image = archive.images[0]
        let text = await CLIRunner.run(["inspect", archive.path], environment: env(dir))
        #expect(text.exitCode == 0, "inspect of \(archive.writer): \(text.stdout)\(text.stderr)")
        let line = text.stdout.split(separator: "\n").first { $0.contains("(no name)") }
        #expect(line?.contains("(no name) sha256:") == true, "inspect of \(archive.writer) must list the image as '(no name) sha256:…': \(text.stdout)")
        if let digest = image.manifestDigest {
            #expect(line?.contains("(no name) \(digest)") == true, "the digest the writer wrote: \(text.stdout)")
        }

        let blobs = await verifiedBlobs(archive, dir)
        #expect((blobs ?? 0) >= 2, "verify of \(archive.writer) must check the unnamed image's blobs")

        let registry = try LiveRegistry.start(.plain)
        let push = await CLIRunner.run(["push", archive.path, "--registry", registry.host, "--repository", "writers/anon"] + registry.ferryFlags,
                                       environment: env(dir))
        #expect(push.exitCode == 1, "push of \(archive.writer): \(push.stdout)\(push.stderr)")
        #expect((push.stdout + push.stderr).contains("no name"), "push of \(archive.writer) must say the image has no name: \(push.stdout)\(push.stderr)")
    }

    /// An archive with an unnamed image and a named one: push fails the first, pushes the second, exits 1.
    func expectPushOfMixed(_ archive: WrittenArchive, _ dir: TemporaryDirectory) async throws {
        let registry = try LiveRegistry.start(.plain)
        let prefix = "writers/mixed"
        let push = await CLIRunner.run(["push", archive.path, "--registry", registry.host, "--repository", prefix] + registry.ferryFlags,
                                       environment: env(dir))
        #expect(push.exitCode == 1, "push of \(archive.writer): \(push.stdout)\(push.stderr)")
        #expect((push.stdout + push.stderr).contains("no name"), "\(push.stdout)\(push.stderr)")
        #expect(push.stdout.contains("Done: 1 pushed, 0 unchanged, 1 failed"), "\(push.stdout)")
        for image in archive.images where image.name != nil {
            try expectLanded(image, of: archive, in: registry, prefix: prefix, dir)
        }
    }
}
