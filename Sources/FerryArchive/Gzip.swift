import CZlib
import FerryCore

/// Streaming gzip compression with a fixed header (no name, mtime 0, OS "unknown"), so the same
/// input always gives the same bytes with a given zlib: layer digests stay stable across runs.
package final class GzipCompressor: ByteSink {
    private var stream = z_stream()
    private var header = gz_header()
    private let next: any ByteSink
    private var output: [UInt8]
    private var finished = false

    /// The zlib in use, as the layer cache records it for digests zlib made.
    package static var zlibVersion: String { String(cString: CZlib.zlibVersion()) }

    /// Level 1: layers are mostly already-dense data, and speed matters more than a few percent.
    package init(writingTo next: any ByteSink, level: Int32 = 1) throws {
        self.next = next
        self.output = [UInt8](repeating: 0, count: 1 << 18)
        guard ferry_deflateInit2(&stream, level, 15 + 16) == Z_OK else {
            throw ArchiveError(.corruptCompression, "cannot initialise the gzip compressor")
        }
        header.os = 255
        guard deflateSetHeader(&stream, &header) == Z_OK else {
            throw ArchiveError(.corruptCompression, "cannot set the gzip header")
        }
    }

    deinit {
        deflateEnd(&stream)
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        while stream.avail_in > 0 {
            try pump(flush: Z_NO_FLUSH)
        }
    }

    package func finish() throws {
        guard !finished else { return }
        finished = true
        stream.next_in = nil
        stream.avail_in = 0
        var status: Int32 = Z_OK
        while status != Z_STREAM_END {
            status = try pump(flush: Z_FINISH)
        }
    }

    @discardableResult
    private func pump(flush: Int32) throws -> Int32 {
        let capacity = output.count
        let (status, produced): (Int32, Int) = output.withUnsafeMutableBufferPointer { out in
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(capacity)
            let status = deflate(&stream, flush)
            return (status, capacity - Int(stream.avail_out))
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            throw ArchiveError(.corruptCompression, "gzip compression failed (zlib status \(status))")
        }
        if produced > 0 {
            try output.withUnsafeBytes { try next.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
        }
        return status
    }
}

/// Streaming gunzip (also reads several concatenated gzip members).
package final class GzipDecompressor: ByteSink {
    private var stream = z_stream()
    private let next: any ByteSink
    private var output: [UInt8]
    private var ended = false
    private let origin: String

    package init(writingTo next: any ByteSink, origin: String) throws {
        self.next = next
        self.origin = origin
        self.output = [UInt8](repeating: 0, count: 1 << 18)
        guard ferry_inflateInit2(&stream, 15 + 16) == Z_OK else {
            throw ArchiveError(.corruptCompression, "cannot initialise the gzip decompressor")
        }
    }

    deinit {
        inflateEnd(&stream)
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        while stream.avail_in > 0 {
            if ended {
                // Another member follows.
                guard inflateReset(&stream) == Z_OK else { throw corrupt(Z_STREAM_ERROR) }
                ended = false
            }
            let capacity = output.count
            let (status, produced): (Int32, Int) = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(capacity)
                let status = inflate(&stream, Z_NO_FLUSH)
                return (status, capacity - Int(stream.avail_out))
            }
            if produced > 0 {
                try output.withUnsafeBytes { try next.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            switch status {
            case Z_OK, Z_BUF_ERROR: break
            case Z_STREAM_END: ended = true
            default: throw corrupt(status)
            }
        }
    }

    /// Fails when the input ended in the middle of a gzip member.
    package func finish() throws {
        guard ended else {
            throw ArchiveError(.corruptCompression, "\(origin): the gzip data ends early (truncated or corrupt)")
        }
    }

    private func corrupt(_ status: Int32) -> ArchiveError {
        let detail = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        return ArchiveError(.corruptCompression, "\(origin): corrupt gzip data (\(detail))",
                            hint: "the layer is damaged; obtain a fresh copy of the archive")
    }
}

/// Compression detected from the first bytes of a blob, never from its name.
package enum Compression: String, Sendable {
    case none
    case gzip
    case zstd
    case bzip2
    case xz

    package static func detect(_ prefix: [UInt8]) -> Compression {
        if prefix.starts(with: [0x1f, 0x8b]) { return .gzip }
        if prefix.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if prefix.starts(with: [0x42, 0x5a, 0x68]) { return .bzip2 }
        if prefix.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        return .none
    }

    /// What a layer's media type says of its compression (a layer not at hand to sniff).
    package init(mediaType: String) {
        if mediaType.hasSuffix("gzip") { self = .gzip } else if mediaType.hasSuffix("zstd") { self = .zstd } else { self = .none }
    }
}
