import NIOCore
import FerryOCI

/// Where the bytes of a blob come from.
package enum BlobSource: Sendable {
    /// Stored as pushed: the bytes are streamed from this range and checked against the digest.
    case stored(ByteRange)
    /// Stored uncompressed in the archive and pushed gzipped; `LayerCompressor` supplies the bytes.
    case gzipped(ByteRange, diffID: Digest)
    /// In another registry: streamed from it as it is pushed, never stored here.
    case remote(RemoteBlob)
}

/// A blob read from a registry while it is sent to another one.
package struct RemoteBlob: Sendable {
    /// `host/repository@digest`, for messages.
    package var origin: String
    package var mediaType: String
    /// Bytes from `offset`, `count` of them (nil: to the end); a whole read checks the digest.
    package var open: @Sendable (_ offset: Int64, _ count: Int64?) -> AsyncThrowingStream<ByteBuffer, any Error>

    package init(origin: String, mediaType: String,
                 open: @escaping @Sendable (_ offset: Int64, _ count: Int64?) -> AsyncThrowingStream<ByteBuffer, any Error>) {
        self.origin = origin
        self.mediaType = mediaType
        self.open = open
    }
}

/// One blob of an image: a config or a layer.
package struct ArchivedBlob: Sendable {
    package var digest: Digest
    package var size: Int64
    package var source: BlobSource

    package init(digest: Digest, size: Int64, source: BlobSource) {
        self.digest = digest
        self.size = size
        self.source = source
    }

    package var origin: String {
        switch source {
        case .stored(let range), .gzipped(let range, _): return range.origin
        case .remote(let remote): return remote.origin
        }
    }
}

/// One image of an archive, ready to push: the manifest (or index) bytes, any child manifests, and
/// every blob they reference.
package struct ArchivedImage: Sendable {
    /// The names the archive gives the image, as written (`RepoTags`, or `index.json` annotations).
    package var sourceNames: [String]
    /// The same names, normalised; the first is the image's primary name.
    package var references: [Reference]
    /// What the tag points at: an image manifest or an index.
    package var root: ManifestDocument
    /// For an index: the manifests it lists, pushed by digest before it.
    package var children: [ManifestDocument]
    /// The config and layers of every manifest, each digest once.
    package var blobs: [ArchivedBlob]
    package var platforms: [Platform]
    /// Number of layers of each manifest, for reports.
    package var layerCount: Int
    /// Where in the archive the image was found, for messages.
    package var origin: String
    /// Signatures, attestations and referrers of the image (or of one of its platforms), kept
    /// with it: pushed after it into each repository it goes to.
    package var artifacts: [ImageArtifact] = []

    package init(sourceNames: [String], references: [Reference], root: ManifestDocument, children: [ManifestDocument],
                 blobs: [ArchivedBlob], platforms: [Platform], layerCount: Int, origin: String, artifacts: [ImageArtifact] = []) {
        self.sourceNames = sourceNames
        self.references = references
        self.root = root
        self.children = children
        self.blobs = blobs
        self.platforms = platforms
        self.layerCount = layerCount
        self.origin = origin
        self.artifacts = artifacts
    }

    package var totalBytes: Int64 { blobs.reduce(0) { $0 + $1.size } }

    /// The image's blobs and those of its artifacts, each once.
    package var blobsWithArtifacts: [ArchivedBlob] {
        var seen = Set<Digest>()
        return (blobs + artifacts.flatMap(\.image.blobsWithArtifacts)).filter { seen.insert($0.digest).inserted }
    }

    /// The digests an artifact may be about: the root and each child kept.
    package var subjects: Set<Digest> { Set([root.digest] + children.map(\.digest)) }

    /// False for an image saved by id (`"RepoTags": null`) or an OCI layout entry without a name
    /// annotation: it can be inspected and verified, but not pushed, retagged or loaded.
    package var isNamed: Bool { !references.isEmpty }

    /// How reports show the image: its first name, or `(no name) sha256:…`.
    package var displayName: String { sourceNames.first ?? "(no name) \(root.digest)" }

    /// Why an unnamed image is refused, and how to give it a name.
    package var unnamedProblem: String {
        "\(origin): image \(root.digest) has no name (saved by image id, or copied without a tag), so it has no target name; "
            + "save it by name (docker save NAME:TAG, podman save NAME:TAG) or copy it with a tag (skopeo copy … oci:DIR:NAME:TAG)"
    }
}

