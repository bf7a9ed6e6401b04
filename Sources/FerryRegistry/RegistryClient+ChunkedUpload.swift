import FerryOCI
import Foundation
import NIOCore
import Synchronization

/// A blob to upload, as the uploader can read it.
package struct BlobUpload: Sendable {
    package var digest: Digest
    package var size: Int64
    /// The whole blob, failing at its end if the bytes are not `digest` (one monolithic PUT).
    package var whole: @Sendable () -> AsyncThrowingStream<ByteBuffer, any Error>
    /// Bytes `offset ..< offset + count`, unchecked (a chunk; the client hashes the whole itself).
    package var slice: @Sendable (_ offset: Int64, _ count: Int64) -> AsyncThrowingStream<ByteBuffer, any Error>
    /// Hears the bytes of each chunk as it goes out (`whole` reports its own).
    package var onSent: @Sendable (Int) -> Void

    package init(digest: Digest, size: Int64, whole: @escaping @Sendable () -> AsyncThrowingStream<ByteBuffer, any Error>,
                 slice: @escaping @Sendable (Int64, Int64) -> AsyncThrowingStream<ByteBuffer, any Error>,
                 onSent: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.digest = digest
        self.size = size
        self.whole = whole
        self.slice = slice
        self.onSent = onSent
    }
}

/// How blobs go up: one PUT up to `chunkSize`, PATCHed chunks above it (and whenever a proxy
/// refuses a body as too large), with chunked sessions kept in `sessions` so they can be resumed.
package struct UploadOptions: Sendable {
    /// 64 MiB: below it one PUT is fastest (one request, no session bookkeeping); above it a chunk
    /// costs one round trip per 64 MiB, negligible, and a run that is killed loses at most one
    /// chunk per blob in flight.
    package static let defaultChunkSize: Int64 = 64 << 20
    /// The smallest chunk tried when a proxy keeps answering 413.
    package static let minimumChunkSize: Int64 = 1 << 20

    package var chunkSize: Int64
    package var sessions: UploadSessionStore?

    package init(chunkSize: Int64 = UploadOptions.defaultChunkSize, sessions: UploadSessionStore? = nil) {
        self.chunkSize = max(Self.minimumChunkSize, chunkSize)
        self.sessions = sessions
    }
}

extension RegistryClient {
    /// Uploads a blob: monolithically when small and no session is pending, else in chunks. A 413
    /// (a proxy's body limit) makes the chunks smaller until they pass.
    package func uploadBlob(_ blob: BlobUpload, to repository: String, options: UploadOptions,
                           onRetry: @escaping @Sendable (Int, RegistryError, Duration) -> Void = { _, _, _ in }) async throws {
        var chunkSize = options.chunkSize
        while true {
            do {
                let pending = options.sessions?.load(host: host, repository: repository, digest: blob.digest)
                if blob.size <= chunkSize && pending == nil {
                    try await uploadBlob(blob.digest, size: blob.size, to: repository, body: blob.whole, onRetry: onRetry)
                } else {
                    try await uploadChunked(blob, to: repository, chunkSize: chunkSize, sessions: options.sessions, onRetry: onRetry)
                }
                return
            } catch let error as RegistryError where error.status == 413 && chunkSize > UploadOptions.minimumChunkSize {
                chunkSize = max(UploadOptions.minimumChunkSize, min(chunkSize, blob.size) / 2)
                logger.info("\(host) refused a body as too large (413): uploading \(blob.digest.short) in chunks of \(chunkSize >> 20) MiB")
                options.sessions?.remove(host: host, repository: repository, digest: blob.digest)
            }
        }
    }

    /// A session that cannot be continued (cut mid-chunk, expired): abandoned and started again.
    struct SessionUnusable: Error {}

