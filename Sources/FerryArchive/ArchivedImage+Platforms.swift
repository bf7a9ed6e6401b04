import FerryOCI
import Foundation

/// `--platform` on push and sync: an image narrowed to some of its platforms.
extension ArchivedImage {
    /// What choosing platforms did to the image, for the plan.
    package enum PlatformChoice: Sendable, Equatable {
        /// Every platform asked for is all the image has (or it has one, and it is asked for).
        case unchanged
        /// One platform of an index: the tag names that child's manifest, its original bytes.
        case child(Platform, from: Digest)
        /// Several platforms of an index: a new index of just those children, with a new digest.
        case newIndex(from: Digest)
    }

    /// True when `have` is what `wanted` asks for: os and architecture equal, and the variant
    /// too when `wanted` names one (`linux/arm64` takes `linux/arm64/v8`).
    package static func matches(_ have: Platform, _ wanted: Platform) -> Bool {
        have.os == wanted.os && have.architecture == wanted.architecture && (wanted.variant == nil || have.variant == wanted.variant)
    }

    /// The image as pushed with only `platforms` (empty: all of it). An image that has none of
    /// them is an error naming what it has.
    package func selecting(_ platforms: [Platform]) throws -> (image: ArchivedImage, choice: PlatformChoice) {
        guard !platforms.isEmpty else { return (self, .unchanged) }
        guard root.isIndex else {
            // One manifest: it is pushed as it is when its config's platform is asked for (or unknown).
            if let own = self.platforms.first, !platforms.contains(where: { Self.matches(own, $0) }) {
                throw ArchiveError(.invalidImage, "\(origin) (\(displayName)) is a \(own) image; --platform asked for \(platforms.map(\.description).joined(separator: ", "))")
            }
            return (self, .unchanged)
        }
        let index = try root.index()
        var kept: [Descriptor] = []
        for wanted in platforms {
            let candidates = index.manifests.filter { descriptor in descriptor.platform.map { Self.matches($0, wanted) } ?? false }
            // An exact variant first, then the first listed: one child per platform asked for.
            guard let best = candidates.first(where: { $0.platform == wanted }) ?? candidates.first else {
                let available = index.manifests.compactMap { $0.platform?.description }.filter { $0 != "unknown/unknown" }
                throw ArchiveError(.invalidImage, "\(origin) (\(displayName)) has no \(wanted) image; it has: \(available.joined(separator: ", "))")
            }
            if !kept.contains(best) { kept.append(best) }
        }
        if kept.count == index.manifests.count { return (self, .unchanged) }
        let children = kept.compactMap { descriptor in self.children.first { $0.digest == descriptor.digest } }
        guard children.count == kept.count else {
            throw ArchiveError(.invalidImage, "\(origin): the index lists a manifest the archive does not hold")
        }
        var narrowed = self
        narrowed.children = children
        narrowed.platforms = kept.compactMap(\.platform)
        if children.count == 1 {
            narrowed.root = children[0]
            narrowed.children = []
            narrowed.blobs = try blobs(of: children)
            return (narrowed, .child(kept[0].platform!, from: root.digest))
        }
        narrowed.root = try Self.index(root, keeping: Set(kept.map(\.digest)))
        narrowed.blobs = try blobs(of: children)
        return (narrowed, .newIndex(from: root.digest))
    }

    /// The configs and layers `manifests` name, each once, in the image's order.
    func blobs(of manifests: [ManifestDocument]) throws -> [ArchivedBlob] {
        var wanted = Set<Digest>()
        for document in manifests where !document.isIndex {
            let manifest = try document.manifest()
            wanted.insert(manifest.config.digest)
            for layer in manifest.layers { wanted.insert(layer.digest) }
        }
        return blobs.filter { wanted.contains($0.digest) }
    }

    /// `index` with only the manifests in `keeping`; every other field kept as it was.
    static func index(_ index: ManifestDocument, keeping: Set<Digest>) throws -> ManifestDocument {
        guard var object = try JSONSerialization.jsonObject(with: Data(index.bytes)) as? [String: Any],
              let manifests = object["manifests"] as? [[String: Any]] else {
            throw ArchiveError(.invalidImage, "the index \(index.digest) cannot be narrowed: it is not a JSON object with manifests")
        }
        object["manifests"] = manifests.filter { entry in
            (entry["digest"] as? String).flatMap { try? Digest(parsing: $0) }.map(keeping.contains) ?? false
        }
        let bytes = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return ManifestDocument(bytes: Array(bytes), mediaType: index.mediaType)
    }
}