/// A signature, attestation, SBOM or other artifact about one manifest (its subject): cosign's
/// tag scheme (`sha256-<hex>.sig`, `.att`, `.sbom`, and the referrers fallback tag `sha256-<hex>`)
/// or an OCI referrer (a manifest whose `subject` names it), stored by digest.
package struct ImageArtifact: Sendable {
    /// The manifest the artifact is about.
    package var subject: Digest
    /// The tag it is stored under next to its subject; nil for a referrer stored by digest.
    package var tag: String?
    /// The artifact's own manifest (or index), children and blobs.
    package var image: ArchivedImage

    package init(subject: Digest, tag: String?, image: ArchivedImage) {
        self.subject = subject
        self.tag = tag
        self.image = image
    }

    /// The annotations that mark an artifact in a Ferry bundle's `index.json`: old readers see an
    /// entry without a name and pass it over.
    package static let subjectAnnotation = "dev.ferry.artifact.subject"
    package static let tagAnnotation = "dev.ferry.artifact.tag"

    /// The tags cosign (and the OCI referrers fallback) use for artifacts about `subject`.
    package static func tags(for subject: Digest) -> [String] {
        let base = "sha256-\(subject.hex)"
        return [base + ".sig", base + ".att", base + ".sbom", base]
    }
}

/// The images of one archive.
package struct ImageArchive: Sendable {
    package enum Format: String, Sendable {
        case dockerArchive = "docker-archive"
        case ociLayout = "oci-layout"
    }

    package var origin: String
    package var format: Format
    package var images: [ArchivedImage]
    package var notes: [String]

    /// Reads the images of `container`, preferring the OCI view of a hybrid archive (Docker ≥ 25 writes
    /// both) because it keeps the original manifest digests.
    package static func read(_ container: any ArchiveContainer, compressor: LayerCompressor) throws -> ImageArchive {
        let hasOCI = container.contains("oci-layout") && container.contains("index.json")
        let hasDocker = container.contains("manifest.json")
        if hasOCI {
            do {
                return try OCILayoutReader(container: container).read()
            } catch let error as ArchiveError where hasDocker && error.code == .missingEntry {
                // An index naming content the archive does not hold (containerd-store saves keep only
                // one platform): the manifest.json view is complete, so use it.
                var archive = try DockerArchiveReader(container: container, compressor: compressor).read()
                archive.notes.append("\(container.origin): OCI view incomplete (\(error.message)); read manifest.json instead")
                return archive
            }
        }
        if hasDocker {
            return try DockerArchiveReader(container: container, compressor: compressor).read()
        }
        throw ArchiveError(.invalidImage,
                           "\(container.origin) is not an image archive: it has neither manifest.json nor oci-layout + index.json",
                           hint: "pass a docker-save archive, an OCI image layout, or a .bundle.tar")
    }
}

extension ArchivedImage {
    /// One layer as stored in the archive.
    package struct Layer: Sendable {
        package var digest: Digest
        package var size: Int64
        package var mediaType: String
        /// How the bytes are stored, found from the bytes themselves.
        package var stored: Compression
        /// True when the archive holds the layer uncompressed and Ferry gzips it for a push.
        package var gzippedOnPush: Bool
    }

    /// Every layer of every manifest of the image, each digest once, in manifest order.
    package func layers() throws -> [Layer] {
        var seen = Set<Digest>()
        var result: [Layer] = []
        var byDigest: [Digest: ArchivedBlob] = [:]
        for blob in blobs where byDigest[blob.digest] == nil { byDigest[blob.digest] = blob }
        for document in [root] + children where !document.isIndex {
            for layer in try document.manifest().layers where seen.insert(layer.digest).inserted {
                guard let blob = byDigest[layer.digest] else { continue }
                switch blob.source {
                case .stored(let range):
                    result.append(Layer(digest: layer.digest, size: layer.size, mediaType: layer.mediaType,
                                        stored: Compression.detect(try range.prefix(8)), gzippedOnPush: false))
                case .gzipped:
                    result.append(Layer(digest: layer.digest, size: layer.size, mediaType: layer.mediaType,
                                        stored: .none, gzippedOnPush: true))
                case .remote:
                    result.append(Layer(digest: layer.digest, size: layer.size, mediaType: layer.mediaType,
                                        stored: Compression(mediaType: layer.mediaType), gzippedOnPush: false))
                }
            }
        }
        return result
    }
}
