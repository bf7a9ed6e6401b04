#if canImport(Glibc)
import Glibc
#endif
import FerryCore
import Foundation

/// Writes members of an archive into a new directory. Only regular files and directories are
/// written; links and devices are passed over (and reported). Member names were already checked
/// (no absolute paths, no `..`), the directory must not exist beforehand, and no link is ever
/// created, so nothing can land outside it.
public enum TarExtractor {
    /// Extracts the members below `prefix` (all when empty) into `directory`, which is created.
    /// Returns notes on what was passed over.
    @discardableResult
    public static func extract(_ index: TarIndex, prefix: String = "", to directory: String) throws -> [String] {
        guard !FileManager.default.fileExists(atPath: directory) else {
            throw ArchiveError(.io, "\(directory) already exists; extraction needs a new directory")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let items: [(relative: String, entry: TarEntry)] = prefix.isEmpty
            ? index.entries.map { ($0.path, $0) }
            : index.members(under: prefix)
        var notes: [String] = []
        for item in items where !item.relative.isEmpty {
            let target = directory + "/" + item.relative
            switch item.entry.kind {
            case .directory:
                try makeDirectories(directory, item.relative)
            case .file:
                let parent = (item.relative as NSString).deletingLastPathComponent
                if !parent.isEmpty { try makeDirectories(directory, parent) }
                let sink = try AtomicFileSink(path: target)
                try index.member(item.entry.path).forEachChunk { try sink.write($0) }
                try sink.commit()
            case .symlink, .hardlink, .special:
                notes.append("\(index.origin): '\(item.entry.path)' is not a regular file; not extracted")
            }
        }
        return notes
    }

    /// Creates each directory of `relative` below `root`, refusing any that exists as something else.
    private static func makeDirectories(_ root: String, _ relative: String) throws {
        var path = root
        for part in relative.split(separator: "/") {
            path += "/" + part
            var info = stat()
            if lstat(path, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw ArchiveError(.unsafeEntry, "\(path) exists and is not a directory; refusing to write through it")
                }
                continue
            }
            guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
                throw ArchiveError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
