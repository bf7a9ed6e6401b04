import FerryArchive
import FerryCore
import FerryOCI
import FerryRegistry
import NIOCore
import Synchronization

/// Applies a push plan: every missing blob of every image through one bounded pool, each blob sent
/// once and mounted into the other repositories that need it, then the manifests of the images
/// whose blobs are all in place. A rerun skips whatever the registry already has.
package struct ImagePusher: Sendable {
    package var client: RegistryClient
    package var compressor: LayerCompressor
    package var concurrency: Int
    package var events: SyncEventSink
    /// Chunk size and where chunked sessions are kept (beside the layer cache, so a rerun resumes).
    package var uploads: UploadOptions
    /// Where earlier runs saw each blob in this registry (beside the layer cache), to mount from.
    package var locations: BlobLocations

    package init(client: RegistryClient, compressor: LayerCompressor, concurrency: Int,
                 chunkSize: Int64 = UploadOptions.defaultChunkSize, locations: BlobLocations? = nil, events: @escaping SyncEventSink) {
        self.client = client
        self.compressor = compressor
        self.concurrency = max(1, concurrency)
        self.events = events
        uploads = UploadOptions(chunkSize: chunkSize,
                                sessions: compressor.cacheDirectory.map { UploadSessionStore(directory: $0 + "/upload-sessions") })
        self.locations = locations ?? BlobLocations(cacheDirectory: compressor.cacheDirectory, registry: client.host)
    }

    /// What to do when a target tag already points at other bytes.
    package enum TagMovePolicy: Sendable {
        /// Refuse the image; `hint` says how to allow it (the command's own flag).
        case refuse(hint: String)
        case allow
    }

    package struct Report: Sendable, Codable {
        package struct Image: Sendable, Codable {
            package enum Status: String, Sendable, Codable {
                case pushed, unchanged, failed
                /// Pushed over a tag that pointed at another digest (allowed by the policy).
                case moved
            }

            package var reference: String
            package var source: String
            package var digest: String
            package var status: Status
            /// For `moved`, and for a refused move: the digest the tag pointed at before.
            package var previousDigest: String?
            package var error: String?
            /// What kind of failure: `tagMoveRefused`, `unnamedImage`, `blobFailed`, or the error's code.
            package var code: String?
        }

        package var images: [Image] = []
        package var blobsUploaded = 0
        package var blobsMounted = 0
        /// Of `blobsMounted`, those mounted from a repository an earlier run placed them in.
        package var blobsMountedFromEarlierRuns = 0
        package var blobsPresent = 0
        package var bytesUploaded: Int64 = 0
        package var failures: [String] = []

        package var succeeded: Bool { failures.isEmpty }

        package func count(_ status: Image.Status) -> Int { images.filter { $0.status == status }.count }

        /// Adds another part's counts, images and failures.
        mutating func add(_ other: Report) {
            images += other.images
            failures += other.failures
            blobsUploaded += other.blobsUploaded
            blobsMounted += other.blobsMounted
            blobsMountedFromEarlierRuns += other.blobsMountedFromEarlierRuns
            blobsPresent += other.blobsPresent
            bytesUploaded += other.bytesUploaded
        }
    }

    package func push(_ plan: PushPlan, probe: PushProbe, tagMoves: TagMovePolicy) async -> Report {
        // Images that are refused before anything is sent: no name, or a tag that would move.
        let report = Mutex(refuseUnnamed(plan))
        let refused = refusedTagMoves(plan, probe: probe, policy: tagMoves)
        locations.record(probe.blobsPresent.flatMap { digest, repositories in repositories.map { (digest, $0) } })
        let blobs = await placeBlobs(Self.blobsNeeded(plan, excluding: Set(refused.keys)), probe: probe)
        report.withLock { $0.add(blobs.report) }
        let broken = blobs.failed
        await forEachConcurrently(plan.images, limit: concurrency) { planned in
            for target in planned.targets {
                let entry: Report.Image
                var failedForABlob = false
                if let refusal = refused[target.description] {
                    self.events(.imageFailed(reference: target.description, message: refusal.error ?? "", code: refusal.code))
                    entry = refusal
                } else {
                    (entry, failedForABlob) = await self.publish(planned, as: target, probe: probe, broken: broken)
                }
                report.withLock {
                    $0.images.append(entry)
                    // A blob failure is already listed once; everything else is listed here.
                    if let error = entry.error, !failedForABlob { $0.failures.append(error) }
                }
            }
        }
        await keepReferrersFindable(plan, report: report)
        return report.withLock { report in
            report.images.sort { $0.reference < $1.reference }
            return report
        }
    }

    /// Referrers pushed by digest are listed under their subject's fallback tag where the registry
    /// has no referrers API; a failure there is reported, the images stay pushed.
    private func keepReferrersFindable(_ plan: PushPlan, report: borrowing Mutex<Report>) async {
        guard plan.images.contains(where: { $0.referrerOf != nil }) else { return }
        let pushed = report.withLock { Set($0.images.filter { $0.status != .failed }.map(\.reference)) }
        do {
            try await ReferrersFallback(client: client).update(plan, pushed: pushed)
        } catch {
            report.withLock { $0.failures.append("the referrers fallback tag could not be written: \(error)") }
        }
    }

    /// Unnamed images, and images without the platforms asked for, fail, each on its own, before
    /// anything is sent.
    private func refuseUnnamed(_ plan: PushPlan) -> Report {
        var report = Report()
        let refusals = plan.unnamed.map { ($0, $0.image.displayName, $0.image.unnamedProblem, "unnamedImage") }
            + plan.withoutPlatform.map { ($0.image, $0.image.targets.first?.description ?? $0.image.image.displayName, $0.problem, "platformMissing") }
        for (planned, reference, message, code) in refusals {
            events(.imageFailed(reference: reference, message: message, code: code))
            report.images.append(.init(reference: reference, source: planned.source,
                                       digest: planned.image.root.digest.string, status: .failed, error: message, code: code))
            report.failures.append(message)
        }
        return report
    }

    /// Targets whose tag points at other bytes, refused (by target) unless the policy allows moves.
    private func refusedTagMoves(_ plan: PushPlan, probe: PushProbe, policy: TagMovePolicy) -> [String: Report.Image] {
        guard case .refuse(let hint) = policy else { return [:] }
        var refused: [String: Report.Image] = [:]
        for planned in plan.images {
            for target in planned.targets {
                guard let current = probe.tagMove(target, to: planned.image) else { continue }
                let message = "\(target) points at \(current) in the registry, but \(planned.image.displayName) from \(planned.source) is \(planned.image.root.digest); "
                    + "pushing would move the tag to other bytes (anything deployed from it would change), so it was left as it is; \(hint)"
                refused[target.description] = .init(reference: target.description, source: planned.source,
                                                    digest: planned.image.root.digest.string, status: .failed,
                                                    previousDigest: current.string, error: message, code: "tagMoveRefused")
            }
        }
        return refused
    }

    /// Every blob into every repository that needs it, through one bounded pool; the failed ones, by digest.
    private func placeBlobs(_ blobs: [PlannedBlob], probe: PushProbe) async -> (report: Report, failed: [Digest: String]) {
        let report = Mutex(Report())
        let failed = Mutex<[Digest: String]>([:])
        await forEachConcurrently(blobs, limit: concurrency) { planned in
            do {
                let outcome = try await self.place(planned, present: probe.blobsPresent[planned.blob.digest] ?? [])
                report.withLock {
                    $0.blobsUploaded += outcome.uploaded
                    $0.blobsMounted += outcome.mounted
                    $0.blobsMountedFromEarlierRuns += outcome.remembered
                    $0.blobsPresent += outcome.present
                    $0.bytesUploaded += Int64(outcome.uploaded) * planned.blob.size
                }
            } catch {
                let message = String(describing: error)
                failed.withLock { $0[planned.blob.digest] = message }
                report.withLock { $0.failures.append(message) }
            }
        }
        return (report.withLock { $0 }, failed.withLock { $0 })
    }

    /// Pushes one image's manifests under `target`, unless one of its blobs failed (then true) or it is there already.
    private func publish(_ planned: PlannedImage, as target: Reference, probe: PushProbe,
                         broken: [Digest: String]) async -> (Report.Image, failedForABlob: Bool) {
        let image = planned.image
        var entry = Report.Image(reference: target.description, source: planned.source, digest: image.root.digest.string,
                                 status: .pushed)
        // Never publish a manifest whose blobs are not all in place.
        if let missing = image.blobs.first(where: { broken[$0.digest] != nil }) {
            entry.status = .failed
            entry.error = "not pushed: blob \(missing.digest.short) (\(missing.origin)) failed"
            entry.code = "blobFailed"
            events(.imageFailed(reference: target.description, message: entry.error!, code: entry.code))
            return (entry, true)
        }
        // Unchanged only when the registry also serves it (a tag may name a manifest it lost).
        if probe.manifests[target.description] == image.root.digest,
           (try? await verifyServed(image, in: target.repository, rootServed: probe.served.contains(target.description))) != nil {
            entry.status = .unchanged
            events(.imageFinished(reference: target.description, digest: image.root.digest, outcome: .unchanged))
            return (entry, false)
        }
        do {
            for child in image.children {
                try await client.putManifest(child, as: child.digest.string, in: target.repository)
            }
            try await client.putManifest(image.root, as: target.tag ?? image.root.digest.string, in: target.repository)
            try await verifyServed(image, in: target.repository)
        } catch {
            entry.status = .failed
            entry.error = String(describing: error)
            entry.code = (error as? any FerryError)?.codeName
            events(.imageFailed(reference: target.description, message: entry.error!, code: entry.code))
            return (entry, false)
        }
        if let previous = probe.tagMove(target, to: image) {
            entry.status = .moved
            entry.previousDigest = previous.string
            events(.imageFinished(reference: target.description, digest: image.root.digest, outcome: .moved(from: previous)))
        } else {
            events(.imageFinished(reference: target.description, digest: image.root.digest, outcome: .pushed))
        }
        return (entry, false)
    }

    /// Every manifest of the image read back by digest, as the registry serves it (the root not
    /// again when the probe fetched it whole).
    private func verifyServed(_ image: ArchivedImage, in repository: String, rootServed: Bool = false) async throws {
        for document in image.children + (rootServed ? [] : [image.root]) {
            try await client.verifyManifest(document, in: repository)
        }
    }

    /// The plan's blobs, each with only the repositories of targets that will be pushed.
    static func blobsNeeded(_ plan: PushPlan, excluding refused: Set<String>) -> [PlannedBlob] {
        guard !refused.isEmpty else { return plan.blobs }
        var wanted: [Digest: Set<String>] = [:]
        for planned in plan.images {
            let repositories = planned.targets.filter { !refused.contains($0.description) }.map(\.repository)
            guard !repositories.isEmpty else { continue }
            for blob in planned.image.blobs { wanted[blob.digest, default: []].formUnion(repositories) }
        }
        return plan.blobs.compactMap { planned in
            guard let repositories = wanted[planned.blob.digest] else { return nil }
            var copy = planned
            copy.repositories = planned.repositories.filter(repositories.contains)
            return copy
        }
    }

    /// Puts one blob into every repository that needs it: upload once, mount into the rest. A blob
    /// no repository of the plan holds is first mounted from where an earlier run left it.
    private func place(_ planned: PlannedBlob, present: Set<String>) async throws
        -> (uploaded: Int, mounted: Int, remembered: Int, present: Int) {
        let blob = planned.blob
        var holder = planned.repositories.first { present.contains($0) }
        var counts = (uploaded: 0, mounted: 0, remembered: 0, present: 0)
        if planned.repositories.allSatisfy(present.contains) { counts.present = 1 }
        for repository in planned.repositories {
            if present.contains(repository) {
                events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .present))
                continue
            }
            if let source = holder, try await client.mountBlob(blob.digest, into: repository, from: source) {
                counts.mounted += 1
                locations.record([(blob.digest, repository)])
                events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .mounted))
                continue
            }
            if holder == nil, try await mountFromEarlierRun(blob, into: repository) {
                counts.mounted += 1
                counts.remembered += 1
                holder = repository
                events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .mounted))
                continue
            }
            do {
                events(.blobStarted(digest: blob.digest, size: blob.size, repository: repository))
                try await upload(blob, to: repository)
            } catch {
                events(.blobFailed(digest: blob.digest, repository: repository, message: String(describing: error),
                                   code: (error as? any FerryError)?.codeName))
                throw error
            }
            counts.uploaded += 1
            holder = repository
            locations.record([(blob.digest, repository)])
            events(.blobFinished(digest: blob.digest, size: blob.size, repository: repository, outcome: .uploaded))
        }
        return counts
    }

    /// Tries the repositories earlier runs placed the blob in, newest first; a refusal (the blob
    /// was deleted there, or the registry opened an upload instead) moves on to the next.
    private func mountFromEarlierRun(_ blob: ArchivedBlob, into repository: String) async throws -> Bool {
        for source in locations.candidates(for: blob.digest, excluding: repository) {
            if try await client.mountBlob(blob.digest, into: repository, from: source) {
                locations.record([(blob.digest, repository)])
                return true
            }
        }
        return false
    }

    private func upload(_ blob: ArchivedBlob, to repository: String) async throws {
        let events = self.events
        if case .gzipped(let uncompressed, let diffID) = blob.source,
           let stream = compressor.compressedStream(of: uncompressed, diffID: diffID, expected: blob.digest, size: blob.size,
                                                    onBytes: { events(.bytesSent($0)) }) {
            // Gzipped on the fly, once per attempt; chunks (large blobs, a proxy's size limit) read a cached copy.
            let compressor = self.compressor, digest = blob.digest
            let first = Mutex<AsyncThrowingStream<ByteBuffer, any Error>?>(stream)
            let upload = BlobUpload(digest: digest, size: blob.size, whole: {
                first.withLock { taken in defer { taken = nil }; return taken }
                    ?? compressor.compressedStream(of: uncompressed, diffID: diffID, expected: digest, size: blob.size,
                                                   onBytes: { events(.bytesSent($0)) })!
            }, slice: { offset, count in
                Self.lazySlice(offset, count) {
                    try compressor.compressedBytes(of: uncompressed, diffID: diffID, expected: digest)
                }
            }, onSent: { events(.bytesSent($0)) })
            return try await send(upload, to: repository)
        }
        if case .remote(let remote) = blob.source {
            return try await send(Self.upload(of: remote, blob: blob, events: events), to: repository)
        }
        let range: ByteRange
        switch blob.source {
        case .remote:
            preconditionFailure("handled above")
        case .stored(let stored):
            range = stored
        case .gzipped(let uncompressed, let diffID):
            // Gzip of a whole layer (or a hash of the cached one): the thread pool's work.
            let compressor = self.compressor, expected = blob.digest
            range = try await Blocking.run { try compressor.compressedBytes(of: uncompressed, diffID: diffID, expected: expected) }
        }
        guard range.length == blob.size else {
            throw ArchiveError(.invalidImage, "\(range.origin) is \(range.length) bytes, but its manifest says \(blob.size)")
        }
        let digest = blob.digest
        let upload = BlobUpload(digest: digest, size: blob.size, whole: {
            range.verifiedChunks(expected: digest, onBytes: { events(.bytesSent($0)) })
        }, slice: { offset, count in
            range.slice(from: offset, count: count).chunks()
        }, onSent: { events(.bytesSent($0)) })
        try await send(upload, to: repository)
    }

    /// A blob straight from another registry: its GET feeds this PUT, a few chunks at a time.
    static func upload(of remote: RemoteBlob, blob: ArchivedBlob, events: @escaping SyncEventSink) -> BlobUpload {
        BlobUpload(digest: blob.digest, size: blob.size, whole: {
            final class Reader: @unchecked Sendable { var iterator: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator? }
            let reader = Reader()
            reader.iterator = remote.open(0, nil).makeAsyncIterator()
            // `unfolding` asks for one element at a time: the iterator is never used concurrently.
            return AsyncThrowingStream(unfolding: {
                let chunk = try await reader.iterator?.next()
                if let chunk { events(.bytesSent(chunk.readableBytes)) }
                return chunk
            })
        }, slice: { offset, count in
            remote.open(offset, count)
        }, onSent: { events(.bytesSent($0)) })
    }

    /// A slice of bytes that a file holds once `make` (run on the thread pool, at the first read) has made it.
    static func lazySlice(_ offset: Int64, _ count: Int64, _ make: @escaping @Sendable () throws -> ByteRange)
        -> AsyncThrowingStream<ByteBuffer, any Error> {
        // `unfolding` asks for one element at a time: the iterator is never used concurrently.
        final class State: @unchecked Sendable {
            var iterator: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator?
        }
        let state = State()
        return AsyncThrowingStream(unfolding: {
            if state.iterator == nil {
                let range = try await Blocking.run { try make() }
                state.iterator = range.slice(from: offset, count: count).chunks().makeAsyncIterator()
            }
            return try await state.iterator?.next()
        })
    }

    private func send(_ upload: BlobUpload, to repository: String) async throws {
        let digest = upload.digest, events = self.events
        // The registry's answer is shown once; the same answer again is only counted.
        let previous = Mutex<String?>(nil)
        try await client.uploadBlob(upload, to: repository, options: uploads, onRetry: { attempt, error, pause in
            let seconds = Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18
            let asked = error.retryAfter != nil ? " (the wait the registry asked for)" : ""
            let repeated = previous.withLock { last in defer { last = error.message }; return last == error.message }
            let message = repeated ? "the same answer again" + (error.status.map { " (\($0))" } ?? "") : error.message
            events(.blobRetrying(digest: digest, repository: repository, attempt: attempt + 1, wait: seconds, message: message + asked))
        })
    }
}
