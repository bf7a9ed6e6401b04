import CIsal
import FerryCore

/// Streaming gunzip through ISA-L's igzip, for `verify`: inflate and the CRC check run at several
/// times zlib's speed, which matters when every layer of a bundle is decompressed to be hashed.
/// Reads concatenated members as `GzipDecompressor` does, and fails on the same damage: a bad
/// block, a wrong CRC or length in a trailer, or input that ends inside a member.
package final class IsalGzipDecompressor: ByteSink {
    private let state: UnsafeMutablePointer<inflate_state>
    private let next: any ByteSink
    private let output: UnsafeMutableRawBufferPointer
    private let origin: String

    package init(writingTo next: any ByteSink, origin: String) {
        self.next = next
        self.origin = origin
        output = .allocate(byteCount: 1 << 18, alignment: 64)
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit {
        state.deallocate()
        output.deallocate()
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            // avail_in is 32 bits: feed large buffers in slices.
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(bytes.count, offset + (1 << 30))])
            state.pointee.next_in = UnsafeMutablePointer(mutating: slice.baseAddress!.assumingMemoryBound(to: UInt8.self))
            state.pointee.avail_in = UInt32(slice.count)
            try drain()
            offset += slice.count
        }
    }

    /// Inflates until the input is used up and nothing more is pending for the output.
    private func drain() throws {
        while true {
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                guard state.pointee.avail_in > 0 else { return }
                // Another member follows.
                let (input, count) = (state.pointee.next_in, state.pointee.avail_in)
                isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(ISAL_GZIP)
                state.pointee.next_in = input
                state.pointee.avail_in = count
            }
            let (before, written) = (state.pointee.avail_in, state.pointee.total_out)
            let outputFilled = try pump()
            guard state.pointee.block_state != ISAL_BLOCK_FINISH else { continue }
            if !outputFilled && state.pointee.avail_in == 0 { return }
            if state.pointee.avail_in == before && state.pointee.total_out == written {
                throw corrupt(ISAL_INVALID_BLOCK)  // no progress: never loop on hostile input
            }
        }
    }

    /// Fails when the input ended in the middle of a gzip member (or held none).
    package func finish() throws {
        guard state.pointee.block_state == ISAL_BLOCK_FINISH else {
            throw ArchiveError(.corruptCompression, "\(origin): the gzip data ends early (truncated or corrupt)")
        }
    }

    /// One call of the inflater into the output buffer; true when it filled the buffer (more may follow).
    private func pump() throws -> Bool {
        state.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(output.count)
        let status = isal_inflate(state)
        let produced = output.count - Int(state.pointee.avail_out)
        guard status >= 0 else { throw corrupt(status) }
        if produced > 0 { try next.write(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
        return state.pointee.avail_out == 0
    }

    private func corrupt(_ status: Int32) -> ArchiveError {
        let detail: String
        switch status {
        case ISAL_INCORRECT_CHECKSUM: detail = "the trailer's CRC or length does not match the data"
        case ISAL_INVALID_WRAPPER, ISAL_UNSUPPORTED_METHOD: detail = "invalid gzip header"
        default: detail = "invalid deflate data, ISA-L status \(status)"
        }
        return ArchiveError(.corruptCompression, "\(origin): corrupt gzip data (\(detail))",
                            hint: "the layer is damaged; obtain a fresh copy of the archive")
    }
}
