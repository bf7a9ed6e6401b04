import FerryOCI
import Foundation

/// One image of a bundle's `images.tar`, under the name the chart's values give it.
package struct BundleImage: Sendable {
    /// The reference as written in the values (a rendered hint): the `RepoTags` entry.
    package var name: String
    package var reference: Reference
    package var image: ArchivedImage
    /// `org.opencontainers.image.ref.name` in the OCI view: the full name unless given (`oci:DIR:TAG`).
    package var refName: String?

    package init(name: String, reference: Reference, image: ArchivedImage, refName: String? = nil) {
        self.name = name
        self.reference = reference
        self.image = image
        self.refName = refName
    }
}

/// The `images.tar` Ferry writes into a bundle: two views of the same blobs, each blob stored once.
///
/// - The docker-save view old readers take (relok8s, charts-syncer, `docker load`, `ctr import`):
///   for each image in name order, its config as `sha256:<hex>` and its layers as `<hex>.tar.gz`
///   (the registry's compressed bytes), then `manifest.json` last, compact, sorted by name. It holds
///   one platform per image (linux/amd64 when the image has it), as relok8s pulls.
/// - An OCI view (`blobs/sha256/…`, `oci-layout`, `index.json`) with the original manifest and index
///   bytes of every platform kept, and each image's artifacts (entries marked with
///   `ImageArtifact.subjectAnnotation`, without a name, so old readers pass them over). A blob the
///   docker-save view already holds is a symbolic link to it.
///
/// The same images give the same bytes.
package enum BundleImagesTar {
    package enum Content {
        case bytes([UInt8])
        case range(ByteRange)
        case link(String)
    }

    package struct Member {
        package var path: String
        package var content: Content
    }

    /// The platform the docker-save view keeps of an index: linux/amd64, else the first listed.
    package static let defaultPlatform = Platform(os: "linux", architecture: "amd64")

    package static func members(_ images: [BundleImage]) throws -> [Member] {
        let sorted = images.sorted { $0.name < $1.name }
        var blobs: [Digest: ArchivedBlob] = [:]
        var documents: [Digest: [UInt8]] = [:]
        for image in sorted { collect(image.image, blobs: &blobs, documents: &documents) }

        var members: [Member] = []
        var written: [Digest: String] = [:]
        var entries: [String] = []
        for image in sorted {
            let manifest = try dockerSaveManifest(of: image.image)
            let config = manifest.config.digest
            if written[config] == nil {
                members.append(Member(path: "sha256:\(config.hex)", content: try content(of: config, in: blobs, for: image)))
                written[config] = "sha256:\(config.hex)"
            }
            var layerNames: [String] = []
            for layer in manifest.layers {
                if written[layer.digest] == nil {
                    members.append(Member(path: "\(layer.digest.hex).tar.gz", content: try content(of: layer.digest, in: blobs, for: image)))
                    written[layer.digest] = "\(layer.digest.hex).tar.gz"
                }
                layerNames.append(written[layer.digest]!)
            }
            entries.append(manifestEntry(config: written[config]!, tag: repoTag(image), layers: layerNames))
        }
        // The OCI view: every blob and document by digest; links to what is already written.
        let all = Set(blobs.keys).union(documents.keys).sorted { $0.hex < $1.hex }
        for digest in all {
            let path = "blobs/sha256/\(digest.hex)"
            if let target = written[digest] {
                members.append(Member(path: path, content: .link("../../\(target)")))
            } else if let bytes = documents[digest] {
                members.append(Member(path: path, content: .bytes(bytes)))
            } else {
                members.append(Member(path: path, content: try content(of: digest, in: blobs, for: nil)))
            }
        }
        members.append(Member(path: "oci-layout", content: .bytes(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))))
        members.append(Member(path: "index.json", content: .bytes(try index(sorted))))
        members.append(Member(path: "manifest.json", content: .bytes(Array(("[" + entries.joined(separator: ",") + "]").utf8))))
        return members
    }

    /// Writes `members` as a tar to `tar` (the caller finishes it).
    package static func write(_ members: [Member], into tar: TarWriter) throws {
        for member in members {
            switch member.content {
            case .bytes(let bytes): try tar.addFile(member.path, bytes: bytes)
            case .range(let range): try tar.addFile(member.path, from: range)
            case .link(let target): try tar.addSymlink(member.path, target: target)
            }
        }
        try tar.finish()
    }

    /// The size of the tar `write` makes of `members`.
    package static func size(of members: [Member]) throws -> Int64 {
        let counter = TarWriter(measuringOnly: ())
        try write(members, into: counter)
        return counter.position
    }

    // MARK: - Parts

    static func collect(_ image: ArchivedImage, blobs: inout [Digest: ArchivedBlob], documents: inout [Digest: [UInt8]]) {
        for blob in image.blobs where blobs[blob.digest] == nil { blobs[blob.digest] = blob }
        for document in [image.root] + image.children { documents[document.digest] = document.bytes }
        for artifact in image.artifacts { collect(artifact.image, blobs: &blobs, documents: &documents) }
    }

    static func content(of digest: Digest, in blobs: [Digest: ArchivedBlob], for image: BundleImage?) throws -> Content {
        guard let blob = blobs[digest] else {
            throw ArchiveError(.missingEntry, "\(image?.name ?? "an artifact") needs blob \(digest), which was not fetched")
        }
        switch blob.source {
        case .stored(let range): return .range(range)
        case .gzipped(let range, _):
            throw ArchiveError(.unsupported, "\(range.origin): blob \(digest) is stored uncompressed; a bundle holds the registry's compressed bytes")
        case .remote(let remote):
            throw ArchiveError(.unsupported, "\(remote.origin): blob \(digest) was not fetched")
        }
    }

    /// The manifest of the platform the docker-save view keeps.
    package static func dockerSaveManifest(of image: ArchivedImage) throws -> ImageManifest {
        guard image.root.isIndex else { return try image.root.manifest() }
        let listed = try image.root.index().manifests
        let chosen = listed.first { $0.platform.map { ArchivedImage.matches($0, defaultPlatform) } ?? false }
            ?? listed.first { $0.platform != nil && $0.platform?.os != "unknown" }
            ?? listed.first
        guard let chosen, let child = image.children.first(where: { $0.digest == chosen.digest }) else {
            throw ArchiveError(.invalidImage, "\(image.displayName): its index lists no manifest the bundle holds")
        }
        return try child.manifest()
    }

    /// ggcr's `RepoTags` entry: the name as written, `:latest` added when it has no tag; a name
    /// pinned only by digest has none (`null`).
    static func repoTag(_ image: BundleImage) -> String? {
        let reference = image.reference
        if let tag = reference.tag {
            if reference.digest == nil { return image.name.hasSuffix(":\(tag)") ? image.name : image.name + ":\(tag)" }
            return "\(reference.name):\(tag)"
        }
        return reference.digest == nil ? image.name + ":latest" : nil
    }

    static func manifestEntry(config: String, tag: String?, layers: [String]) -> String {
        let tags = tag.map { "[\(quoted($0))]" } ?? "null"
        return "{\"Config\":\(quoted(config)),\"RepoTags\":\(tags),\"Layers\":[\(layers.map(quoted).joined(separator: ","))]}"
    }

    static func index(_ images: [BundleImage]) throws -> [UInt8] {
        let entries = indexEntries(images)
        return Array("{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.ociIndex)\",\"manifests\":[\(entries.joined(separator: ","))]}".utf8)
    }

    /// index.json's entries: each image (named for containerd and for OCI readers), then each
    /// artifact (marked, without a name).
    package static func indexEntries(_ images: [BundleImage]) -> [String] {
        var entries: [String] = []
        func descriptor(_ document: ManifestDocument, _ annotations: [(String, String)]) -> String {
            let pairs = annotations.map { "\(quoted($0.0)):\(quoted($0.1))" }.joined(separator: ",")
            return "{\"mediaType\":\(quoted(document.mediaType)),\"digest\":\"\(document.digest)\",\"size\":\(document.bytes.count),\"annotations\":{\(pairs)}}"
        }
        for image in images {
            let name = image.reference.description
            entries.append(descriptor(image.image.root, [("io.containerd.image.name", name), ("org.opencontainers.image.ref.name", image.refName ?? name)]))
        }
        var seen = Set<String>()
        for image in images {
            for artifact in image.image.artifacts.sorted(by: { ($0.subject.hex, $0.tag ?? "", $0.image.root.digest.hex) < ($1.subject.hex, $1.tag ?? "", $1.image.root.digest.hex) }) {
                var annotations = [(ImageArtifact.subjectAnnotation, artifact.subject.string)]
                if let tag = artifact.tag { annotations.append((ImageArtifact.tagAnnotation, tag)) }
                let entry = descriptor(artifact.image.root, annotations)
                if seen.insert(entry).inserted { entries.append(entry) }
            }
        }
        return entries
    }

    /// Every blob and document of the images, by digest (what an OCI layout's blobs/ holds).
    package static func contents(_ images: [BundleImage]) throws -> [(digest: Digest, content: Content)] {
        var blobs: [Digest: ArchivedBlob] = [:]
        var documents: [Digest: [UInt8]] = [:]
        for image in images { collect(image.image, blobs: &blobs, documents: &documents) }
        return try Set(blobs.keys).union(documents.keys).sorted { $0.hex < $1.hex }.map { digest in
            (digest, try documents[digest].map(Content.bytes) ?? content(of: digest, in: blobs, for: nil))
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
