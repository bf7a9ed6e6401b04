import FerryOCI
import Foundation

/// Reads an OCI image layout (a directory or a tar, including the OCI half of a Docker ≥ 25 save).
/// Manifests and indexes are kept as the exact bytes found, so every digest survives the push.
struct OCILayoutReader {
    let container: any ArchiveContainer

    func read() throws -> ImageArchive {
        let origin = container.origin
        let indexRange = try container.member("index.json")
        let top = try ManifestDocument(bytes: try indexRange.readAll(), declared: MediaType.ociIndex, origin: indexRange.origin)
        let entries = try top.index().manifests

        // Several index.json entries may name the same content: one image with several names.
        var order: [Digest] = []
        var namesByDigest: [Digest: [String]] = [:]
        var descriptorByDigest: [Digest: Descriptor] = [:]
        for entry in entries {
            if descriptorByDigest[entry.digest] == nil {
                order.append(entry.digest)
                descriptorByDigest[entry.digest] = entry
            }
            if let name = Self.name(of: entry, layoutName: layoutName) {
                namesByDigest[entry.digest, default: []].append(name)
            }
        }
        var images: [ArchivedImage] = []
        var notes = container.notes
        for digest in order {
            let descriptor = descriptorByDigest[digest]!
            let names = namesByDigest[digest] ?? []
            guard MediaType.isIndex(descriptor.mediaType) || MediaType.isManifest(descriptor.mediaType) else {
                notes.append("\(origin)!index.json: entry \(digest) has media type \(descriptor.mediaType), not an image; skipped")
                continue
            }
            // An entry without a name annotation (`skopeo copy … oci:DIR` with no tag) is still read:
            // inspect lists it, verify checks it, and commands that need a name refuse it by name.
            var references: [Reference] = []
            for name in names {
                do {
                    references.append(try Reference(parsing: name))
                } catch {
                    throw ArchiveError(.invalidImage, "\(origin)!index.json: name '\(name)' is not a valid image reference: \(error)")
                }
            }
            images.append(try readImage(descriptor, names: names, references: references))
        }
        return ImageArchive(origin: origin, format: .ociLayout, images: images, notes: notes)
    }

    /// The layout's own name (directory or file name without `.tar`), used when an entry is named
    /// only by a tag, as `skopeo copy … oci:DIR:TAG` writes.
    private var layoutName: String {
        var base = container.origin.split(separator: "!").last.map(String.init) ?? container.origin
        base = base.split(separator: "/").last.map(String.init) ?? base
        if base.hasSuffix(".tar") { base.removeLast(4) }
        return base.lowercased()
    }

    static func name(of entry: Descriptor, layoutName: String) -> String? {
        if let full = entry.annotations?["io.containerd.image.name"], !full.isEmpty { return full }
        guard let ref = entry.annotations?["org.opencontainers.image.ref.name"], !ref.isEmpty else { return nil }
        if ref.contains("/") || ref.contains("@") { return ref }
        if ref.contains(":") { return ref }
        return "\(layoutName):\(ref)"
    }

    private func document(_ descriptor: Descriptor, referencedBy parent: String) throws -> ManifestDocument {
        let range = try blob(descriptor, referencedBy: parent)
        let bytes = try range.readAll()
        let document = try ManifestDocument(bytes: bytes, declared: descriptor.mediaType, origin: range.origin)
        guard document.digest == descriptor.digest else {
            throw ArchiveError(.digestMismatch, "\(range.origin) does not match its digest: the bytes hash to \(document.digest)",
                               hint: "the layout is corrupt or was modified; obtain a fresh copy")
        }
        return document
    }

    private func blob(_ descriptor: Descriptor, referencedBy parent: String) throws -> ByteRange {
        let path = "blobs/sha256/\(descriptor.digest.hex)"
        guard container.contains(path) else {
            throw ArchiveError(.missingEntry, "\(container.origin) has no blob \(path), which \(parent) references")
        }
        let range = try container.member(path)
        guard range.length == descriptor.size else {
            throw ArchiveError(.invalidImage,
                               "\(range.origin) is \(range.length) bytes, but \(parent) says \(descriptor.size)")
        }
        return range
    }

    private func readImage(_ descriptor: Descriptor, names: [String], references: [Reference]) throws -> ArchivedImage {
        let root = try document(descriptor, referencedBy: "index.json")
        var children: [ManifestDocument] = []
        var blobs: [ArchivedBlob] = []
        var platforms: [Platform] = []
        var layerCount = 0

        func addBlob(_ d: Descriptor, parent: String) throws {
            guard !blobs.contains(where: { $0.digest == d.digest }) else { return }
            let range = try blob(d, referencedBy: parent)
            blobs.append(ArchivedBlob(digest: d.digest, size: d.size, source: .stored(range)))
        }

        // Walks the DAG depth first, so children always come before the index that lists them.
        func walk(_ document: ManifestDocument, platform: Platform?, depth: Int) throws {
            guard depth < 8 else {
                throw ArchiveError(.invalidImage, "\(container.origin): index \(document.digest) nests too deeply")
            }
            if document.isIndex {
                for child in try document.index().manifests {
                    guard MediaType.isIndex(child.mediaType) || MediaType.isManifest(child.mediaType) else {
                        // Unknown artifacts are carried along as blobs.
                        try addBlob(child, parent: "index \(document.digest)")
                        continue
                    }
                    let childDocument = try self.document(child, referencedBy: "index \(document.digest)")
                    try walk(childDocument, platform: child.platform, depth: depth + 1)
                    if !children.contains(where: { $0.digest == childDocument.digest }) {
                        children.append(childDocument)
                    }
                }
            } else {
                let manifest = try document.manifest()
                try addBlob(manifest.config, parent: "manifest \(document.digest)")
                for layer in manifest.layers {
                    try addBlob(layer, parent: "manifest \(document.digest)")
                }
                layerCount = max(layerCount, manifest.layers.count)
                if let platform, platform.os != "unknown" {
                    platforms.append(platform)
                } else if platform == nil, MediaType.isManifest(manifest.config.mediaType) == false,
                          let bytes = try? blob(manifest.config, referencedBy: "manifest").readAll(),
                          let config = try? GoJSON.decode(ImageConfiguration.self, from: bytes),
                          let p = config.platform {
                    platforms.append(p)
                }
            }
        }
        try walk(root, platform: descriptor.platform, depth: 0)
        return ArchivedImage(sourceNames: names, references: references, root: root, children: children, blobs: blobs,
                             platforms: platforms, layerCount: layerCount,
                             origin: "\(container.origin)!index.json[\(descriptor.digest.short)]")
    }
}