    func uploadChunked(_ blob: BlobUpload, to repository: String, chunkSize: Int64, sessions: UploadSessionStore?,
                       onRetry: @escaping @Sendable (Int, RegistryError, Duration) -> Void) async throws {
        let context = "uploading blob \(blob.digest.short) (\(blob.size) bytes) in chunks to \(host)/\(repository)"
        for _ in 0..<3 {
            var session = try await openSession(blob, repository: repository, sessions: sessions, context: context)
            do {
                var hasher = try await hashed(blob, upTo: session.offset)
                while session.offset < blob.size {
                    let count = min(chunkSize, blob.size - session.offset)
                    (session, hasher) = try await sendChunk(blob, count: count, session: session, hasher: hasher, repository: repository,
                                                            context: context, onRetry: onRetry)
                    sessions?.save(session, host: host, repository: repository, digest: blob.digest)
                }
                guard hasher.finalize() == blob.digest else {
                    await cancel(session, repository: repository)
                    sessions?.remove(host: host, repository: repository, digest: blob.digest)
                    throw RegistryError(.digestInvalid, "\(context): the bytes read do not match the digest; the upload was cancelled")
                }
                try await finish(session, blob: blob, repository: repository, context: context)
                sessions?.remove(host: host, repository: repository, digest: blob.digest)
                return
            } catch is SessionUnusable {
                logger.info("\(context): the session at offset \(session.offset) cannot be continued; starting again")
                await cancel(session, repository: repository)
                sessions?.remove(host: host, repository: repository, digest: blob.digest)
            }
        }
        throw RegistryError(.protocolViolation, "\(context): \(host) refused three upload sessions in a row")
    }

    /// A saved session the registry still has (continued where it stands), or a new one.
    func openSession(_ blob: BlobUpload, repository: String, sessions: UploadSessionStore?,
                     context: String) async throws -> UploadSessionStore.Session {
        let scopes = self.scopes(repository, .push)
        if let saved = sessions?.load(host: host, repository: repository, digest: blob.digest) {
            if let current = try? await sessionStatus(saved.location, scopes: scopes, context: context), current.offset <= blob.size {
                logger.info("\(context): continuing the session kept from an earlier attempt at \(current.offset) of \(blob.size) bytes")
                return current
            }
            await cancel(saved, repository: repository)
            sessions?.remove(host: host, repository: repository, digest: blob.digest)
        }
        let start = try await retry.run {
            try await self.send(Request(method: .POST, url: "\(self.baseURL)/v2/\(repository)/blobs/uploads/"), scopes: scopes, context: context)
        }
        guard start.status == 202, let location = start.headers.first(name: "Location") else {
            throw try await error(from: start, context: context, scopes: scopes)
        }
        let session = UploadSessionStore.Session(location: try resolve(location: location, against: start.url), offset: 0)
        sessions?.save(session, host: host, repository: repository, digest: blob.digest)
        return session
    }

    /// Where a session stands: `GET` on its location, the registry's `Range` (`0-<last byte>`).
    func sessionStatus(_ location: String, scopes: [String], context: String) async throws -> UploadSessionStore.Session {
        let response = try await send(Request(method: .GET, url: location), scopes: scopes, context: context)
        guard response.status == 204 || response.status == 202 || response.status == 200 else { throw SessionUnusable() }
        let next = try response.headers.first(name: "Location").map { try resolve(location: $0, against: response.url) } ?? location
        return UploadSessionStore.Session(location: next, offset: Self.acknowledged(response.headers.first(name: "Range")))
    }

    /// The offset a `Range: 0-<last>` header acknowledges (`0--1`, or none: nothing yet).
    static func acknowledged(_ range: String?) -> Int64 {
        guard let range, let dash = range.firstIndex(of: "-"), let last = Int64(range[range.index(after: dash)...]) else { return 0 }
        return max(0, last + 1)
    }

    /// The blob's first `offset` bytes hashed locally (a resumed session does not send them again).
    func hashed(_ blob: BlobUpload, upTo offset: Int64) async throws -> DigestHasher {
        var hasher = DigestHasher()
        guard offset > 0 else { return hasher }
        for try await chunk in blob.slice(0, offset) { chunk.withUnsafeReadableBytes { hasher.update($0) } }
        return hasher
    }

