import FerryArchive
import FerryOCI

/// An image as it goes onto a node: what to write (one manifest, or an index), its config and
/// layers for `docker load`, and the names it gets.
package struct NodeImage: Sendable {
    package var image: ArchivedImage
    /// The names the node will list it under.
    package var names: [Reference]
    /// What `index.json` points at: the image's own manifest or index, or, with a platform chosen,
    /// the manifest of that platform.
    package var root: ManifestDocument
    /// The single-platform manifest `manifest.json` describes (docker load reads only that).
    package var manifest: ManifestDocument
    package var config: Descriptor
    package var layers: [Descriptor]

    /// The image id docker reports: the config digest.
    package var imageID: Digest { config.digest }

    /// Chooses what to load from `image`: for an index, the manifest of `platform` (default
    /// linux/amd64) is what docker loads; with `selectPlatform`, it is also what index.json names.
    package init(image: ArchivedImage, names: [Reference], platform: Platform?, selectPlatform: Bool) throws {
        self.image = image
        self.names = names
        if image.root.isIndex {
            let wanted = platform ?? Platform(os: "linux", architecture: "amd64")
            let index = try image.root.index()
            guard let entry = index.manifests.first(where: { descriptor in
                guard let p = descriptor.platform else { return false }
                return p.os == wanted.os && p.architecture == wanted.architecture && (wanted.variant == nil || p.variant == wanted.variant)
            }), let child = image.children.first(where: { $0.digest == entry.digest }) else {
                let available = index.manifests.compactMap { $0.platform?.description }.joined(separator: ", ")
                throw NodeError(.platformMissing, "\(image.origin) has no \(wanted) image (it has: \(available))")
            }
            manifest = child
            root = selectPlatform ? child : image.root
        } else {
            if let platform, let own = image.platforms.first, own.os != platform.os || own.architecture != platform.architecture {
                throw NodeError(.platformMissing, "\(image.origin) is a \(own) image, not \(platform)")
            }
            manifest = image.root
            root = image.root
        }
        let parsed = try manifest.manifest()
        config = parsed.config
        layers = parsed.layers
    }

    /// The blobs to write: everything under `root` (all platforms of an index unless one was chosen).
    package var blobs: [ArchivedBlob] {
        if root.isIndex { return image.blobs }
        let wanted = Set([config.digest] + layers.map(\.digest))
        return image.blobs.filter { wanted.contains($0.digest) }
    }

    /// Manifests and indexes to write besides the blobs.
    package var documents: [ManifestDocument] {
        root.isIndex ? image.children + [root] : [root]
    }
}
