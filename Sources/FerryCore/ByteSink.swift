import CSpawn
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Somewhere bytes are written in order: a file, a compressor, a hash.
package protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    package func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// Writes to a new file that appears under its final name only when `commit()` is called, so a
/// crash or an error never leaves a half-written file where a complete one is expected.
package final class AtomicFileSink: ByteSink {
    package let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    package private(set) var count: Int64 = 0
    /// False for caches whose content is checked when read: no fsync, so writing costs a copy.
    private let durable: Bool

    package init(path: String, mode: mode_t = 0o644, durable: Bool = true) throws {
        self.path = path
        self.durable = durable
        self.temporaryPath = path + ".ferry-partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw CoreError(.io, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))", cause: SystemError(errno))
        }
        self.descriptor = fd
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure = writeAll(descriptor, bytes) {
            throw CoreError(.io, "cannot write \(path): \(String(cString: strerror(failure)))", cause: SystemError(failure))
        }
        count += Int64(bytes.count)
    }

    /// Flushes to disk and renames into place.
    package func commit() throws {
        guard !durable || fsync(descriptor) == 0, close(descriptor) == 0 else {
            let failure = errno
            descriptor = -1
            unlink(temporaryPath)
            throw CoreError(.io, "cannot write \(path): \(String(cString: strerror(failure)))", cause: SystemError(failure))
        }
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else {
            let failure = errno
            unlink(temporaryPath)
            throw CoreError(.io, "cannot move \(temporaryPath) to \(path): \(String(cString: strerror(failure)))", cause: SystemError(failure))
        }
    }
}

/// A sink that is a file: bytes of another file go into it by the kernel (`copy_file_range`),
/// never through this process's memory.
package protocol FileCopyingSink: ByteSink {
    /// Appends `count` bytes of the file `source` from `offset`; false when the kernel cannot copy
    /// between these files (another file system), so the caller writes the bytes itself.
    func copy(from source: Int32, offset: Int64, count: Int64) throws -> Bool
}

extension AtomicFileSink: FileCopyingSink {
    package func copy(from source: Int32, offset: Int64, count: Int64) throws -> Bool {
        var input = Int64(offset)
        var left = count
        while left > 0 {
            let copied = ferry_copy_file_range(source, &input, descriptor, Int(min(left, 1 << 30)))
            if copied < 0 {
                let failure = errno
                if failure == EINTR { continue }
                if left == count && [EXDEV, ENOSYS, EINVAL, EOPNOTSUPP].contains(failure) { return false }
                throw CoreError(.io, "cannot write \(path): \(String(cString: strerror(failure)))", cause: SystemError(failure))
            }
            if copied == 0 { throw CoreError(.io, "cannot write \(path): its source ended \(left) bytes early") }
            left -= Int64(copied)
        }
        self.count += count
        return true
    }
}

/// Collects bytes in memory (small documents only).
package final class MemorySink: ByteSink {
    package private(set) var bytes: [UInt8] = []
    package init() {}
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    /// Forgets what was collected, keeping the storage for the next bytes.
    package func reset() {
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Writes to a file descriptor (a pipe), reporting a reader that went away as `BrokenPipe`.
package final class DescriptorSink: ByteSink {
    package struct BrokenPipe: Error {}
    package let descriptor: Int32

    package init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let failure = writeAll(descriptor, bytes) else { return }
        if failure == EPIPE { throw BrokenPipe() }
        throw CoreError(.process, "writing to the program's input failed: \(String(cString: strerror(failure)))", cause: SystemError(failure))
    }
}

/// Writes every byte to `descriptor`, retrying interrupted and short writes; the `errno` of a
/// failure, or nil.
package func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var done = 0
    while done < bytes.count {
        let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        if n == 0 { return EIO }
        done += n
    }
    return nil
}
