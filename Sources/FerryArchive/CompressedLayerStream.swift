import FerryCore
import FerryOCI
import NIOCore

/// An uncompressed layer gzipped (ISA-L) on the fly as an upload body: nothing is written to disk,
/// the output is hashed as it goes, and the last bytes are held back until the whole output is known
/// to be the expected blob, so a registry never receives a complete wrong blob.
final class CompressedLayerStream: @unchecked Sendable {
    // `AsyncThrowingStream(unfolding:)` calls `next()` one at a time: the state is never shared.
    private let range: ByteRange
    private let diffID: Digest
    private let expected: Digest
    private let expectedSize: Int64
    private let chunkSize: Int
    private let output = MemorySink()
    private lazy var gzip = IsalGzipCompressor(writingTo: output)
    private var hasher = DigestHasher()
    private var uncompressed = DigestHasher()
    private var produced: Int64 = 0
    private var position: Int64 = 0
    private var held: [UInt8] = []
    private var finished = false
    private let buffer: UnsafeMutableRawBufferPointer

    init(range: ByteRange, diffID: Digest, expected: Digest, expectedSize: Int64, chunkSize: Int) {
        self.range = range
        self.diffID = diffID
        self.expected = expected
        self.expectedSize = expectedSize
        self.chunkSize = chunkSize
        buffer = .allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    func next() throws -> ByteBuffer? {
        guard !finished else { return nil }
        while position < range.length {
            let want = Int(min(Int64(chunkSize), range.length - position))
            let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
            guard try range.file.read(into: slice, at: range.offset + position) == want else {
                throw ArchiveError(.truncated, "\(range.origin) is truncated: the file ends before the entry does")
            }
            position += Int64(want)
            uncompressed.update(UnsafeRawBufferPointer(slice))
            try gzip.write(UnsafeRawBufferPointer(slice))
            if let ready = take() { return ready }
        }
        try gzip.finish()
        finished = true
        let rest = drain()
        hasher.update(rest)
        produced += Int64(rest.count)
        let source = uncompressed.finalize()
        guard source == diffID else {
            throw ArchiveError(.digestMismatch,
                               "\(range.origin) does not match its diff_id: the config says \(diffID), the bytes hash to \(source)",
                               hint: "the archive is corrupt or was modified; obtain a fresh copy")
        }
        let actual = hasher.finalize()
        guard actual == expected, produced == expectedSize else {
            throw ArchiveError(.digestMismatch,
                               "gzipping \(range.origin) again gave \(actual) (\(produced) bytes), but its digest is \(expected) (\(expectedSize) bytes)",
                               hint: "the archive was modified since its digest was recorded, or the gzip library changed; delete the cache directory and run again")
        }
        return ByteBuffer(bytes: held + rest)
    }

    /// The output produced so far, except the newest, which is held back until more follows.
    private func take() -> ByteBuffer? {
        let fresh = drain()
        guard !fresh.isEmpty else { return nil }
        hasher.update(fresh)
        produced += Int64(fresh.count)
        let ready = held
        held = fresh
        return ready.isEmpty ? nil : ByteBuffer(bytes: ready)
    }

    private func drain() -> [UInt8] {
        let bytes = output.bytes
        output.reset()
        return bytes
    }
}

extension DigestHasher {
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }
}
