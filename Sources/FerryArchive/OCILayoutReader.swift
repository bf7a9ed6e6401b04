import FerryCore
import FerryOCI
import Foundation

/// Reads an OCI image layout (a directory or a tar, including the OCI half of a Docker ≥ 25 save).
/// Manifests and indexes are kept as the exact bytes found, so every digest survives the push.
///
/// Hostile layouts are bounded: each manifest or index is read once per layout and walked once
/// per image (an index listing the same child many times, level after level, costs one visit per
/// document, not one per path), nesting is limited to `maximumDepth`, and the whole layout may
/// make at most `maximumDocuments` visits and `maximumReferences` references. Every message names
/// the file and the key involved (`layout.tar!index.json: manifests[3].digest`).
struct OCILayoutReader {
    let container: any ArchiveContainer

    static let maximumDepth = 8
    static let maximumDocuments = 10_000
    static let maximumReferences = 1_000_000

    /// A manifest or index read from the layout, with where it was found.
    struct Node {
        var document: ManifestDocument
        var origin: String
    }

    /// What one read of a layout has seen, shared by all its images: documents and blobs already
    /// read (by digest), and what has been spent of the budget.
    final class State {
        var documents: [Digest: Node] = [:]
        var blobs: [Digest: ByteRange] = [:]
        var visits = 0
        var references = 0
    }

    func read() throws -> ImageArchive {
        let origin = container.origin
        let indexRange = try container.member("index.json")
        let indexOrigin = indexRange.origin
        let bytes = try indexRange.readAll()
        // The entries first, so a bad one is named by its key; then the document as a whole.
        let entries = try Self.index(bytes, origin: indexOrigin)
        _ = try ManifestDocument(bytes: bytes, declared: MediaType.ociIndex, origin: indexOrigin)

        let grouped = try Self.group(entries, origin: indexOrigin, layoutName: layoutName)
        let state = State()
        var images: [ArchivedImage] = []
        var artifacts: [ImageArtifact] = []
        var notes = container.notes
        for (digest, key) in grouped.order {
            let descriptor = grouped.descriptors[digest]!
            let names = grouped.names[digest] ?? []
            guard MediaType.isIndex(descriptor.mediaType) || MediaType.isManifest(descriptor.mediaType) else {
                notes.append("\(indexOrigin): \(key) (\(digest)) has media type \(descriptor.mediaType), not an image; skipped")
                continue
            }
            if let subject = try Self.artifactSubject(of: descriptor, key: "\(indexOrigin): \(key)") {
                // A signature or referrer a Ferry bundle keeps: it travels with its subject.
                let image = try readImage(descriptor, key: "\(indexOrigin): \(key)", names: [], references: [], state: state)
                artifacts.append(ImageArtifact(subject: subject, tag: descriptor.annotations?[ImageArtifact.tagAnnotation], image: image))
                continue
            }
            // An entry without a name annotation (`skopeo copy … oci:DIR` with no tag) is still read:
            // inspect lists it, verify checks it, and commands that need a name refuse it by name.
            images.append(try readImage(descriptor, key: "\(indexOrigin): \(key)", names: names.map(\.name),
                                        references: try Self.references(names, origin: indexOrigin), state: state))
        }
        var attached = Set<Digest>()
        for i in images.indices {
            let subjects = images[i].subjects
            images[i].artifacts = artifacts.filter { subjects.contains($0.subject) }
            attached.formUnion(images[i].artifacts.map(\.image.root.digest))
        }
        for artifact in artifacts where !attached.contains(artifact.image.root.digest) {
            notes.append("\(indexOrigin): artifact \(artifact.image.root.digest) is about \(artifact.subject), which the layout does not hold; passed over")
        }
        return ImageArchive(origin: origin, format: .ociLayout, images: images, notes: notes)
    }

    /// index.json's entries by digest: several entries may name the same content (one image
    /// with several names), but not with different sizes.
    struct Grouped {
        var order: [(digest: Digest, key: String)] = []
        var names: [Digest: [(name: String, key: String)]] = [:]
        var descriptors: [Digest: Descriptor] = [:]
    }

