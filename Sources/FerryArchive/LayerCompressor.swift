#if canImport(Glibc)
import Glibc
#endif
import CZlib
import FerryCore
import FerryOCI
import Foundation
import NIOCore
import Synchronization

/// Gzips uncompressed layers once, with ISA-L. The diffID → compressed digest mapping and the
/// compressed bytes are kept under the cache directory, so a rerun neither compresses again nor
/// changes a digest; a mapping made by an earlier compressor (zlib) stays authoritative.
package final class LayerCompressor: Sendable {
    package let cacheDirectory: String?
    /// When false (dry runs) nothing is written: digests are computed by compressing into a hash.
    package let writesCache: Bool

    /// Results of this run, so a dry run (which writes no cache) does not compress a layer twice.
    private let memo = Mutex<[Digest: Compressed]>([:])
    /// Source ranges this run has read in full and found to hash to their diff_id, so a layer
    /// pushed to several repositories is checked once.
    private let verified = Mutex<Set<SourceKey>>([])

    struct SourceKey: Hashable, Sendable {
        var path: String
        var offset: Int64
        var length: Int64
        var diffID: Digest

        init(_ range: ByteRange, _ diffID: Digest) {
            path = range.file.path
            offset = range.offset
            length = range.length
            self.diffID = diffID
        }
    }

    struct Compressed: Sendable {
        var digest: Digest
        var size: Int64
    }

    package init(cacheDirectory: String?, writesCache: Bool = true) {
        self.cacheDirectory = cacheDirectory
        self.writesCache = writesCache && cacheDirectory != nil
    }

    /// Compresses every layer not yet known, several at once (one per core): gzip is the slow part
    /// of pushing an uncompressed archive, and layers are independent.
    package func prepare(_ layers: [(range: ByteRange, diffID: Digest)]) throws {
        var unique: [Digest: ByteRange] = [:]
        for layer in layers where memo.withLock({ $0[layer.diffID] }) == nil && cachedMapping(layer.diffID) == nil {
            unique[layer.diffID] = layer.range
        }
        let work = Array(unique)
        guard !work.isEmpty else { return }
        let failures = Mutex<[any Error]>([])
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            do {
                _ = try compressedDescriptor(of: work[i].value, diffID: work[i].key)
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        if let first = failures.withLock({ $0.first }) { throw first }
    }

    /// `$FERRY_CACHE_DIR`, else `$XDG_CACHE_HOME/ferry`, else `~/.cache/ferry`.
    package static func defaultCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["FERRY_CACHE_DIR"], !dir.isEmpty { return dir }
        if let dir = environment["XDG_CACHE_HOME"], !dir.isEmpty { return dir + "/ferry" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/ferry"
    }

    struct Mapping: Codable {
        var digest: Digest
        var size: Int64
        /// `IsalGzipCompressor.identity` for mappings made with ISA-L.
        var compressor: String?
        /// The zlib version, for mappings made with zlib (before ISA-L).
        var zlib: String?

        /// Whether this machine can make the same bytes again, should the cached copy be gone.
        var canRecompress: Bool {
            if let compressor { return compressor == IsalGzipCompressor.identity }
            return zlib == String(cString: zlibVersion())
        }
    }

    /// The digest and size of the gzipped layer.
    package func compressedDescriptor(of range: ByteRange, diffID: Digest) throws -> (digest: Digest, size: Int64) {
        if let known = memo.withLock({ $0[diffID] }) {
            return (known.digest, known.size)
        }
        let result: (digest: Digest, size: Int64)
        if let mapping = cachedMapping(diffID) {
            result = (mapping.digest, mapping.size)
        } else if writesCache {
            result = try compressIntoCache(range, diffID: diffID)
        } else {
            let hash = DigestingSink()
            try compress(range, diffID: diffID, into: hash)
            result = (hash.digest, hash.count)
        }
        memo.withLock { $0[diffID] = Compressed(digest: result.digest, size: result.size) }
        return result
    }

    /// The gzipped layer as an upload body, made on the fly, when the recorded digest is one this
    /// machine's ISA-L makes (nil otherwise: `compressedBytes` has the bytes). The stream fails before
    /// its last bytes if the output is not `expected`.
    package func compressedStream(of range: ByteRange, diffID: Digest, expected: Digest, size: Int64,
                                  onBytes: @escaping @Sendable (Int) -> Void = { _ in }) -> AsyncThrowingStream<ByteBuffer, any Error>? {
        guard let cacheDirectory, let mapping = cachedMapping(diffID), mapping.digest == expected,
              mapping.compressor == IsalGzipCompressor.identity,
              !FileManager.default.fileExists(atPath: blobPath(cacheDirectory, expected)) else { return nil }
        let state = CompressedLayerStream(range: range, diffID: diffID, expected: expected, expectedSize: size, chunkSize: 1 << 20)
        return AsyncThrowingStream(unfolding: {
            let chunk = try await Blocking.run { try state.next() }
            if let chunk { onBytes(chunk.readableBytes) }
            return chunk
        })
    }

    /// The gzipped bytes, compressing again if the cached copy is gone. Fails if they do not hash to
    /// `expected`, which happens only if the cache was tampered with.
    package func compressedBytes(of range: ByteRange, diffID: Digest, expected: Digest) throws -> ByteRange {
        guard let cacheDirectory else {
            throw ArchiveError(.io, "\(range.origin) must be gzipped before it is pushed, and no cache directory is set",
                               hint: "set FERRY_CACHE_DIR to a writable directory")
        }
        let path = blobPath(cacheDirectory, expected)
        if let file = try? RandomAccessFile(path: path) {
            // The cache vouches for the compressed bytes, never for the source: the archive must
            // still hold the layer the cache was filled from, or a corrupt copy would be pushed
            // as if it were sound.
            try checkSource(range, diffID: diffID, cached: expected, in: cacheDirectory)
            return ByteRange(wholeFile: file)
        }
        let withZlib = cachedMapping(diffID).map { $0.compressor == nil } ?? false
        let result = try compressIntoCache(range, diffID: diffID, zlib: withZlib)
        guard result.digest == expected else {
            throw ArchiveError(.digestMismatch,
                               "gzipping \(range.origin) gave \(result.digest), but the cache recorded \(expected)",
                               hint: "the compression library changed since the last run; delete \(cacheDirectory) and run again")
        }
        return ByteRange(wholeFile: try RandomAccessFile(path: blobPath(cacheDirectory, result.digest)))
    }

    /// Reads `range` in full (once per run) and fails unless it hashes to `diffID`. On a mismatch
    /// the cache entry made from the sound layer is discarded with this run's record of it, so
    /// nothing about the corrupt source is remembered.
    private func checkSource(_ range: ByteRange, diffID: Digest, cached: Digest, in cacheDirectory: String) throws {
        let key = SourceKey(range, diffID)
        if verified.withLock({ $0.contains(key) }) { return }
        let hash = DigestingSink()
        try range.forEachChunk { try hash.write($0) }
        guard hash.digest == diffID else {
            memo.withLock { _ = $0.removeValue(forKey: diffID) }
            unlink(mappingPath(cacheDirectory, diffID))
            unlink(blobPath(cacheDirectory, cached))
            throw ArchiveError(.digestMismatch,
                               "\(range.origin) does not match its diff_id: the config says \(diffID), the bytes hash to \(hash.digest); "
                                   + "the gzipped copy cached from an earlier run was discarded and is not pushed",
                               hint: "the archive is corrupt or was modified; obtain a fresh copy")
        }
        verified.withLock { _ = $0.insert(key) }
    }

    // MARK: - Work

    /// `zlib`: only to make again the bytes of a mapping an earlier version made with zlib.
    private func compress(_ range: ByteRange, diffID: Digest, into sink: any ByteSink, zlib: Bool = false) throws {
        let uncompressed = DigestingSink()
        if zlib {
            let gzip = try GzipCompressor(writingTo: sink)
            try range.forEachChunk { chunk in
                try uncompressed.write(chunk)
                try gzip.write(chunk)
            }
            try gzip.finish()
        } else {
            let gzip = IsalGzipCompressor(writingTo: sink)
            try range.forEachChunk { chunk in
                try uncompressed.write(chunk)
                try gzip.write(chunk)
            }
            try gzip.finish()
        }
        guard uncompressed.digest == diffID else {
            throw ArchiveError(.digestMismatch,
                               "\(range.origin) does not match its diff_id: the config says \(diffID), the bytes hash to \(uncompressed.digest)",
                               hint: "the archive is corrupt or was modified; obtain a fresh copy")
        }
        verified.withLock { _ = $0.insert(SourceKey(range, diffID)) }
    }

    private func compressIntoCache(_ range: ByteRange, diffID: Digest, zlib: Bool = false) throws -> (digest: Digest, size: Int64) {
        guard let cacheDirectory else { preconditionFailure("compressIntoCache without a cache directory") }
        for directory in [cacheDirectory + "/blobs/sha256", cacheDirectory + "/gzip"] {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ArchiveError(.io, "cannot create the cache directory \(directory)",
                                   hint: "set FERRY_CACHE_DIR to a writable directory")
            }
        }
        let scratch = cacheDirectory + "/blobs/sha256/incoming-\(diffID.hex)"
        // Not flushed: every read of a cached copy is checked against its digest.
        let file = try AtomicFileSink(path: scratch, durable: false)
        let hash = DigestingSink(forwardingTo: file)
        try compress(range, diffID: diffID, into: hash, zlib: zlib)
        try file.commit()
        let digest = hash.digest
        guard rename(scratch, blobPath(cacheDirectory, digest)) == 0 else {
            throw ArchiveError(.io, "cannot store a compressed layer in \(cacheDirectory): \(String(cString: strerror(errno)))")
        }
        let mapping = zlib ? Mapping(digest: digest, size: hash.count, zlib: String(cString: zlibVersion()))
                           : Mapping(digest: digest, size: hash.count, compressor: IsalGzipCompressor.identity)
        let record = try AtomicFileSink(path: mappingPath(cacheDirectory, diffID))
        try record.write(Array(try JSONEncoder().encode(mapping)))
        try record.commit()
        return (digest, hash.count)
    }

    private func cachedMapping(_ diffID: Digest) -> Mapping? {
        guard let cacheDirectory,
              let data = FileManager.default.contents(atPath: mappingPath(cacheDirectory, diffID)),
              let mapping = try? JSONDecoder().decode(Mapping.self, from: data) else { return nil }
        // Authoritative while its bytes are cached or can be made again; otherwise forgotten.
        guard mapping.canRecompress || FileManager.default.fileExists(atPath: blobPath(cacheDirectory, mapping.digest)) else { return nil }
        return mapping
    }

    private func blobPath(_ dir: String, _ digest: Digest) -> String { "\(dir)/blobs/sha256/\(digest.hex)" }
    private func mappingPath(_ dir: String, _ diffID: Digest) -> String { "\(dir)/gzip/\(diffID.hex).json" }
}
