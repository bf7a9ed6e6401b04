#if canImport(Glibc)
import Glibc
#endif
import FerryOCI
import Foundation
import Synchronization

/// An image as a real tool wrote it into an archive, with what that tool itself reports about it.
package struct WrittenImage: Sendable {
    /// The name the writer gave the image; nil when it wrote none (`docker save <id>`, `skopeo copy … oci:DIR`).
    package var name: String?
    /// The manifest (or index) digest the writer reports, when the archive carries manifest bytes
    /// (OCI layouts). Nil for `manifest.json` archives: there Ferry builds the manifest itself.
    package var manifestDigest: Digest?
    /// The config digest of each platform, in `platforms` order: for one platform, the image id
    /// podman and docker report.
    package var configDigests: [Digest]
    package var platforms: [Platform]

    package var isIndex: Bool { platforms.count > 1 }
}

/// An archive a real tool wrote, at test time.
package struct WrittenArchive: Sendable {
    package var path: String
    /// The command that wrote it, for messages.
    package var writer: String
    package var images: [WrittenImage]
}

/// Small real images made once per test process by real tools: a root file system holding Debian's
/// static busybox and a file that tells the images apart, imported with `podman import` into a private
/// podman store (vfs), and a multi-platform image list over two of them (`podman manifest`).
///
/// The archives themselves are written by each test into its own directory, with the tools whose
/// output is under test: `podman save`, `skopeo copy`, `docker save`, `ctr export`.
package final class RealImages: Sendable {
    package static let one = "localhost/ferry/bb:1"
    package static let two = "localhost/ferry/bb:2"
    package static let oneArm64 = "localhost/ferry/bb:1-arm64"
    package static let multi = "localhost/ferry/multi:1"

    package let podman: Podman
    /// Image id (= config digest) of every image in the store, by name.
    package let ids: [String: Digest]
    /// `podman manifest push --all --format oci` of `multi`: an OCI archive whose index lists
    /// linux/amd64 (`one`) and linux/arm64 (`oneArm64`).
    package let multiPlatformArchive: String

    /// The images, made on first use and shared by every test of the process (they are only read).
    package static func shared() async throws -> RealImages {
        try await SharedRealImages.instance.get().get()
    }

    init() throws {
        let busybox = try Self.requireBusybox()
        _ = try Subprocess.require("tar")
        _ = try Subprocess.require("skopeo")
        podman = try Podman()
        removeAtExit(podman.directory.path)
        let work = podman.directory
        var ids: [String: Digest] = [:]
        for (name, marker, arch) in [(Self.one, "one", "amd64"), (Self.two, "two", "amd64"), (Self.oneArm64, "one arm64", "arm64")] {
            let root = work.file("rootfs-\(ids.count)")
            try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
            try FileManager.default.createSymbolicLink(atPath: root + "/bin/sh", withDestinationPath: "busybox")
            _ = try work.write("rootfs-\(ids.count)/etc/ferry-image", "\(marker)\n")
            let tarball = work.file("rootfs-\(ids.count).tar")
            try Subprocess.check("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tarball, "."])
            try podman.check(["import", "--os", "linux", "--arch", arch, "--change", "CMD [\"/bin/sh\"]", tarball, name])
            ids[name] = try podman.imageID(name)
        }
        self.ids = ids
        try podman.check(["manifest", "create", Self.multi])
        for name in [Self.one, Self.oneArm64] {
            try podman.check(["manifest", "add", Self.multi, "containers-storage:\(name)"])
        }
        multiPlatformArchive = work.file("multi-oci.tar")
        try podman.check(["manifest", "push", "--quiet", "--all", "--format", "oci", Self.multi, "oci-archive:\(multiPlatformArchive):\(Self.multi)"])
    }

    /// Debian's `busybox-static` provides the one file the images hold; any busybox binary would do.
    static func requireBusybox() throws -> String {
        for candidate in ["/bin/busybox", "/usr/bin/busybox"] where access(candidate, R_OK) == 0 {
            return candidate
        }
        do {
            return try Subprocess.require("busybox")
        } catch {
            throw TestSupportError("busybox is not installed; install Debian's busybox-static (see .ci/run, scripts/lib.sh): the real-writer tests build their images from it and do not skip")
        }
    }

    /// The transport skopeo reads this store with.
    package func storageReference(_ name: String) -> String {
        "containers-storage:[vfs@\(podman.directory.file("root"))+\(podman.directory.file("run"))]\(name)"
    }

    func written(_ name: String, manifestDigest: Digest? = nil) throws -> WrittenImage {
        guard let id = ids[name] else { throw TestSupportError("no real image \(name)") }
        let arch = name == Self.oneArm64 ? "arm64" : "amd64"
        return WrittenImage(name: name, manifestDigest: manifestDigest, configDigests: [id], platforms: [Platform(os: "linux", architecture: arch)])
    }

    // MARK: - podman save

    package enum PodmanFormat: String, Sendable {
        case dockerArchive = "docker-archive"
        case ociArchive = "oci-archive"
    }

    /// `podman save --format FORMAT [-m] NAMES…`. For an OCI archive the manifest digest is the one
    /// skopeo reads back from the archive (podman reports only the digest in its own store, which
    /// differs: `podman save` compresses the layer).
    package func podmanSave(_ names: [String], format: PodmanFormat, into dir: TemporaryDirectory) throws -> WrittenArchive {
        let path = dir.file("podman-\(format.rawValue)-\(names.count).tar")
        var arguments = ["save", "--quiet", "--format", format.rawValue, "-o", path]
        if names.count > 1 { arguments.append("-m") }
        try podman.check(arguments + names)
        var images: [WrittenImage] = []
        for name in names {
            var digest: Digest?
            if format == .ociArchive {
                digest = Digest.of(Array(try Subprocess.check("skopeo", ["inspect", "--raw", "oci-archive:\(path)"]).utf8))
            }
            images.append(try written(name, manifestDigest: digest))
        }
        let flag = names.count > 1 ? " -m" : ""
        return WrittenArchive(path: path, writer: "podman save --format \(format.rawValue)\(flag)", images: images)
    }

    // MARK: - skopeo copy … oci:

    /// `skopeo copy containers-storage:NAME oci:LAYOUT[:TAG]` for each (name, tag), into one layout;
    /// the manifest digest is the one skopeo writes with `--digestfile`.
    package func skopeoCopyToOCI(_ copies: [(name: String, tag: String?)], layout: String) throws -> WrittenArchive {
        var images: [WrittenImage] = []
        let layoutName = (layout as NSString).lastPathComponent
        for (index, copy) in copies.enumerated() {
            let digestFile = layout + ".digest-\(index)"
            let destination = "oci:\(layout)" + (copy.tag.map { ":\($0)" } ?? "")
            try Subprocess.check("skopeo", ["copy", "--quiet", "--digestfile", digestFile, storageReference(copy.name), destination])
            let reported = try String(contentsOfFile: digestFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            try? FileManager.default.removeItem(atPath: digestFile)
            var image = try written(copy.name, manifestDigest: try Digest(parsing: reported))
            // The name is the layout's, with the tag (the only name skopeo writes into index.json).
            image.name = copy.tag.map { "\(layoutName):\($0)" }
            images.append(image)
        }
        let tags = copies.map { $0.tag.map { ":\($0)" } ?? " (no tag)" }.joined(separator: ", ")
        return WrittenArchive(path: layout, writer: "skopeo copy … oci:\(layoutName)\(tags)", images: images)
    }

    // MARK: - docker save (Docker 20.10)

    /// Loads `one` and `two` into a real dockerd (from a podman docker-archive), then runs
    /// `docker save ARGS…`. Each argument is a name or an image id; an id gives no name.
    package func dockerSave(_ arguments: [String], with docker: LiveDockerd, into dir: TemporaryDirectory) throws -> WrittenArchive {
        let docker = DockerCLI(docker)
        if try docker.imageID(Self.one) == nil || docker.imageID(Self.two) == nil {
            let seed = try podmanSave([Self.one, Self.two], format: .dockerArchive, into: dir)
            try docker.check(["load", "-i", seed.path])
        }
        let path = dir.file("docker-save-\(UUID().uuidString.prefix(6)).tar")
        try docker.check(["save", "-o", path] + arguments)
        var images: [WrittenImage] = []
        for argument in arguments {
            guard let id = try docker.imageID(argument) else { throw TestSupportError("docker has no image \(argument)") }
            let arch = try docker.check(["image", "inspect", "--format", "{{.Architecture}}", argument]).trimmingCharacters(in: .whitespacesAndNewlines)
            let named = argument.contains("/")
            images.append(WrittenImage(name: named ? argument : nil, manifestDigest: nil, configDigests: [id],
                                       platforms: [Platform(os: "linux", architecture: arch)]))
        }
        return WrittenArchive(path: path, writer: "docker save \(arguments.joined(separator: " "))", images: images)
    }

    // MARK: - ctr export (containerd 1.6)

    /// Imports the multi-platform archive into a real containerd (`ctr import --all-platforms`) and
    /// writes it back out with `ctr export --all-platforms`; the index digest is the one `ctr images ls` reports.
    package func ctrExport(with containerd: LiveContainerd, namespace: String = "writers", into dir: TemporaryDirectory) throws -> WrittenArchive {
        let ctr = ["-a", containerd.socket, "-n", namespace]
        try Subprocess.check("ctr", ctr + ["images", "import", "--all-platforms", multiPlatformArchive])
        guard let listed = try containerd.images(namespace: namespace)[Self.multi] else {
            throw TestSupportError("ctr import did not list \(Self.multi): \(try containerd.images(namespace: namespace))")
        }
        let path = dir.file("ctr-export.tar")
        try Subprocess.check("ctr", ctr + ["images", "export", "--all-platforms", path, Self.multi])
        let image = WrittenImage(name: Self.multi, manifestDigest: try Digest(parsing: listed),
                                 configDigests: [ids[Self.one]!, ids[Self.oneArm64]!],
                                 platforms: [Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64")])
        return WrittenArchive(path: path, writer: "ctr export --all-platforms", images: [image])
    }
}

/// The docker CLI against a `LiveDockerd`.
package struct DockerCLI: Sendable {
    package let socket: String

    package init(_ docker: LiveDockerd) { socket = docker.socket }

    @discardableResult
    package func check(_ arguments: [String]) throws -> String {
        try Subprocess.check("docker", ["-H", "unix://\(socket)"] + arguments)
    }

    package func imageID(_ reference: String) throws -> Digest? {
        let result = try Subprocess.run("docker", ["-H", "unix://\(socket)", "image", "inspect", "--format", "{{.Id}}", reference])
        guard result.status == 0 else { return nil }
        return try Digest(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

extension Podman {
    /// Runs podman on this store and fails unless it exits 0.
    @discardableResult
    package func check(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run("podman", base + arguments)
        guard result.status == 0 else {
            throw TestSupportError("podman \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }

    /// The image id (config digest) of a name in this store.
    package func imageID(_ name: String) throws -> Digest {
        let id = try check(["image", "inspect", "--format", "{{.Id}}", name]).trimmingCharacters(in: .whitespacesAndNewlines)
        return id.hasPrefix("sha256:") ? try Digest(parsing: id) : try Digest(hex: id)
    }
}

/// Builds `RealImages` once; a failure is kept too, so every test reports it.
private actor SharedRealImages {
    static let instance = SharedRealImages()
    private var built: Result<RealImages, any Error>?

    func get() -> Result<RealImages, any Error> {
        if let built { return built }
        let result = Result { try RealImages() }
        built = result
        return result
    }
}

/// Directories of process-wide fixtures, which no deinit removes: removed when the process exits.
private let pathsRemovedAtExit = Mutex<[String]>([])

private func removeAtExit(_ path: String) {
    let first = pathsRemovedAtExit.withLock { paths -> Bool in
        paths.append(path)
        return paths.count == 1
    }
    if first {
        atexit {
            for path in pathsRemovedAtExit.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
        }
    }
}