    static func group(_ entries: [Descriptor], origin indexOrigin: String, layoutName: String) throws -> Grouped {
        var grouped = Grouped()
        for (i, entry) in entries.enumerated() {
            let key = "manifests[\(i)]"
            if let first = grouped.descriptors[entry.digest] {
                guard first.size == entry.size else {
                    let firstKey = grouped.order.first { $0.digest == entry.digest }?.key ?? "an earlier entry"
                    throw ArchiveError(.invalidImage,
                                       "\(indexOrigin): \(key) names \(entry.digest) with size \(entry.size), but \(firstKey) says \(first.size)")
                }
            } else {
                grouped.order.append((entry.digest, key))
                grouped.descriptors[entry.digest] = entry
            }
            if let name = Self.name(of: entry, layoutName: layoutName) {
                grouped.names[entry.digest, default: []].append((name.value, "\(key).annotations[\"\(name.key)\"]"))
            }
        }
        return grouped
    }

    /// An entry's names as references; one that does not parse is named by its key.
    static func references(_ names: [(name: String, key: String)], origin indexOrigin: String) throws -> [Reference] {
        try names.map { name in
            do {
                return try Reference(parsing: name.name)
            } catch let error as any FerryError {
                throw ArchiveError(.invalidImage, "\(indexOrigin): \(name.key): '\(name.name)' is not a valid image reference: \(error.message)")
            }
        }
    }

    /// The layout's own name (directory or file name without `.tar`), used when an entry is named
    /// only by a tag, as `skopeo copy … oci:DIR:TAG` writes.
    private var layoutName: String {
        var base = container.origin.split(separator: "!").last.map(String.init) ?? container.origin
        base = base.split(separator: "/").last.map(String.init) ?? base
        if base.hasSuffix(".tar") { base.removeLast(4) }
        return base.lowercased()
    }

    /// The subject of an artifact entry (`ImageArtifact.subjectAnnotation`), or nil for an image.
    static func artifactSubject(of entry: Descriptor, key: String) throws -> Digest? {
        guard let text = entry.annotations?[ImageArtifact.subjectAnnotation] else { return nil }
        do {
            return try Digest(parsing: text)
        } catch {
            throw ArchiveError(.invalidImage, "\(key).annotations[\"\(ImageArtifact.subjectAnnotation)\"]: '\(text.prefix(80))' is not a digest")
        }
    }

    static func name(of entry: Descriptor, layoutName: String) -> (value: String, key: String)? {
        if let full = entry.annotations?["io.containerd.image.name"], !full.isEmpty { return (full, "io.containerd.image.name") }
        let key = "org.opencontainers.image.ref.name"
        guard let ref = entry.annotations?[key], !ref.isEmpty else { return nil }
        if ref.contains("/") || ref.contains("@") { return (ref, key) }
        if ref.contains(":") { return (ref, key) }
        return ("\(layoutName):\(ref)", key)
    }

    // MARK: - Documents, checked key by key

    /// A descriptor as written, every field optional, so a missing or wrong one is named by its key.
    struct RawDescriptor: Codable, Sendable {
        var mediaType: String?
        var digest: String?
        var size: Int64?
        var platform: Platform?
        var annotations: [String: String]?
    }

    struct RawIndex: Decodable {
        var schemaVersion: Int?
        @GoList var manifests: [RawDescriptor]
    }

    struct RawManifest: Decodable {
        var schemaVersion: Int?
        var config: RawDescriptor?
        @GoList var layers: [RawDescriptor]
    }

    /// The entries of an index (index.json or an index blob).
    static func index(_ bytes: [UInt8], origin: String) throws -> [Descriptor] {
        let raw: RawIndex
        do {
            raw = try GoJSON.decode(RawIndex.self, from: bytes)
        } catch {
            throw ArchiveError(.invalidImage, "\(origin) is not a valid image index: \(error.shortDescription)")
        }
        guard raw.schemaVersion != nil else {
            throw ArchiveError(.invalidImage, "\(origin) is not a valid image index: missing key 'schemaVersion'")
        }
        return try raw.manifests.enumerated().map { try descriptor($1, key: "manifests[\($0)]", origin: origin) }
    }

