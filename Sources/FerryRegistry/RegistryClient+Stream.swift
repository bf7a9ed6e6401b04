import FerryOCI
import NIOCore
import Synchronization

extension RegistryClient {
    /// A blob's bytes as a stream, read from the registry as they are taken: one ranged GET per
    /// stream, started at the first read, at most a few chunks ahead of the reader. `count` nil
    /// reads to the end from `offset`; a whole read (offset 0, no count) checks size and digest
    /// and fails at its end if they are wrong. Dropping the stream stops the GET.
    package func blobStream(_ digest: Digest, size: Int64, from repository: String, offset: Int64 = 0,
                            count: Int64? = nil) -> AsyncThrowingStream<ByteBuffer, any Error> {
        let reader = BlobStreamReader(client: self, digest: digest, repository: repository, offset: offset,
                                      end: count.map { offset + $0 } ?? size, verify: offset == 0 && count == nil)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }
}

/// The producer side of `blobStream`: a task running the GET into a `ChunkChannel`.
final class BlobStreamReader: Sendable {
    let client: RegistryClient
    let digest: Digest
    let repository: String
    let offset: Int64
    let end: Int64
    let verify: Bool
    private let channel = ChunkChannel()
    private let producer = Mutex<Task<Void, Never>?>(nil)

    init(client: RegistryClient, digest: Digest, repository: String, offset: Int64, end: Int64, verify: Bool) {
        self.client = client
        self.digest = digest
        self.repository = repository
        self.offset = offset
        self.end = end
        self.verify = verify
    }

    deinit {
        channel.cancel()
        producer.withLock { $0?.cancel() }
    }

    func next() async throws -> ByteBuffer? {
        producer.withLock { task in
            if task == nil {
                let (client, channel) = (self.client, self.channel)
                let (digest, repository, offset, end, verify) = (self.digest, self.repository, self.offset, self.end, self.verify)
                task = Task {
                    do {
                        try await Self.run(client: client, digest: digest, repository: repository, offset: offset, end: end,
                                           verify: verify, into: channel)
                        channel.finish()
                    } catch {
                        channel.finish(throwing: error)
                    }
                }
            }
        }
        let channel = self.channel
        return try await withTaskCancellationHandler {
            try await channel.next()
        } onCancel: {
            channel.cancel()
        }
    }

    /// One GET of `offset..<end`, every byte handed to `channel`; a registry that ignores the
    /// range (200 instead of 206) is read from the start and the bytes before `offset` dropped.
    static func run(client: RegistryClient, digest: Digest, repository: String, offset: Int64, end: Int64, verify: Bool,
                    into channel: ChunkChannel) async throws {
        let url = "\(client.baseURL)/v2/\(repository)/blobs/\(digest)"
        let context = "reading blob \(digest.short) from \(client.host)/\(repository)"
        let scopes = client.scopes(repository, .pull)
        struct Progress { var position: Int64 = 0; var hasher = DigestHasher() }
        let progress = Mutex(Progress())
        var request = RegistryClient.Request(method: .GET, url: url)
        if !verify { request.headers.append(("Range", "bytes=\(offset)-\(end - 1)")) }
        request.consumer = { status, chunk in
            var chunk = chunk
            let slice: ByteBuffer? = progress.withLock { state in
                // Where this chunk starts in the blob.
                if status == 206 && state.position == 0 { state.position = offset }
                let start = state.position
                state.position += Int64(chunk.readableBytes)
                let from = max(start, offset), to = min(state.position, end)
                guard from < to else { return nil }
                chunk.moveReaderIndex(forwardBy: Int(from - start))
                let piece = chunk.getSlice(at: chunk.readerIndex, length: Int(to - from))!
                if verify { piece.withUnsafeReadableBytes { state.hasher.update($0) } }
                return piece
            }
            if let slice { try await channel.send(slice) }
        }
        let response = try await client.send(request, scopes: scopes, context: context)
        guard response.status == 200 || response.status == 206 else {
            throw try await client.error(from: response, context: context, scopes: scopes)
        }
        let (position, got) = progress.withLock { ($0.position, $0.hasher.finalize()) }
        guard position >= end || (response.status == 200 && position == end) else {
            var short = RegistryError(.server, "\(context): \(client.host) sent up to byte \(position) of \(end)")
            short.status = 503
            throw short
        }
        if verify, got != digest {
            throw RegistryError(.digestInvalid, "\(context): the bytes served hash to \(got), not \(digest)")
        }
    }
}
