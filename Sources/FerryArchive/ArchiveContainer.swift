#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Files addressed by path: the members of a tar (`TarIndex`) or the files below a directory
/// (`DirectoryContainer`). Image readers work on either, so an OCI layout reads the same way
/// unpacked or as a tar.
package protocol ArchiveContainer: Sendable {
    var origin: String { get }
    func contains(_ path: String) -> Bool
    func member(_ path: String) throws -> ByteRange
    /// Entries passed over, with the reason (shown with `--verbose`).
    var notes: [String] { get }
}

extension TarIndex: ArchiveContainer {
    package var notes: [String] { skipped }
}

/// The files below a directory. A path that leaves the directory, directly or through a symbolic
/// link, is refused.
package struct DirectoryContainer: ArchiveContainer {
    package let root: String
    package var origin: String { root }
    package var notes: [String] { [] }

    package init(root: String) throws {
        guard let real = realpath(root, nil) else {
            throw ArchiveError(.io, "cannot open directory \(root): \(String(cString: strerror(errno)))")
        }
        defer { free(real) }
        self.root = String(cString: real)
    }

    /// True when something is at `path`, whatever it is: a symbolic link that leaves the directory
    /// or leads nowhere is "there", and `member` then says what is wrong with it, so it is never
    /// reported as missing.
    package func contains(_ path: String) -> Bool {
        guard let clean = try? TarIndex.normalise(path, origin: root) else { return false }
        var info = stat()
        return lstat(root + "/" + clean, &info) == 0
    }

    package func member(_ path: String) throws -> ByteRange {
        let clean = try TarIndex.normalise(path, origin: root)
        let resolved = try resolve(clean)
        let origin = "\(root)/\(clean)"
        var link = stat()
        let viaLink = lstat(origin, &link) == 0 && (link.st_mode & S_IFMT) == S_IFLNK
        var info = stat()
        if stat(resolved, &info) == 0, let what = FileKind.problem(mode: info.st_mode) {
            let subject = viaLink ? "\(origin) is a symbolic link to \(FileKind.target(origin)), which" : origin
            let code: ArchiveError.Code = (info.st_mode & S_IFMT) == S_IFDIR ? .invalidImage : .unsafeEntry
            throw ArchiveError(code, "\(subject) \(what)", hint: code == .unsafeEntry ? "Ferry reads only regular files" : nil)
        }
        let file = try RandomAccessFile(path: resolved)
        return ByteRange(file: file, offset: 0, length: file.size, origin: origin)
    }

    private func resolve(_ clean: String) throws -> String {
        let full = root + "/" + clean
        guard let real = realpath(full, nil) else {
            let failure = errno
            var info = stat()
            guard lstat(full, &info) == 0 else {
                throw ArchiveError(.missingEntry, "\(root) has no file '\(clean)'")
            }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                if failure == ELOOP {
                    throw ArchiveError(.unsafeEntry, "\(full) is a symbolic link that loops")
                }
                throw ArchiveError(.invalidImage, "\(full) is a symbolic link to \(FileKind.target(full)), which does not exist",
                                   hint: "the layout is incomplete or was copied without the files its links point to")
            }
            throw ArchiveError(.io, "cannot open \(full): \(String(cString: strerror(failure)))")
        }
        defer { free(real) }
        let resolved = String(cString: real)
        guard resolved.hasPrefix(root + "/") else {
            throw ArchiveError(.unsafeEntry, "\(full) leads outside \(root) through a symbolic link")
        }
        return resolved
    }
}