    /// The config and layers of an image manifest.
    static func manifest(_ bytes: [UInt8], origin: String) throws -> (config: Descriptor, layers: [Descriptor]) {
        let raw: RawManifest
        do {
            raw = try GoJSON.decode(RawManifest.self, from: bytes)
        } catch {
            throw ArchiveError(.invalidImage, "\(origin) is not a valid image manifest: \(error.shortDescription)")
        }
        guard raw.schemaVersion != nil else {
            throw ArchiveError(.invalidImage, "\(origin) is not a valid image manifest: missing key 'schemaVersion'")
        }
        guard let config = raw.config else {
            throw ArchiveError(.invalidImage, "\(origin) is not a valid image manifest: missing key 'config'")
        }
        return (try descriptor(config, key: "config", origin: origin),
                try raw.layers.enumerated().map { try descriptor($1, key: "layers[\($0)]", origin: origin) })
    }

    static func descriptor(_ raw: RawDescriptor, key: String, origin: String) throws -> Descriptor {
        func missing(_ field: String) -> ArchiveError {
            ArchiveError(.invalidImage, "\(origin): \(key): missing key '\(field)'")
        }
        guard let mediaType = raw.mediaType else { throw missing("mediaType") }
        guard let text = raw.digest else { throw missing("digest") }
        guard let size = raw.size else { throw missing("size") }
        let digest: Digest
        do {
            digest = try Digest(parsing: text)
        } catch let error as any FerryError {
            throw ArchiveError(.invalidImage, "\(origin): \(key).digest '\(text.prefix(80))' is not a valid digest: \(error.message)")
        }
        guard size >= 0 else {
            throw ArchiveError(.invalidImage, "\(origin): \(key).size is \(size); a size cannot be negative")
        }
        return Descriptor(mediaType: mediaType, digest: digest, size: size, platform: raw.platform, annotations: raw.annotations)
    }

    // MARK: - Reading

    /// The manifest or index `descriptor` names, read once per layout.
    private func node(_ descriptor: Descriptor, referencedBy parent: String, state: State) throws -> Node {
        if let known = state.documents[descriptor.digest] {
            guard Int64(known.document.bytes.count) == descriptor.size else {
                throw ArchiveError(.invalidImage,
                                   "\(known.origin) is \(known.document.bytes.count) bytes, but \(parent) says \(descriptor.size)")
            }
            return known
        }
        let range = try blob(descriptor, referencedBy: parent, state: state)
        let bytes = try range.readAll()
        let document = try ManifestDocument(bytes: bytes, declared: descriptor.mediaType, origin: range.origin)
        guard document.digest == descriptor.digest else {
            throw ArchiveError(.digestMismatch,
                               "\(range.origin) does not match its digest: \(parent) names \(descriptor.digest), the bytes hash to \(document.digest)",
                               hint: "the layout is corrupt or was modified; obtain a fresh copy")
        }
        let node = Node(document: document, origin: range.origin)
        state.documents[descriptor.digest] = node
        return node
    }

    private func blob(_ descriptor: Descriptor, referencedBy parent: String, state: State) throws -> ByteRange {
        let range: ByteRange
        if let known = state.blobs[descriptor.digest] {
            range = known
        } else {
            let path = "blobs/sha256/\(descriptor.digest.hex)"
            guard container.contains(path) else {
                throw ArchiveError(.missingEntry, "\(container.origin) has no blob \(path), which \(parent) references")
            }
            range = try container.member(path)
            state.blobs[descriptor.digest] = range
        }
        guard range.length == descriptor.size else {
            throw ArchiveError(.invalidImage, "\(range.origin) is \(range.length) bytes, but \(parent) says \(descriptor.size)")
        }
        return range
    }

    private func spend(visits: Int = 0, references: Int = 0, state: State, at origin: String) throws {
        state.visits += visits
        state.references += references
        guard state.visits <= Self.maximumDocuments else {
            throw ArchiveError(.invalidImage,
                               "\(container.origin): the layout's indexes lead to more than \(Self.maximumDocuments) manifest and index visits "
                                   + "(reached at \(origin)); Ferry stops there",
                               hint: "the layout is hostile or was made wrongly: real layouts have far fewer")
        }
        guard state.references <= Self.maximumReferences else {
            throw ArchiveError(.invalidImage,
                               "\(container.origin): the layout's manifests and indexes hold more than \(Self.maximumReferences) references "
                                   + "(reached at \(origin)); Ferry stops there",
                               hint: "the layout is hostile or was made wrongly: real layouts have far fewer")
        }
    }

