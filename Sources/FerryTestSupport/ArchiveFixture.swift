import FerryArchive
import FerryCore
import FerryOCI
import Foundation

/// Writes test images in the styles of every tool that makes image archives.
package enum ArchiveStyle: String, Sendable, CaseIterable {
    /// go-containerregistry / charts-syncer bundles: config `sha256:<hex>`, layers `<hex>.tar.gz`, manifest.json last.
    case ggcr
    /// Docker ≤ 24 `docker save`: `<id>/layer.tar` uncompressed, repeated layers as symlinks, `repositories`.
    case legacyDockerSave
    /// skopeo `docker-archive:`: `<diffid>.tar` uncompressed, `<hex>.json` config.
    case skopeo
    /// Docker ≥ 25: an OCI layout with uncompressed blobs plus manifest.json.
    case docker25
    /// An OCI image layout in a tar, gzip layers.
    case ociTar
    /// An OCI image layout as a directory.
    case ociDirectory
}

package enum ArchiveFixture {
    /// Writes `images` in `style` to `path` (a file, or a directory for `.ociDirectory`).
    package static func write(_ images: [TestImage], style: ArchiveStyle, to path: String) throws {
        switch style {
        case .ociDirectory:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, bytes) in ociLayoutFiles(images, uncompressed: false) {
                let full = (path as NSString).appendingPathComponent(name)
                try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
            }
        default:
            let sink = try AtomicFileSink(path: path)
            try write(images, style: style, into: TarWriter(writingTo: sink))
            try sink.commit()
        }
    }

    /// The archive in memory (for nesting in bundles).
    package static func bytes(_ images: [TestImage], style: ArchiveStyle) throws -> [UInt8] {
        let sink = MemorySink()
        try write(images, style: style, into: TarWriter(writingTo: sink))
        return sink.bytes
    }

    static func write(_ images: [TestImage], style: ArchiveStyle, into tar: TarWriter) throws {
        var written = Set<String>()
        func add(_ name: String, _ bytes: [UInt8]) throws {
            guard written.insert(name).inserted else { return }
            try tar.addFile(name, bytes: bytes)
        }
        switch style {
        case .ggcr:
            var entries: [String] = []
            for image in images {
                try add("sha256:\(image.configDigest.hex)", image.config)
                for layer in image.layers { try add("\(layer.digest.hex).tar.gz", layer.gzipped) }
                let layers = image.layers.map { "\"\($0.digest.hex).tar.gz\"" }
                entries.append("{\"Config\":\"sha256:\(image.configDigest.hex)\",\"RepoTags\":\(repoTags(image, image.name)),\"Layers\":\(list(image, layers))}")
            }
            try add("manifest.json", Array("[\(entries.joined(separator: ","))]".utf8))
        case .legacyDockerSave:
            var entries: [String] = []
            var repositories: [String] = []
            var firstHolder: [Digest: String] = [:]
            for image in images {
                try add("\(image.configDigest.hex).json", image.config)
                var paths: [String] = []
                for (i, layer) in image.layers.enumerated() {
                    // v1 ids differ per image and position, as Docker's chain ids do.
                    let id = Digest.of(Array("\(image.name)/\(i)/\(layer.diffID)".utf8)).hex
                    try tar.addDirectory(id)
                    try add("\(id)/VERSION", Array("1.0".utf8))
                    try add("\(id)/json", Array("{\"id\":\"\(id)\"}".utf8))
                    if let holder = firstHolder[layer.diffID] {
                        try tar.addSymlink("\(id)/layer.tar", target: "../\(holder)/layer.tar")
                    } else {
                        try add("\(id)/layer.tar", layer.uncompressed)
                        firstHolder[layer.diffID] = id
                    }
                    paths.append("\"\(id)/layer.tar\"")
                }
                entries.append("{\"Config\":\"\(image.configDigest.hex).json\",\"RepoTags\":\(repoTags(image, familiar(image.name))),\"Layers\":\(list(image, paths))}")
                guard !image.unnamed else { continue }
                let reference = try Reference(parsing: image.name)
                repositories.append("\"\(familiar(reference.name))\":{\"\(reference.tag ?? "latest")\":\"\(image.configDigest.hex)\"}")
            }
            try add("manifest.json", Array("[\(entries.joined(separator: ","))]".utf8))
            try add("repositories", Array("{\(repositories.joined(separator: ","))}".utf8))
        case .skopeo:
            var entries: [String] = []
            for image in images {
                try add("\(image.configDigest.hex).json", image.config)
                for layer in image.layers { try add("\(layer.diffID.hex).tar", layer.uncompressed) }
                let layers = image.layers.map { "\"\($0.diffID.hex).tar\"" }
                entries.append("{\"Config\":\"\(image.configDigest.hex).json\",\"RepoTags\":\(repoTags(image, image.name)),\"Layers\":\(list(image, layers))}")
            }
            try add("manifest.json", Array("[\(entries.joined(separator: ","))]".utf8))
        case .docker25:
            for (name, bytes) in ociLayoutFiles(images, uncompressed: true) { try add(name, bytes) }
            let entries = images.map { image in
                let layers = image.layers.map { "\"blobs/sha256/\($0.diffID.hex)\"" }
                return "{\"Config\":\"blobs/sha256/\(image.configDigest.hex)\",\"RepoTags\":\(repoTags(image, familiar(image.name))),\"Layers\":\(list(image, layers))}"
            }
            try add("manifest.json", Array("[\(entries.joined(separator: ","))]".utf8))
        case .ociTar:
            for (name, bytes) in ociLayoutFiles(images, uncompressed: false) { try add(name, bytes) }
        case .ociDirectory:
            preconditionFailure("a directory is not a tar")
        }
        try tar.finish()
    }

    /// `oci-layout`, `index.json` and `blobs/sha256/*` for the images.
    static func ociLayoutFiles(_ images: [TestImage], uncompressed: Bool) -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = [("oci-layout", Array("{\"imageLayoutVersion\":\"1.0.0\"}".utf8))]
        var seen = Set<Digest>()
        func blob(_ bytes: [UInt8]) {
            let digest = Digest.of(bytes)
            if seen.insert(digest).inserted { files.append(("blobs/sha256/\(digest.hex)", bytes)) }
        }
        var descriptors: [String] = []
        for image in images {
            blob(image.config)
            for layer in image.layers { blob(uncompressed ? layer.uncompressed : layer.stored) }
            let manifest = uncompressed ? image.ociUncompressedManifest : image.ociManifest
            blob(manifest)
            let reference = try! Reference(parsing: image.name)
            let annotations = uncompressed
                ? "{\"io.containerd.image.name\":\"\(reference)\",\"org.opencontainers.image.ref.name\":\"\(reference.tag ?? "latest")\"}"
                : "{\"org.opencontainers.image.ref.name\":\"\(image.name)\"}"
            // An unnamed entry has no annotations: Go writes a nil map as null.
            let annotationsField = image.unnamed ? (image.goNulls ? ",\"annotations\":null" : "") : ",\"annotations\":\(annotations)"
            descriptors.append("{\"mediaType\":\"\(MediaType.ociManifest)\",\"digest\":\"\(Digest.of(manifest))\",\"size\":\(manifest.count)\(annotationsField)}")
        }
        files.append(("index.json", Array("{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.ociIndex)\",\"manifests\":[\(descriptors.joined(separator: ","))]}".utf8)))
        return files
    }

    /// A multi-platform image: one OCI index over one manifest per platform, in an OCI layout tar.
    package static func writeMultiPlatform(name: String, platforms: [Platform], to path: String) throws -> (index: [UInt8], images: [TestImage]) {
        let images = platforms.map { TestImage.make(name, layerSizes: [1024], platform: $0) }
        var files: [(String, [UInt8])] = [("oci-layout", Array("{\"imageLayoutVersion\":\"1.0.0\"}".utf8))]
        var children: [String] = []
        for image in images {
            files.append(("blobs/sha256/\(image.configDigest.hex)", image.config))
            for layer in image.layers { files.append(("blobs/sha256/\(layer.digest.hex)", layer.stored)) }
            let manifest = image.ociManifest
            files.append(("blobs/sha256/\(Digest.of(manifest).hex)", manifest))
            let variant = image.platform.variant.map { ",\"variant\":\"\($0)\"" } ?? ""
            children.append("{\"mediaType\":\"\(MediaType.ociManifest)\",\"digest\":\"\(Digest.of(manifest))\",\"size\":\(manifest.count),\"platform\":{\"architecture\":\"\(image.platform.architecture)\",\"os\":\"\(image.platform.os)\"\(variant)}}")
        }
        let index = Array("{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.ociIndex)\",\"manifests\":[\(children.joined(separator: ","))]}".utf8)
        files.append(("blobs/sha256/\(Digest.of(index).hex)", index))
        files.append(("index.json", Array("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"\(MediaType.ociIndex)\",\"digest\":\"\(Digest.of(index))\",\"size\":\(index.count),\"annotations\":{\"org.opencontainers.image.ref.name\":\"\(name)\"}}]}".utf8)))
        let sink = try AtomicFileSink(path: path)
        let tar = TarWriter(writingTo: sink)
        for (file, bytes) in files { try tar.addFile(file, bytes: bytes) }
        try tar.finish()
        try sink.commit()
        return (index, images)
    }

    /// manifest.json's `RepoTags`: the name, or none for an unnamed image (`null` as Go writes it).
    static func repoTags(_ image: TestImage, _ name: String) -> String {
        image.unnamed ? (image.goNulls ? "null" : "[]") : "[\"\(name)\"]"
    }

    /// A manifest.json list (`Layers`): `null` for an empty list of a Go-written image.
    static func list(_ image: TestImage, _ items: [String]) -> String {
        image.goNulls && items.isEmpty ? "null" : "[" + items.joined(separator: ",") + "]"
    }

    /// The name as `docker save` writes it: Docker Hub images lose `docker.io/` and `library/`.
    static func familiar(_ name: String) -> String {
        var text = name
        if text.hasPrefix("docker.io/") { text.removeFirst("docker.io/".count) }
        if text.hasPrefix("library/") { text.removeFirst("library/".count) }
        return text
    }
}
