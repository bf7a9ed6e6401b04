import FerryOCI
import Foundation

/// Reads `manifest.json` archives from every writer: go-containerregistry (charts-syncer bundles),
/// legacy `docker save`, skopeo, and Docker ≥ 25. Each entry becomes a Docker schema-2 image built
/// as charts-syncer builds it, so digests match what it would have pushed.
struct DockerArchiveReader {
    let container: any ArchiveContainer
    let compressor: LayerCompressor

    struct Entry: Decodable {
        var Config: String
        @GoList var RepoTags: [String]
        @GoList var Layers: [String]
    }

    func read() throws -> ImageArchive {
        let origin = container.origin
        let manifestRange = try container.member("manifest.json")
        let entries: [Entry]
        do {
            entries = try GoJSON.decode([Entry].self, from: try manifestRange.readAll())
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(.invalidImage, "\(origin)!manifest.json is not a valid docker-archive manifest: \(error.shortDescription)")
        }
        try compressUncompressedLayers(entries)
        var images: [ArchivedImage] = []
        let notes = container.notes
        for (index, entry) in entries.enumerated() {
            let where_ = "\(origin)!manifest.json[\(index)]"
            var references: [Reference] = []
            for tag in entry.RepoTags {
                do {
                    references.append(try Reference(parsing: tag))
                } catch {
                    throw ArchiveError(.invalidImage, "\(where_): RepoTag '\(tag)' is not a valid image reference: \(error)")
                }
            }
            // An image saved by id has no RepoTags: it is still read, so inspect lists it and verify
            // checks it; commands that need a name refuse it by name.
            images.append(try readImage(entry, at: where_, references: references))
        }
        return ImageArchive(origin: origin, format: .dockerArchive, images: images, notes: notes)
    }

    private func readImage(_ entry: Entry, at where_: String, references: [Reference]) throws -> ArchivedImage {
        let configRange = try container.member(entry.Config)
        let configBytes = try configRange.readAll()
        let configDigest = Digest.of(configBytes)
        if let named = Self.digestInName(entry.Config), named != configDigest {
            throw ArchiveError(.digestMismatch,
                               "\(configRange.origin) does not match its name: the bytes hash to \(configDigest)",
                               hint: "the archive is corrupt or was modified; obtain a fresh copy")
        }
        let config: ImageConfiguration
        do {
            config = try GoJSON.decode(ImageConfiguration.self, from: configBytes)
        } catch {
            throw ArchiveError(.invalidImage, "\(configRange.origin) is not a valid image config: \(error.shortDescription)")
        }
        let layerPaths = entry.Layers
        let diffIDs = config.rootfs?.diffIDs ?? []
        guard diffIDs.count == layerPaths.count else {
            throw ArchiveError(.invalidImage,
                               "\(where_) lists \(layerPaths.count) layers but its config \(entry.Config) has \(diffIDs.count) diff_ids")
        }

        var blobs = [ArchivedBlob(digest: configDigest, size: Int64(configBytes.count), source: .stored(configRange))]
        var blobDigests: Set<Digest> = [configDigest]
        var layers: [Descriptor] = []
        for (i, path) in layerPaths.enumerated() {
            let range = try container.member(path)
            let blob: ArchivedBlob
            switch Compression.detect(try range.prefix(8)) {
            case .gzip:
                let digest = try Self.digestInName(path) ?? range.digest()
                blob = ArchivedBlob(digest: digest, size: range.length, source: .stored(range))
            case .none:
                let (digest, size) = try compressor.compressedDescriptor(of: range, diffID: diffIDs[i])
                blob = ArchivedBlob(digest: digest, size: size, source: .gzipped(range, diffID: diffIDs[i]))
            case let other:
                throw ArchiveError(.unsupported,
                                   "\(range.origin) is \(other.rawValue)-compressed; a Docker schema-2 image needs gzip layers",
                                   hint: "re-save the image with gzip or uncompressed layers")
            }
            layers.append(Descriptor(mediaType: MediaType.dockerLayerGzip, digest: blob.digest, size: blob.size))
            if blobDigests.insert(blob.digest).inserted { blobs.append(blob) }
        }
        let manifest = DockerManifestBuilder.build(
            config: Descriptor(mediaType: MediaType.dockerConfig, digest: configDigest, size: Int64(configBytes.count)),
            layers: layers)
        return ArchivedImage(sourceNames: entry.RepoTags, references: references, root: manifest, children: [],
                             blobs: blobs, platforms: config.platform.map { [$0] } ?? [], layerCount: layers.count,
                             origin: where_)
    }

    /// Gzips, in parallel, every uncompressed layer the archive's images use.
    private func compressUncompressedLayers(_ entries: [Entry]) throws {
        var pending: [(range: ByteRange, diffID: Digest)] = []
        for entry in entries {
            guard let configBytes = try? container.member(entry.Config).readAll(),
                  let config = try? GoJSON.decode(ImageConfiguration.self, from: configBytes),
                  let diffIDs = config.rootfs?.diffIDs, diffIDs.count == entry.Layers.count else {
                continue  // readImage reports what is wrong with this entry
            }
            for (path, diffID) in zip(entry.Layers, diffIDs) {
                guard let range = try? container.member(path), Compression.detect(try range.prefix(8)) == .none else { continue }
                pending.append((range, diffID))
            }
        }
        try compressor.prepare(pending)
    }

    /// Writers that name files by content: `sha256:<hex>`, `<hex>.tar.gz`, `<hex>.json`, `blobs/sha256/<hex>`.
    /// skopeo's `<diffid>.tar` names uncompressed content, which is checked against the diff_id instead.
    static func digestInName(_ path: String) -> Digest? {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        var candidate = last
        if candidate.hasPrefix("sha256:") { candidate.removeFirst(7) }
        for suffix in [".tar.gz", ".json"] where candidate.hasSuffix(suffix) {
            candidate.removeLast(suffix.count)
        }
        if path.hasPrefix("blobs/sha256/") || last.hasPrefix("sha256:") || last.hasSuffix(".tar.gz") || last.hasSuffix(".json") {
            return try? Digest(hex: candidate)
        }
        return nil
    }
}