    /// One PATCH, retried within the budget. After a failure the registry is asked where the
    /// session stands: acknowledged where it was, the chunk is sent again; anywhere else (part of
    /// the chunk landed), the session is unusable, as distribution refuses it.
    func sendChunk(_ blob: BlobUpload, count: Int64, session: UploadSessionStore.Session, hasher: DigestHasher, repository: String,
                   context: String, onRetry: @escaping @Sendable (Int, RegistryError, Duration) -> Void) async throws
        -> (UploadSessionStore.Session, DigestHasher) {
        let scopes = self.scopes(repository, .push)
        let failedBefore = Mutex(false)
        return try await retry.run(onRetry: { attempt, error, pause in failedBefore.withLock { $0 = true }; onRetry(attempt, error, pause) }) {
            var current = session
            if failedBefore.withLock({ $0 }) {
                current = try await self.sessionStatus(session.location, scopes: scopes, context: context)
                guard current.offset == session.offset else { throw SessionUnusable() }
            }
            let running = Mutex(hasher)
            let onSent = blob.onSent
            let stream = blob.slice(current.offset, count).map { chunk in
                running.withLock { hasher in chunk.withUnsafeReadableBytes { hasher.update($0) } }
                onSent(chunk.readableBytes)
                return chunk
            }
            var patch = Request(method: .PATCH, url: current.location,
                                body: .stream(length: count, make: { Self.stream(stream) }))
            patch.headers = [("Content-Type", "application/octet-stream"), ("Content-Range", "\(current.offset)-\(current.offset + count - 1)")]
            let response = try await self.send(patch, scopes: scopes, context: context)
            if response.status == 416 || (response.status == 400 && RegistryErrorBody.parse(response.body).contains { $0.code == "BLOB_UPLOAD_INVALID" })
                || (response.status == 404 && RegistryErrorBody.parse(response.body).contains { $0.code == "BLOB_UPLOAD_UNKNOWN" }) {
                throw SessionUnusable()
            }
            guard response.status == 202 else { throw try await self.error(from: response, context: context, scopes: scopes) }
            let next = try response.headers.first(name: "Location").map { try self.resolve(location: $0, against: response.url) } ?? current.location
            let acknowledged = response.headers.first(name: "Range").map(Self.acknowledged) ?? current.offset + count
            guard acknowledged == current.offset + count else { throw SessionUnusable() }
            return (UploadSessionStore.Session(location: next, offset: acknowledged), running.withLock { $0 })
        }
    }

    /// A mapped stream as the request body type.
    static func stream<S: AsyncSequence & Sendable>(_ sequence: S) -> AsyncThrowingStream<ByteBuffer, any Error> where S.Element == ByteBuffer {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await chunk in sequence { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The closing PUT with the digest and no body.
    func finish(_ session: UploadSessionStore.Session, blob: BlobUpload, repository: String, context: String) async throws {
        let scopes = self.scopes(repository, .push)
        let target = session.location + (session.location.contains("?") ? "&" : "?") + "digest="
            + blob.digest.string.replacingOccurrences(of: ":", with: "%3A")
        let done = try await retry.run {
            try await self.send(Request(method: .PUT, url: target), scopes: scopes, context: context)
        }
        guard done.status == 201 || done.status == 204 else {
            if done.status == 400 || done.status == 404 { throw SessionUnusable() }
            throw try await error(from: done, context: context, scopes: scopes)
        }
    }

    /// Cancels a session the registry may still hold (`DELETE`), where it allows it.
    func cancel(_ session: UploadSessionStore.Session, repository: String) async {
        _ = try? await send(Request(method: .DELETE, url: session.location), scopes: scopes(repository, .push), context: "cancelling an upload")
    }
}
