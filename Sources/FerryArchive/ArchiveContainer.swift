#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Files addressed by path: the members of a tar (`TarIndex`) or the files below a directory
/// (`DirectoryContainer`). Image readers work on either, so an OCI layout reads the same way
/// unpacked or as a tar.
public protocol ArchiveContainer: Sendable {
    var origin: String { get }
    func contains(_ path: String) -> Bool
    func member(_ path: String) throws -> ByteRange
    /// Entries passed over, with the reason (shown with `--verbose`).
    var notes: [String] { get }
}

extension TarIndex: ArchiveContainer {
    public var notes: [String] { skipped }
}

/// The files below a directory. A path that leaves the directory, directly or through a symbolic
/// link, is refused.
public struct DirectoryContainer: ArchiveContainer {
    public let root: String
    public var origin: String { root }
    public var notes: [String] { [] }

    public init(root: String) throws {
        guard let real = realpath(root, nil) else {
            throw ArchiveError(.io, "cannot open directory \(root): \(String(cString: strerror(errno)))")
        }
        defer { free(real) }
        self.root = String(cString: real)
    }

    public func contains(_ path: String) -> Bool {
        (try? resolve(path)) != nil
    }

    public func member(_ path: String) throws -> ByteRange {
        let resolved = try resolve(path)
        let file = try RandomAccessFile(path: resolved)
        return ByteRange(file: file, offset: 0, length: file.size, origin: "\(root)/\(path)")
    }

    private func resolve(_ path: String) throws -> String {
        let clean = try TarIndex.normalise(path, origin: root)
        guard let real = realpath(root + "/" + clean, nil) else {
            throw ArchiveError(.missingEntry, "\(root) has no file '\(clean)'")
        }
        defer { free(real) }
        let resolved = String(cString: real)
        guard resolved.hasPrefix(root + "/") else {
            throw ArchiveError(.unsafeEntry, "\(root)/\(clean) leads outside \(root) through a symbolic link")
        }
        return resolved
    }
}
