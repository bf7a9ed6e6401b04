#if canImport(Glibc)
import Glibc
#endif
import FerryArchive
import FerryOCI
import Foundation

/// Blobs as files named by digest below a directory (`<root>/sha256/<hex>`). A file appears only
/// once its bytes are checked; a rerun finds what an interrupted run already fetched, and checks
/// it again before use (the store is a cache: its files are not flushed to disk).
package struct BlobStore: Sendable {
    package let root: String

    package init(root: String) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(atPath: root + "/sha256", withIntermediateDirectories: true)
        } catch {
            throw SyncError(.failed, "cannot create \(root)/sha256: \(error.localizedDescription)")
        }
    }

    package func path(_ digest: Digest) -> String { "\(root)/sha256/\(digest.hex)" }

    package func has(_ digest: Digest, size: Int64) -> Bool {
        var info = stat()
        return stat(path(digest), &info) == 0 && Int64(info.st_size) == size
    }

    /// Stores bytes already in memory (a config fetched to learn its platform).
    package func write(_ bytes: [UInt8], as digest: Digest) throws {
        guard !has(digest, size: Int64(bytes.count)) else { return }
        guard Digest.of(bytes) == digest else { throw SyncError(.failed, "blob \(digest) does not match its bytes") }
        let temporary = path(digest) + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)), rename(temporary, path(digest)) == 0 else {
            throw SyncError(.failed, "cannot write \(path(digest))")
        }
    }

    /// True when the file holds exactly `digest` (a file an earlier run left: files are not
    /// flushed to disk, so one that a crash left the right size but not the right bytes is caught
    /// here); a file that does not is removed.
    package func verify(_ digest: Digest) throws -> Bool {
        let file = try RandomAccessFile(path: path(digest))
        let hash = DigestingSink()
        try ByteRange(wholeFile: file).forEachChunk { try hash.write($0) }
        if hash.digest == digest { return true }
        unlink(path(digest))
        return false
    }

    /// The stored blob, ready to be read by range.
    package func blob(_ digest: Digest, size: Int64) throws -> ArchivedBlob {
        let file = try RandomAccessFile(path: path(digest))
        guard file.size == size else {
            throw SyncError(.failed, "\(path(digest)) holds \(file.size) bytes, not the \(size) its manifest gives")
        }
        return ArchivedBlob(digest: digest, size: size, source: .stored(ByteRange(wholeFile: file)))
    }
}
