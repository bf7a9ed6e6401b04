import FerryArchive
import FerryCore
import FerryOCI
import FerryRegistry
import Foundation

/// `ferry copy`: one image or index from a registry or an archive to a registry or an archive,
/// its manifest and index bytes unchanged (so its digest too). Registry to registry, blobs
/// stream through and nothing is stored; to a registry, only missing blobs are sent; from a
/// registry to an archive, blobs are fetched to disk once, checked, and the archive written whole.
package struct ImageCopier: Sendable {
    /// Which platforms of an index are copied: the host's (skopeo's default), all, or those named.
    package enum Platforms: Sendable, Equatable {
        case host
        case all
        case only([Platform])
    }

    package struct Options: Sendable {
        package var platforms = Platforms.host
        package var withSignatures = false
        package var force = false
        package var concurrency = 4
        package var retry = RetryPolicy()
        package var chunkSize = UploadOptions.defaultChunkSize
        package var access = RegistryAccess(security: TransportSecurity(), credentials: CredentialResolver(environment: [:]))
        package var cacheDirectory: String?
        /// The platform `.host` means (this machine's).
        package var hostPlatform = Platform(os: "linux", architecture: "amd64")

        package init() {}
    }

    /// What was copied.
    package struct Result: Sendable, Codable {
        package var source: String
        package var destination: String
        package var digest: String
        package var mediaType: String
        package var platforms: [String]
        /// Signatures, attestations and referrers copied with it (tag, or @digest).
        package var artifacts: [String]
        package var blobs: Int
        package var bytes: Int64
        /// For a registry destination: what was sent and what was there already.
        package var push: ImagePusher.Report?
    }

    let options: Options
    let events: SyncEventSink

    package init(options: Options, events: @escaping SyncEventSink = { _ in }) {
        self.options = options
        self.events = events
    }

    package func copy(_ source: CopyLocation, to destination: CopyLocation) async throws -> Result {
        try await options.access.withTransport(connectionsPerHost: options.concurrency) { transport in
            let pool = RegistryPool(transport: transport, credentials: options.access.credentials, retry: options.retry)
            let staging = stagingDirectory(for: destination)
            let (name, reference, image) = try await read(source, destination: destination, pool: pool, staging: staging)
            var result = Result(source: source.description, destination: destination.description, digest: image.root.digest.string,
                                mediaType: image.root.mediaType, platforms: image.platforms.map(\.description),
                                artifacts: image.artifacts.map { $0.tag ?? "@\($0.image.root.digest)" },
                                blobs: image.blobsWithArtifacts.count, bytes: image.blobsWithArtifacts.reduce(0) { $0 + $1.size })
            result.push = try await write(image, name: name, reference: reference, from: source, to: destination, pool: pool)
            if let staging { try? FileManager.default.removeItem(atPath: staging) }
            return result
        }
    }

    /// Where blobs fetched for an archive wait until it is written (an OCI directory is its own store).
    func stagingDirectory(for destination: CopyLocation) -> String? {
        switch destination {
        case .registry, .ociDirectory: return nil
        case .ociArchive(let path, _), .dockerArchive(let path, _):
            let url = URL(fileURLWithPath: path)
            return url.deletingLastPathComponent().appendingPathComponent(".ferry-staging-\(url.lastPathComponent)").path
        }
    }

    var platformList: [Platform] {
        switch options.platforms {
        case .host: return [options.hostPlatform]
        case .all: return []
        case .only(let platforms): return platforms
        }
    }

    // MARK: - Source

    func read(_ source: CopyLocation, destination: CopyLocation, pool: RegistryPool, staging: String?) async throws
        -> (name: String, reference: Reference?, image: ArchivedImage) {
        switch source {
        case .registry(let reference):
            var store: BlobStore?
            if case .ociDirectory(let path, _) = destination { store = try BlobStore(root: path + "/blobs") }
            if let staging { store = try BlobStore(root: staging + "/blobs") }
            var puller = ImagePuller(pool: pool, store: store, platforms: platformList, withArtifacts: options.withSignatures,
                                     concurrency: options.concurrency)
            puller.strictPlatforms = options.platforms != .host
            puller.events = events
            let request = ImagePuller.Request(name: reference.description, reference: reference)
            let pulled = try await (store == nil ? puller.remote([request]) : puller.pull([request]))
            return (reference.description, reference, pulled[0].image)
        case .ociDirectory(let path, let name), .ociArchive(let path, let name), .dockerArchive(let path, let name):
            let cache = options.cacheDirectory
            let opened = try await Blocking.run { try ImageSource.open(path, compressor: LayerCompressor(cacheDirectory: cache)) }
            let images = opened.sources.flatMap(\.archive.images)
            var image = try Self.pick(images, name: name, path: path)
            if !(options.platforms == .host && !image.root.isIndex) { image = try image.selecting(platformList).image }
            if !options.withSignatures { image.artifacts = [] }
            return (image.sourceNames.first ?? name ?? image.root.digest.string, image.references.first, image)
        }
    }

    /// The image `name` names in an archive, or its only image.
    static func pick(_ images: [ArchivedImage], name: String?, path: String) throws -> ArchivedImage {
        guard let name else {
            guard images.count == 1 else {
                throw SyncError(.invalidConfig, "\(path) holds \(images.count) images; name one (\(path):NAME)",
                                hint: "it holds: " + images.map(\.displayName).joined(separator: ", "))
            }
            return images[0]
        }
        let parsed = try? Reference(parsing: name)
        let found = images.first { image in
            image.sourceNames.contains(name) || parsed.map(image.references.contains) == true || image.references.contains { $0.tag == name }
        }
        guard let found else {
            throw SyncError(.invalidConfig, "\(path) has no image named \(name)", hint: "it holds: " + images.map(\.displayName).joined(separator: ", "))
        }
        return found
    }

    // MARK: - Destination

    func write(_ image: ArchivedImage, name: String, reference: Reference?, from source: CopyLocation, to destination: CopyLocation,
               pool: RegistryPool) async throws -> ImagePusher.Report? {
        switch destination {
        case .registry(let target):
            return try await push(image, from: source, to: target, pool: pool)
        case .ociDirectory(let path, let refName):
            let images = [try bundleImage(image, name: name, reference: reference, refName: refName)]
            try await Blocking.run { try OCILayoutDirectory.write(images, to: path) }
        case .ociArchive(let path, let refName):
            try await writeArchive([try bundleImage(image, name: name, reference: reference, refName: refName)], to: path)
        case .dockerArchive(let path, let tag):
            let named = try tag.map { try Reference(parsing: $0) } ?? reference
            try await writeArchive([try bundleImage(image, name: tag ?? name, reference: named, refName: nil)], to: path)
        }
        return nil
    }

    func bundleImage(_ image: ArchivedImage, name: String, reference: Reference?, refName: String?) throws -> BundleImage {
        let named = (refName.flatMap { $0.contains("/") ? try? Reference(parsing: $0) : nil }) ?? reference
        guard let named else {
            throw SyncError(.invalidConfig, "the image has no name to write it under: give one (oci-archive:FILE:NAME, docker-archive:FILE:NAME)")
        }
        return BundleImage(name: name, reference: named, image: image, refName: refName)
    }

    /// The archive written and flushed on the thread pool (it may be gigabytes).
    func writeArchive(_ images: [BundleImage], to path: String) async throws {
        try await Blocking.run {
            let sink = try AtomicFileSink(path: path)
            try BundleImagesTar.write(try BundleImagesTar.members(images), into: TarWriter(writingTo: sink))
            try sink.commit()
        }
    }

    func push(_ image: ArchivedImage, from source: CopyLocation, to target: Reference, pool: RegistryPool) async throws -> ImagePusher.Report {
        var destination = target
        if destination.tag == nil && destination.digest == nil { destination = try Reference(registry: target.registry, repository: target.repository, tag: "latest") }
        if let digest = destination.digest, digest != image.root.digest {
            throw SyncError(.invalidConfig, "\(destination) names \(digest), but the image copied is \(image.root.digest)")
        }
        let plan = try PushPlan(registry: destination.registry,
                                entries: [PushPlan.Entry(image: image, source: source.description, targets: [destination])])
        let client = try await pool.client(for: destination.registry)
        let probe = try await PushProbe.run(plan, client: client, access: .push, concurrency: options.concurrency,
                                            locations: BlobLocations(cacheDirectory: options.cacheDirectory, registry: destination.registry))
        let pusher = ImagePusher(client: client, compressor: LayerCompressor(cacheDirectory: options.cacheDirectory),
                                 concurrency: options.concurrency, chunkSize: options.chunkSize, locations: probe.locations, events: events)
        let report = await pusher.push(plan, probe: probe, tagMoves: options.force ? .allow : .refuse(hint: "copy --force moves it"))
        guard report.succeeded else {
            throw SyncError(.failed, report.failures.joined(separator: "; "))
        }
        return report
    }
}
