#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FerryCore
import Foundation

/// An open file read with positioned reads, so any number of tasks can read ranges of it at once
/// without sharing a file offset. Only regular files are opened: a FIFO, socket or device where a
/// file is expected would block a read (or `open` itself) forever, or never end.
package final class RandomAccessFile: Sendable {
    package let path: String
    package let size: Int64
    private let descriptor: Int32

    package init(path: String) throws {
        // Look first, so a device or FIFO is not even opened (opening some devices has effects) ...
        if let what = FileKind.problem(at: path) {
            throw ArchiveError(.io, "\(path) \(what)")
        }
        // ... and open without blocking anyway: the path may have been replaced since. O_NONBLOCK
        // makes open(2) return at once on a FIFO with no writer; fstat then names what it is.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            if let what = FileKind.problem(at: path) { throw ArchiveError(.io, "\(path) \(what)") }
            throw ArchiveError(.io, "cannot open \(path): \(reason)")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ArchiveError(.io, "cannot stat \(path): \(reason)")
        }
        if let what = FileKind.problem(mode: info.st_mode) {
            close(fd)
            throw ArchiveError(.io, "\(path) \(what)")
        }
        // A regular file: reads never block on it, but clear the flag so they behave as usual.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        self.path = path
        self.descriptor = fd
        self.size = Int64(info.st_size)
    }

    deinit {
        close(descriptor)
    }

    /// Appends `count` bytes from `offset` to `sink` by the kernel; false when it cannot.
    package func copy(into sink: any FileCopyingSink, offset: Int64, count: Int64) throws -> Bool {
        try sink.copy(from: descriptor, offset: offset, count: count)
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`; a short read means the file ended.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0 else {
            throw ArchiveError(.io, "cannot read \(path) at offset \(offset): the offset is negative")
        }
        var done = 0
        while done < buffer.count {
            let (position, overflow) = offset.addingReportingOverflow(Int64(done))
            if overflow { break }  // past any file's end
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw ArchiveError(.io, "cannot read \(path) at offset \(offset): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    package func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        if n < count { bytes.removeLast(count - n) }
        return bytes
    }
}

/// What a path is when it is not a regular file, in words for messages.
enum FileKind {
    /// Nil for a regular file (after following symbolic links) or a path that cannot be examined
    /// (opening it then reports why); else e.g. "is a FIFO (named pipe), not a regular file".
    static func problem(at path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let failure = errno
            var link = stat()
            if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
                return failure == ELOOP ? "is a symbolic link that loops, not a regular file"
                                      : "is a symbolic link to \(target(path)), which does not exist"
            }
            return nil
        }
        guard let what = problem(mode: info.st_mode) else { return nil }
        var link = stat()
        if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
            return "is a symbolic link to \(target(path)), which \(what)"
        }
        return what
    }

    static func problem(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory, not a file"
        case S_IFIFO: return "is a FIFO (named pipe), not a regular file"
        case S_IFSOCK: return "is a socket, not a regular file"
        case S_IFCHR: return "is a character device, not a regular file"
        case S_IFBLK: return "is a block device, not a regular file"
        default: return "is not a regular file"
        }
    }

    /// The target of the symbolic link at `path`, quoted.
    static func target(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n >= 0 else { return "something" }
        return "'" + String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "'"
    }
}
