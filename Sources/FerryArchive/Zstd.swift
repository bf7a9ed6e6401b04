import CZstd
import FerryCore

/// Streaming zstd decompression (also reads several concatenated frames), used to check a zstd
/// layer against its diff_id.
package final class ZstdDecompressor: ByteSink {
    private let stream: OpaquePointer
    private let next: any ByteSink
    private var output: [UInt8]
    private let origin: String
    /// 0 once a frame is complete; otherwise the input ended inside one.
    private var pending: Int = 0
    private var sawInput = false

    package init(writingTo next: any ByteSink, origin: String) throws {
        guard let stream = ZSTD_createDStream() else {
            throw ArchiveError(.corruptCompression, "cannot initialise the zstd decompressor")
        }
        self.stream = stream
        self.next = next
        self.origin = origin
        self.output = [UInt8](repeating: 0, count: Int(ZSTD_DStreamOutSize()))
        ZSTD_initDStream(stream)
    }

    deinit {
        ZSTD_freeDStream(stream)
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        sawInput = true
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            let capacity = output.count
            let (result, produced): (Int, Int) = output.withUnsafeMutableBytes { out in
                var buffer = ZSTD_outBuffer(dst: out.baseAddress, size: capacity, pos: 0)
                let result = ZSTD_decompressStream(stream, &buffer, &input)
                return (result, buffer.pos)
            }
            if ZSTD_isError(result) != 0 {
                let name = String(cString: ZSTD_getErrorName(result))
                throw ArchiveError(.corruptCompression, "\(origin): corrupt zstd data (\(name))",
                                   hint: "the layer is damaged; obtain a fresh copy of the archive")
            }
            pending = result
            if produced > 0 {
                try output.withUnsafeBytes { try next.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
        }
    }

    /// Fails when the input ended in the middle of a zstd frame.
    package func finish() throws {
        guard sawInput, pending == 0 else {
            throw ArchiveError(.corruptCompression, "\(origin): the zstd data ends early (truncated or corrupt)")
        }
    }
}
