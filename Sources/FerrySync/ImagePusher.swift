import FerryArchive
import FerryOCI
import FerryRegistry
import NIOCore
import Synchronization

/// Applies a push plan: every missing blob of every image through one bounded pool, each blob sent
/// once and mounted into the other repositories that need it, then the manifests of the images
/// whose blobs are all in place. A rerun skips whatever the registry already has.
public struct ImagePusher: Sendable {
    public var client: RegistryClient
    public var compressor: LayerCompressor
    public var concurrency: Int
    public var events: PushEventSink

    public init(client: RegistryClient, compressor: LayerCompressor, concurrency: Int, events: @escaping PushEventSink) {
        self.client = client
        self.compressor = compressor
        self.concurrency = max(1, concurrency)
        self.events = events
    }

    public struct Report: Sendable, Codable {
        public struct Image: Sendable, Codable {
            public var reference: String
            public var source: String
            public var digest: String
            public var status: String
            public var error: String?
        }

        public var images: [Image] = []
        public var blobsUploaded = 0
        public var blobsMounted = 0
        public var blobsPresent = 0
        public var bytesUploaded: Int64 = 0
        public var failures: [String] = []

        public var succeeded: Bool { failures.isEmpty }
    }

    public func push(_ plan: PushPlan, probe: PushProbe) async -> Report {
        let report = Mutex(Report())
        let failedBlobs = Mutex<[Digest: String]>([:])

        await forEachConcurrently(plan.blobs, limit: concurrency) { planned in
            do {
                let outcome = try await self.place(planned, present: probe.blobsPresent[planned.blob.digest] ?? [])
                report.withLock {
                    $0.blobsUploaded += outcome.uploaded
                    $0.blobsMounted += outcome.mounted
                    $0.blobsPresent += outcome.present
                    $0.bytesUploaded += Int64(outcome.uploaded) * planned.blob.size
                }
            } catch {
                let message = String(describing: error)
                failedBlobs.withLock { $0[planned.blob.digest] = message }
                report.withLock { $0.failures.append(message) }
            }
        }

        let broken = failedBlobs.withLock { $0 }
        await forEachConcurrently(plan.images, limit: concurrency) { planned in
            let image = planned.image
            // Never publish a manifest whose blobs are not all in place.
            let missing = image.blobs.first { broken[$0.digest] != nil }
            for target in planned.targets {
                let entry: Report.Image
                if let missing {
                    let message = "not pushed: blob \(missing.digest.short) (\(missing.origin)) failed"
                    self.events(.imageFailed(reference: target.description, message: message))
                    entry = .init(reference: target.description, source: planned.source, digest: image.root.digest.string,
                                  status: "failed", error: message)
                } else if probe.manifests[target.description] == image.root.digest {
                    self.events(.imageFinished(reference: target.description, digest: image.root.digest, outcome: .unchanged))
                    entry = .init(reference: target.description, source: planned.source, digest: image.root.digest.string,
                                  status: "unchanged")
                } else {
                    do {
                        for child in image.children {
                            try await self.client.putManifest(child, as: child.digest.string, in: target.repository)
                        }
                        try await self.client.putManifest(image.root, as: target.tag ?? image.root.digest.string,
                                                          in: target.repository)
                        self.events(.imageFinished(reference: target.description, digest: image.root.digest, outcome: .pushed))
                        entry = .init(reference: target.description, source: planned.source, digest: image.root.digest.string,
                                      status: "pushed")
                    } catch {
                        let message = String(describing: error)
                        self.events(.imageFailed(reference: target.description, message: message))
                        entry = .init(reference: target.description, source: planned.source, digest: image.root.digest.string,
                                      status: "failed", error: message)
                    }
                }
                report.withLock {
                    $0.images.append(entry)
                    if let error = entry.error, missing == nil { $0.failures.append(error) }
                }
            }
        }
        return report.withLock { report in
            report.images.sort { $0.reference < $1.reference }
            return report
        }
    }

    /// Puts one blob into every repository that needs it: upload once, mount into the rest.
    private func place(_ planned: PlannedBlob, present: Set<String>) async throws -> (uploaded: Int, mounted: Int, present: Int) {
        let blob = planned.blob
        var holder = planned.repositories.first { present.contains($0) }
        var counts = (uploaded: 0, mounted: 0, present: 0)
        if planned.repositories.allSatisfy(present.contains) { counts.present = 1 }
        for repository in planned.repositories {
            if present.contains(repository) {
                events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .present))
                continue
            }
            if let source = holder, try await client.mountBlob(blob.digest, into: repository, from: source) {
                counts.mounted += 1
                events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .mounted))
                continue
            }
            do {
                events(.blobStarted(digest: blob.digest, size: blob.size, repository: repository))
                try await upload(blob, to: repository)
            } catch {
                events(.blobFailed(digest: blob.digest, repository: repository, message: String(describing: error)))
                throw error
            }
            counts.uploaded += 1
            holder = repository
            events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .uploaded))
        }
        return counts
    }

    private func upload(_ blob: ArchivedBlob, to repository: String) async throws {
        let range: ByteRange
        switch blob.source {
        case .stored(let stored):
            range = stored
        case .gzipped(let uncompressed, let diffID):
            range = try compressor.compressedBytes(of: uncompressed, diffID: diffID, expected: blob.digest)
        }
        guard range.length == blob.size else {
            throw ArchiveError(.invalidImage, "\(range.origin) is \(range.length) bytes, but its manifest says \(blob.size)")
        }
        let events = self.events
        let digest = blob.digest
        try await client.uploadBlob(digest, size: blob.size, to: repository, body: {
            range.verifiedChunks(expected: digest, onBytes: { events(.bytesSent($0)) })
        }, onRetry: { attempt, error in
            let wait = error.retryAfterSeconds.map { "; waiting \($0) s as the registry asked" } ?? ""
            events(.retrying(what: "blob \(digest.short) → \(repository)", attempt: attempt, message: error.message + wait))
        })
    }
}