    /// What the walk of one image collects.
    private struct Walk {
        let key: String
        var children: [ManifestDocument] = []
        var childDigests: Set<Digest> = []
        var blobs: [ArchivedBlob] = []
        var blobDigests: Set<Digest> = []
        var platforms: [Platform] = []
        var layerCount = 0
        /// Each document is walked once per image: the DAG may list a child any number of times.
        var walked: Set<Digest> = []

        /// Each manifest's platform, once per walk; a repeated listing adds only a platform not yet known.
        mutating func addPlatform(_ platform: Platform?, repeated: Bool = false) {
            guard let platform, platform.os != "unknown" else { return }
            if repeated && platforms.contains(platform) { return }
            platforms.append(platform)
        }
    }

    private func readImage(_ descriptor: Descriptor, key: String, names: [String], references: [Reference],
                           state: State) throws -> ArchivedImage {
        let root = try node(descriptor, referencedBy: key, state: state)
        var walk = Walk(key: key, walked: [root.document.digest])
        try self.walk(root, platform: descriptor.platform, depth: 0, state: state, into: &walk)
        return ArchivedImage(sourceNames: names, references: references, root: root.document, children: walk.children, blobs: walk.blobs,
                             platforms: walk.platforms, layerCount: walk.layerCount,
                             origin: "\(container.origin)!index.json[\(descriptor.digest.short)]")
    }

    /// Walks the DAG depth first, so children always come before the index that lists them.
    private func walk(_ node: Node, platform: Platform?, depth: Int, state: State, into walk: inout Walk) throws {
        guard depth < Self.maximumDepth else {
            throw ArchiveError(.invalidImage,
                               "\(node.origin): indexes nest more than \(Self.maximumDepth) deep below \(walk.key)",
                               hint: "the layout is hostile or was made wrongly")
        }
        try spend(visits: 1, state: state, at: node.origin)
        if node.document.isIndex {
            try walkIndex(node, depth: depth, state: state, into: &walk)
        } else {
            try walkManifest(node, platform: platform, state: state, into: &walk)
        }
    }

    private func walkIndex(_ node: Node, depth: Int, state: State, into walk: inout Walk) throws {
        let entries = try Self.index(node.document.bytes, origin: node.origin)
        try spend(references: entries.count, state: state, at: node.origin)
        for (i, child) in entries.enumerated() {
            let parent = "\(node.origin): manifests[\(i)]"
            guard MediaType.isIndex(child.mediaType) || MediaType.isManifest(child.mediaType) else {
                // Unknown artifacts are carried along as blobs.
                try addBlob(child, parent: parent, state: state, into: &walk)
                continue
            }
            let childNode = try self.node(child, referencedBy: parent, state: state)
            guard walk.walked.insert(child.digest).inserted else {
                // Already walked: only a platform this listing adds is new.
                if !childNode.document.isIndex { walk.addPlatform(child.platform, repeated: true) }
                continue
            }
            try self.walk(childNode, platform: child.platform, depth: depth + 1, state: state, into: &walk)
            if walk.childDigests.insert(childNode.document.digest).inserted {
                walk.children.append(childNode.document)
            }
        }
    }

    private func walkManifest(_ node: Node, platform: Platform?, state: State, into walk: inout Walk) throws {
        let manifest = try Self.manifest(node.document.bytes, origin: node.origin)
        try spend(references: 1 + manifest.layers.count, state: state, at: node.origin)
        try addBlob(manifest.config, parent: "\(node.origin): config", state: state, into: &walk)
        for (i, layer) in manifest.layers.enumerated() {
            try addBlob(layer, parent: "\(node.origin): layers[\(i)]", state: state, into: &walk)
        }
        walk.layerCount = max(walk.layerCount, manifest.layers.count)
        if let platform, platform.os != "unknown" {
            walk.addPlatform(platform)
        } else if platform == nil, MediaType.isManifest(manifest.config.mediaType) == false,
                  let bytes = try? blob(manifest.config, referencedBy: "\(node.origin): config", state: state).readAll(),
                  let config = try? GoJSON.decode(ImageConfiguration.self, from: bytes),
                  let p = config.platform {
            walk.addPlatform(p)
        }
    }

    private func addBlob(_ d: Descriptor, parent: String, state: State, into walk: inout Walk) throws {
        let range = try blob(d, referencedBy: parent, state: state)
        guard walk.blobDigests.insert(d.digest).inserted else { return }
        walk.blobs.append(ArchivedBlob(digest: d.digest, size: d.size, source: .stored(range)))
    }
}
