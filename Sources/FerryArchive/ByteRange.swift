import FerryCore
import FerryOCI
import NIOCore

/// A run of bytes inside a file: a tar member, a member of a tar inside a tar, or a whole file.
/// Reading it never copies the file; bytes are read with positioned reads as they are needed.
package struct ByteRange: Sendable {
    package let file: RandomAccessFile
    package let offset: Int64
    package let length: Int64
    /// What to call these bytes in messages, e.g. `app.bundle.tar!images.tar!<hex>.tar.gz`.
    package let origin: String

    package init(file: RandomAccessFile, offset: Int64, length: Int64, origin: String) {
        self.file = file
        self.offset = offset
        self.length = length
        self.origin = origin
    }

    package init(wholeFile file: RandomAccessFile) {
        self.init(file: file, offset: 0, length: file.size, origin: file.path)
    }

    /// Reads `count` bytes starting `at` bytes into the range.
    package func read(at position: Int64, count: Int) throws -> [UInt8] {
        guard position >= 0, position <= length, count >= 0 else {
            throw ArchiveError(.io, "\(origin): cannot read \(count) bytes at \(position), outside its \(length) bytes")
        }
        let count = Int(min(Int64(count), length - position))
        let bytes = try file.read(at: offset + position, count: count)
        guard bytes.count == count else {
            throw ArchiveError(.truncated, "\(origin) is truncated: the file ends before the entry does")
        }
        return bytes
    }

    /// The whole range in memory, refused past `limit` bytes (manifests and configs are small).
    package func readAll(limit: Int = ManifestDocument.maximumSize) throws -> [UInt8] {
        guard length <= Int64(limit) else {
            throw ArchiveError(.invalidImage, "\(origin) is \(length) bytes, larger than the \(limit)-byte limit for a document")
        }
        return try read(at: 0, count: Int(length))
    }

    /// The first bytes, to detect compression.
    package func prefix(_ count: Int) throws -> [UInt8] {
        try read(at: 0, count: min(count, Int(min(length, Int64(Int.max)))))
    }

    /// A sub-range, for tar members inside this range.
    package func slice(offset: Int64, length: Int64, origin: String) -> ByteRange {
        ByteRange(file: file, offset: self.offset + offset, length: length, origin: origin)
    }

    /// Calls `body` with successive chunks of the range, in order.
    package func forEachChunk(size: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        var position: Int64 = 0
        while position < length {
            let want = Int(min(Int64(size), length - position))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
            let got = try file.read(into: slice, at: offset + position)
            guard got == want else {
                throw ArchiveError(.truncated, "\(origin) is truncated: the file ends before the entry does")
            }
            try body(UnsafeRawBufferPointer(slice))
            position += Int64(want)
        }
    }

    /// The sha256 of the whole range.
    package func digest() throws -> Digest {
        var hasher = DigestHasher()
        try forEachChunk { hasher.update($0) }
        return hasher.finalize()
    }

    /// The range as a stream of buffers for an upload body. Each byte is hashed as it passes; when the
    /// last byte has been read and the digest is not `expected`, the stream fails, so a corrupt blob is
    /// never committed. Chunks are read only when the consumer asks for them.
    package func verifiedChunks(expected: Digest, chunkSize: Int = 1 << 20,
                               onBytes: @escaping @Sendable (Int) -> Void = { _ in }) -> AsyncThrowingStream<ByteBuffer, any Error> {
        let state = StreamState(range: self, expected: expected, chunkSize: chunkSize)
        return AsyncThrowingStream(unfolding: {
            // A positioned read and a hash: blocking work, done on the thread pool.
            let chunk = try await Blocking.run { try state.next() }
            if let chunk { onBytes(chunk.readableBytes) }
            return chunk
        })
    }
}

extension ByteRange {
    /// Bytes `start ..< start + count` of the range, as a range of their own.
    package func slice(from start: Int64, count: Int64) -> ByteRange {
        let start = min(max(0, start), length)
        return ByteRange(file: file, offset: offset + start, length: min(count, length - start), origin: origin)
    }

    /// The range as a stream of buffers, not checked against any digest (a chunk of a blob whose
    /// uploader hashes the whole itself). Read on the thread pool, when the consumer asks.
    package func chunks(chunkSize: Int = 1 << 20) -> AsyncThrowingStream<ByteBuffer, any Error> {
        let state = StreamState(range: self, expected: nil, chunkSize: chunkSize)
        return AsyncThrowingStream(unfolding: { try await Blocking.run { try state.next() } })
    }
}

/// Cursor and running hash of one `verifiedChunks` stream. `AsyncThrowingStream(unfolding:)` calls
/// `next()` strictly one at a time, so the mutable state is never touched concurrently.
private final class StreamState: @unchecked Sendable {
    let range: ByteRange
    /// Nil: the bytes are not checked.
    let expected: Digest?
    let chunkSize: Int
    var position: Int64 = 0
    var hasher = DigestHasher()
    var finished = false

    init(range: ByteRange, expected: Digest?, chunkSize: Int) {
        self.range = range
        self.expected = expected
        self.chunkSize = chunkSize
    }

    func next() throws -> ByteBuffer? {
        if finished || position >= range.length {
            if !finished && range.length == 0 { try check() }
            finished = true
            return nil
        }
        let want = Int(min(Int64(chunkSize), range.length - position))
        var buffer = ByteBufferAllocator().buffer(capacity: want)
        let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { pointer in
            try range.file.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<want]), at: range.offset + position)
        }
        guard got == want else {
            throw ArchiveError(.truncated, "\(range.origin) is truncated: the file ends before the entry does")
        }
        buffer.withUnsafeReadableBytes { hasher.update($0) }
        position += Int64(want)
        // Check before handing over the last chunk: with its length known, the receiver may never
        // ask again, and a wrong blob must not arrive complete.
        if position == range.length { try check() }
        return buffer
    }

    private func check() throws {
        guard let expected else { return }
        let actual = hasher.finalize()
        guard actual == expected else {
            finished = true
            throw ArchiveError(.digestMismatch,
                               "\(range.origin) does not match its digest: expected \(expected), read \(actual)",
                               hint: "the archive is corrupt or was modified; obtain a fresh copy")
        }
    }
}
