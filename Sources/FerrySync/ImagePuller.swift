import FerryArchive
import FerryCore
import FerryOCI
import FerryRegistry
import Foundation
import NIOCore
import Synchronization

/// Pulls images from their registries into a `BlobStore`, as the registries store them: the
/// manifest and index bytes unchanged (so every digest survives), every platform unless
/// `platforms` narrows it, and, with `withArtifacts`, each image's signatures, attestations and
/// referrers. Manifests are read first (small, a few at a time); then every blob is downloaded
/// once, streamed to disk and checked, through one bounded pool.
package struct ImagePuller: Sendable {
    /// One image to pull, by the name a chart's values give it.
    package struct Request: Sendable, Hashable {
        /// The reference as written (a rendered hint): kept as the bundle's `RepoTags` entry.
        package var name: String
        package var reference: Reference

        package init(name: String, reference: Reference) {
            self.name = name
            self.reference = reference
        }
    }

    /// A pulled image, its blobs in the store.
    package struct Pulled: Sendable {
        package var name: String
        package var image: ArchivedImage
        package var choice: ArchivedImage.PlatformChoice
    }

    /// Manifests of one image or artifact as the registry serves them, and the blobs they need.
    struct Remote: Sendable {
        var registry: String
        var repository: String
        var root: ManifestDocument
        var children: [ManifestDocument]
        var platforms: [Platform]
        var blobs: [Descriptor]
        var artifacts: [(subject: Digest, tag: String?, remote: Remote)] = []
        var choice: ArchivedImage.PlatformChoice = .unchanged
    }

    let pool: RegistryPool
    /// Where `pull` puts blobs; nil for a puller that only resolves (`remote`).
    let store: BlobStore?
    let platforms: [Platform]
    let withArtifacts: Bool
    let concurrency: Int
    let log: @Sendable (String) -> Void
    /// False: `platforms` narrows indexes only, and a single-platform image is taken whatever its
    /// platform (skopeo's default of the host's platform).
    package var strictPlatforms = true
    /// Progress: the bytes to fetch (`probed`), bytes as they arrive, each image once all its blobs are in.
    package var events: SyncEventSink = { _ in }

    package init(pool: RegistryPool, store: BlobStore?, platforms: [Platform], withArtifacts: Bool, concurrency: Int,
                 log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.pool = pool
        self.store = store
        self.platforms = platforms
        self.withArtifacts = withArtifacts
        self.concurrency = concurrency
        self.log = log
    }

    /// Every image fetched into the store.
    package func pull(_ requests: [Request]) async throws -> [Pulled] {
        guard let store else { preconditionFailure("pull needs a blob store") }
        let remotes = try await resolveAll(requests)
        try await download(remotes, names: requests.map(\.name), into: store)
        return try zip(requests, remotes).map { request, remote in
            Pulled(name: request.name, image: try assemble(remote, names: [request.name], references: [request.reference], store: store),
                   choice: remote.choice)
        }
    }

    /// Every image with its manifests read and its blobs left in the registry: each blob is
    /// streamed from there when it is pushed (registry to registry, nothing on disk).
    package func remote(_ requests: [Request]) async throws -> [Pulled] {
        let remotes = try await resolveAll(requests)
        return try zip(requests, remotes).map { request, remote in
            Pulled(name: request.name, image: try assemble(remote, names: [request.name], references: [request.reference], store: nil),
                   choice: remote.choice)
        }
    }

    func resolveAll(_ requests: [Request]) async throws -> [Remote] {
        let resolved = Mutex<[Int: Remote]>([:])
        try await forEachConcurrently(Array(requests.enumerated()), limit: concurrency) { item in
            let remote = try await resolve(item.element)
            resolved.withLock { $0[item.offset] = remote }
        }
        return resolved.withLock { all in requests.indices.map { all[$0]! } }
    }

    // MARK: - Manifests

    func resolve(_ request: Request) async throws -> Remote {
        let reference = request.reference
        let client = try await pool.client(for: reference.registry)
        let root = try await client.fetchManifest(reference.digest?.string ?? reference.tag ?? "latest", from: reference.repository)
        var remote = try await fetchTree(root, registry: reference.registry, repository: reference.repository, client: client)
        let draft = ArchivedImage(sourceNames: [request.name], references: [reference], root: remote.root, children: remote.children,
                                  blobs: [], platforms: remote.platforms, layerCount: 0, origin: request.name)
        let (narrowed, choice) = !strictPlatforms && !remote.root.isIndex ? (draft, .unchanged) : try draft.selecting(platforms)
        remote.root = narrowed.root
        remote.children = narrowed.children
        remote.platforms = narrowed.platforms
        remote.choice = choice
        remote.blobs = try Self.blobs(of: [remote.root] + remote.children)
        if withArtifacts {
            remote.artifacts = try await artifacts(about: narrowed.subjects.sorted { $0.hex < $1.hex }, in: reference, client: client)
        }
        log("resolved \(request.name): \(remote.root.digest)\(remote.platforms.isEmpty ? "" : " (\(remote.platforms.map(\.description).joined(separator: ", ")))")")
        return remote
    }

    static let maximumChildren = 256

    /// A manifest or an index with its children (one level: an index of indexes is refused).
    func fetchTree(_ root: ManifestDocument, registry: String, repository: String, client: RegistryClient) async throws -> Remote {
        var children: [ManifestDocument] = []
        var platforms: [Platform] = []
        if root.isIndex {
            let listed = try root.index().manifests
            // A hostile registry could list any number: more than any real image has is refused.
            guard listed.count <= Self.maximumChildren else {
                throw SyncError(.unsupported, "\(registry)/\(repository)@\(root.digest) lists \(listed.count) manifests; Ferry reads at most \(Self.maximumChildren)")
            }
            for descriptor in listed {
                guard !MediaType.isIndex(descriptor.mediaType) else {
                    throw SyncError(.unsupported, "\(registry)/\(repository)@\(root.digest) lists another index (\(descriptor.digest)); nested indexes are not supported")
                }
                children.append(try await client.fetchManifest(descriptor.digest.string, from: repository))
                if let platform = descriptor.platform { platforms.append(platform) }
            }
        } else {
            // The config tells the platform of a single manifest (and is small): read it now.
            let config = try root.manifest().config
            if config.size <= ManifestDocument.maximumSize {
                let bytes = try await client.fetchBlob(config.digest, from: repository, limit: ManifestDocument.maximumSize)
                try store?.write(bytes, as: config.digest)
                if let parsed = try? GoJSON.decode(ImageConfiguration.self, from: bytes), let platform = parsed.platform,
                   !platform.os.isEmpty { platforms = [platform] }
            }
        }
        return Remote(registry: registry, repository: repository, root: root, children: children, platforms: platforms,
                      blobs: try Self.blobs(of: [root] + children))
    }

    /// Cosign's tags (`.sig`, `.att`, `.sbom`), the referrers fallback tag, and the referrers API,
    /// for each subject; every artifact once.
    func artifacts(about subjects: [Digest], in reference: Reference, client: RegistryClient) async throws
        -> [(subject: Digest, tag: String?, remote: Remote)] {
        var found: [(subject: Digest, tag: String?, remote: Remote)] = []
        var seen = Set<Digest>()
        for subject in subjects {
            for tag in ImageArtifact.tags(for: subject) {
                guard let document = try await client.currentManifest(tag, in: reference.repository, access: .pull) else { continue }
                let remote = try await fetchTree(document, registry: reference.registry, repository: reference.repository, client: client)
                seen.formUnion([document.digest] + remote.children.map(\.digest))
                found.append((subject, tag, remote))
            }
            for descriptor in try await client.referrers(of: subject, in: reference.repository) ?? [] where !seen.contains(descriptor.digest) {
                let document = try await client.fetchManifest(descriptor.digest.string, from: reference.repository)
                seen.insert(document.digest)
                found.append((subject, nil, try await fetchTree(document, registry: reference.registry, repository: reference.repository, client: client)))
            }
        }
        return found
    }

    /// The configs and layers of `documents`, each once; foreign layers (kept elsewhere by
    /// design, Windows base layers) are not fetched.
    static func blobs(of documents: [ManifestDocument]) throws -> [Descriptor] {
        var seen = Set<Digest>()
        var result: [Descriptor] = []
        for document in documents where !document.isIndex {
            let manifest = try document.manifest()
            for descriptor in [manifest.config] + manifest.layers
            where !(descriptor.urls?.isEmpty == false) && seen.insert(descriptor.digest).inserted {
                result.append(descriptor)
            }
        }
        return result
    }

    // MARK: - Blobs

    /// One blob to fetch, from where.
    struct Job: Sendable {
        var descriptor: Descriptor
        var registry: String
        var repository: String
    }

    /// What `download` fetches: each missing blob once, and for each image how many of its blobs
    /// are still missing (`waiting`: which images wait for a blob).
    struct Downloads {
        var jobs: [Job] = []
        var waiting: [Digest: [Int]] = [:]
        var left: [Int]
    }

    /// Every blob of every image and artifact, once, through one pool; each image is reported
    /// when the last blob it needs is in.
    func download(_ remotes: [Remote], names: [String], into store: BlobStore) async throws {
        try await verifyKept(remotes, in: store)
        var plan = Self.downloads(remotes, store: store)
        let total = plan.jobs.reduce(Int64(0)) { $0 + $1.descriptor.size }
        events(.probed(PushProbe.Summary(images: remotes.count, imagesPresent: 0, blobs: plan.jobs.count, blobsPresent: 0,
                                         blobsToSend: plan.jobs.count, bytesToSend: total, bytesPresent: 0, blobsToMount: 0, tagMoves: 0)))
        let events = self.events
        let digests = remotes.map(\.root.digest)
        let finished: @Sendable (Int) -> Void = { index in
            events(.imageFinished(reference: names[index], digest: digests[index], outcome: .pulled))
        }
        for index in remotes.indices where plan.left[index] == 0 { finished(index) }
        let remaining = Mutex((waiting: plan.waiting, left: plan.left))
        // Largest first, so one big layer does not start last and hold up the end.
        plan.jobs.sort { $0.descriptor.size > $1.descriptor.size }
        let (pool, log) = (self.pool, self.log)
        try await forEachConcurrently(plan.jobs, limit: concurrency) { job in
            let client = try await pool.client(for: job.registry)
            let digest = job.descriptor.digest
            try await client.downloadBlob(digest, size: job.descriptor.size, from: job.repository, to: store.path(digest), durable: false,
                                          onBytes: { events(.bytesSent($0)) }) { attempt, error, pause in
                log("retrying blob \(digest.short) (attempt \(attempt + 1) in \(pause)): \(error.message)")
            }
            let done: [Int] = remaining.withLock { state in
                let images = state.waiting.removeValue(forKey: digest) ?? []
                return images.filter { state.left[$0] -= 1; return state.left[$0] == 0 }
            }
            done.forEach(finished)
        }
    }

    /// What an earlier run left is checked first; what fails the check is removed, to be fetched again.
    func verifyKept(_ remotes: [Remote], in store: BlobStore) async throws {
        var kept = Set<Digest>()
        var pending = remotes
        while let remote = pending.popLast() {
            for blob in remote.blobs where store.has(blob.digest, size: blob.size) { kept.insert(blob.digest) }
            pending += remote.artifacts.map(\.remote)
        }
        try await forEachConcurrently(Array(kept), limit: concurrency) { digest in
            _ = try await Blocking.run { try store.verify(digest) }
        }
    }

    static func downloads(_ remotes: [Remote], store: BlobStore) -> Downloads {
        var plan = Downloads(left: [Int](repeating: 0, count: remotes.count))
        var seen = Set<Digest>()
        for (index, image) in remotes.enumerated() {
            var pending = [image]
            while let remote = pending.popLast() {
                for blob in remote.blobs where !store.has(blob.digest, size: blob.size) {
                    if seen.insert(blob.digest).inserted {
                        plan.jobs.append(Job(descriptor: blob, registry: remote.registry, repository: remote.repository))
                    }
                    if !(plan.waiting[blob.digest]?.contains(index) ?? false) {
                        plan.waiting[blob.digest, default: []].append(index)
                        plan.left[index] += 1
                    }
                }
                pending += remote.artifacts.map(\.remote)
            }
        }
        return plan
    }

    func assemble(_ remote: Remote, names: [String], references: [Reference], store: BlobStore?) throws -> ArchivedImage {
        let origin = "\(remote.registry)/\(remote.repository)@\(remote.root.digest)"
        let blobs = try remote.blobs.map { descriptor in
            try store?.blob(descriptor.digest, size: descriptor.size)
                ?? Self.remoteBlob(descriptor, registry: remote.registry, repository: remote.repository, pool: pool)
        }
        var image = ArchivedImage(sourceNames: names, references: references, root: remote.root, children: remote.children,
                                  blobs: blobs, platforms: remote.platforms,
                                  layerCount: try ([remote.root] + remote.children).filter { !$0.isIndex }.reduce(0) { $0 + (try $1.manifest().layers.count) },
                                  origin: origin)
        image.artifacts = try remote.artifacts.map { artifact in
            ImageArtifact(subject: artifact.subject, tag: artifact.tag, image: try assemble(artifact.remote, names: [], references: [], store: store))
        }
        return image
    }

    /// A blob read from its registry when it is sent.
    static func remoteBlob(_ descriptor: Descriptor, registry: String, repository: String, pool: RegistryPool) -> ArchivedBlob {
        let (digest, size) = (descriptor.digest, descriptor.size)
        let remote = RemoteBlob(origin: "\(registry)/\(repository)@\(digest)", mediaType: descriptor.mediaType) { offset, count in
            final class Lazy: @unchecked Sendable { var iterator: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator? }
            let lazy = Lazy()
            // `unfolding` asks for one element at a time: the iterator is never used concurrently.
            return AsyncThrowingStream(unfolding: {
                if lazy.iterator == nil {
                    let client = try await pool.client(for: registry)
                    lazy.iterator = client.blobStream(digest, size: size, from: repository, offset: offset, count: count).makeAsyncIterator()
                }
                return try await lazy.iterator?.next()
            })
        }
        return ArchivedBlob(digest: digest, size: size, source: .remote(remote))
    }
}
