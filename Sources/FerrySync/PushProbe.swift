import FerryArchive
import FerryCore
import FerryOCI
import FerryRegistry
import Synchronization

/// What the target registry already holds, found by reading only (GET and HEAD; a dry run HEAD only), and only what the plan
/// needs: a target whose tag already names the image needs none for its blobs (the registry holds
/// every blob of a manifest it serves), and a small blob is asked about only in a repository an
/// earlier run is known to have pushed into (elsewhere uploading it costs about what asking does).
package struct PushProbe: Sendable {
    package struct Summary: Sendable, Codable {
        package var images: Int
        package var imagesPresent: Int
        package var blobs: Int
        package var blobsPresent: Int
        package var blobsToSend: Int
        package var bytesToSend: Int64
        package var bytesPresent: Int64
        /// Blobs that are in some target repository already and only need linking into another.
        package var blobsToMount: Int
        /// Target tags that point at another digest now: pushing would move them.
        package var tagMoves: Int
    }

    /// `digest → repositories that have it`.
    package var blobsPresent: [Digest: Set<String>]
    /// `target reference → digest it points at now`.
    package var manifests: [String: Digest]
    /// Targets whose tag the registry served with exactly the bytes of the image's root manifest.
    package var served: Set<String> = []
    /// The blob locations the probe consulted, for the push to use and add to.
    package var locations: BlobLocations?
    package var summary: Summary

    /// Blobs below this are asked about only in repositories `locations` knows.
    package static let smallBlob: Int64 = 1 << 20

    /// Asks the registry about every target tag, then about the blobs the incomplete targets need,
    /// `concurrency` at a time. Without `locations` every such blob is asked about.
    package static func run(_ plan: PushPlan, client: RegistryClient, access: RegistryClient.Access,
                           concurrency: Int, locations: BlobLocations? = nil) async throws -> PushProbe {
        let (current, served) = try await currentManifests(plan, client: client, access: access, concurrency: concurrency)
        var complete: [Digest: Set<String>] = [:]
        var needed: [Digest: Set<String>] = [:]
        for planned in plan.images {
            for target in planned.targets {
                let done = current[target.description] == planned.image.root.digest
                for blob in planned.image.blobs {
                    if done { complete[blob.digest, default: []].insert(target.repository) } else { needed[blob.digest, default: []].insert(target.repository) }
                }
            }
        }
        var present = try await blobsPresent(plan, needed: needed, client: client, access: access, concurrency: concurrency) { blob, repository in
            guard let locations, blob.size < smallBlob else { return true }
            return locations.knows(repository: repository)
        }
        for (digest, repositories) in complete { present[digest, default: []].formUnion(repositories) }
        return PushProbe(blobsPresent: present, manifests: current, served: served, locations: locations,
                         summary: summarize(plan, present: present, current: current))
    }

    /// `blob → repositories that have it`, for the blobs `needed` in the repositories `shouldAsk` allows.
    static func blobsPresent(_ plan: PushPlan, needed: [Digest: Set<String>], client: RegistryClient, access: RegistryClient.Access,
                             concurrency: Int, shouldAsk: (ArchivedBlob, String) -> Bool) async throws -> [Digest: Set<String>] {
        let checks = plan.blobs.flatMap { blob in
            blob.repositories.filter { needed[blob.blob.digest]?.contains($0) ?? false }.filter { shouldAsk(blob.blob, $0) }
                .map { (digest: blob.blob.digest, repository: $0) }
        }
        let found = Mutex<[Digest: Set<String>]>([:])
        try await forEachConcurrently(checks, limit: concurrency) { check in
            let exists: Bool
            do {
                exists = try await client.blobExists(check.digest, in: check.repository, access: access)
            } catch let error as RegistryError where error.code == .server {
                // A registry that cannot read its own copy (distribution after its disk filled up
                // answers 500 for it) is sent the blob again, which repairs it; the upload reports
                // any real failure.
                exists = false
            }
            if exists {
                found.withLock { _ = $0[check.digest, default: []].insert(check.repository) }
            }
        }
        return found.withLock { $0 }
    }

    /// `target reference → digest it names now`, for every target that exists.
    static func currentManifests(_ plan: PushPlan, client: RegistryClient, access: RegistryClient.Access,
                                 concurrency: Int) async throws -> (current: [String: Digest], served: Set<String>) {
        let manifests = Mutex<[String: Digest]>([:])
        let served = Mutex<Set<String>>([])
        try await forEachConcurrently(plan.images.flatMap { image in image.targets.map { (image.image, $0) } }, limit: concurrency) { image, reference in
            let name = reference.tag ?? reference.digest?.string ?? "latest"
            // A dry run asks with HEAD only; a push fetches, so an image already there is also
            // known to be served whole, and needs no second request to check it.
            if access == .pull {
                if let digest = try await client.manifestDigest(name, in: reference.repository, access: access) {
                    manifests.withLock { $0[reference.description] = digest }
                }
            } else if let document = try await client.currentManifest(name, in: reference.repository, access: access) {
                manifests.withLock { $0[reference.description] = document.digest }
                if document.bytes == image.root.bytes { served.withLock { _ = $0.insert(reference.description) } }
            }
        }
        return (manifests.withLock { $0 }, served.withLock { $0 })
    }

    /// The counts a plan shows: images already in place, tags that would move, blobs to send or mount.
    static func summarize(_ plan: PushPlan, present: [Digest: Set<String>], current: [String: Digest]) -> Summary {
        var summary = Summary(images: plan.images.reduce(0) { $0 + $1.targets.count }, imagesPresent: 0, blobs: plan.blobs.count,
                              blobsPresent: 0, blobsToSend: 0, bytesToSend: 0, bytesPresent: 0, blobsToMount: 0, tagMoves: 0)
        for image in plan.images {
            for target in image.targets {
                if current[target.description] == image.image.root.digest { summary.imagesPresent += 1 }
                if target.tag != nil, let now = current[target.description], now != image.image.root.digest { summary.tagMoves += 1 }
            }
        }
        for blob in plan.blobs {
            let have = present[blob.blob.digest] ?? []
            if have.isEmpty {
                summary.blobsToSend += 1
                summary.bytesToSend += blob.blob.size
                summary.blobsToMount += blob.repositories.count - 1
            } else if have.count == blob.repositories.count {
                summary.blobsPresent += 1
                summary.bytesPresent += blob.blob.size
            } else {
                summary.blobsToMount += blob.repositories.count - have.count
            }
        }
        return summary
    }

    /// The digest `target`'s tag points at now when that is not `image`: pushing would move the tag.
    package func tagMove(_ target: Reference, to image: ArchivedImage) -> Digest? {
        guard target.tag != nil, let now = manifests[target.description], now != image.root.digest else { return nil }
        return now
    }

    /// The blobs of a planned image that at least one of its target repositories lacks.
    package func blobsToSend(for planned: PlannedImage) -> [ArchivedBlob] {
        planned.image.blobs.filter { blob in
            planned.targets.contains { !(blobsPresent[blob.digest]?.contains($0.repository) ?? false) }
        }
    }

    /// The bytes a target repository lacks of the image that `target` names.
    package func bytesToSend(to target: Reference, in plan: PushPlan) -> Int64 {
        guard let image = plan.images.first(where: { $0.targets.contains(target) }) else { return 0 }
        return image.image.blobs.filter { !(blobsPresent[$0.digest]?.contains(target.repository) ?? false) }.reduce(0) { $0 + $1.size }
    }
}
