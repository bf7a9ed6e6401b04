#if canImport(Glibc)
import Glibc
#endif
import FerryOCI
import Foundation
import Synchronization

/// Where blobs were last seen in one registry, kept across runs: every blob Ferry uploads, mounts
/// or finds by HEAD is remembered with its repository, so a later push into another repository of
/// the same registry mounts it from there instead of uploading it again (as skopeo's blob-info cache
/// does). One append-only file per registry in the cache directory: each record is one `write` of
/// one line with O_APPEND, which concurrent runs can share; a reader takes the last lines as the
/// newest. It is a hint only: a mount that the registry refuses falls back to an upload.
package final class BlobLocations: Sendable {
    package let path: String?
    private let known: Mutex<[Digest: [String]]>
    private let repositories: Mutex<Set<String>>

    /// Most candidates tried for one blob before uploading it.
    static let candidatesPerBlob = 3
    /// A file past this is rewritten without repeated lines when next loaded.
    static let compactAt = 4 << 20

    /// `cacheDirectory` nil: nothing is remembered (a dry run, or no cache).
    package init(cacheDirectory: String?, registry: String) {
        guard let cacheDirectory else {
            path = nil
            known = Mutex([:])
            repositories = Mutex([])
            return
        }
        let name = registry.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? String($0) : "_" }.joined()
        let path = cacheDirectory + "/blob-locations/" + name
        self.path = path
        let loaded = Self.load(path)
        known = Mutex(loaded)
        repositories = Mutex(Set(loaded.values.joined()))
    }

    /// Whether any run recorded a blob in `repository`.
    package func knows(repository: String) -> Bool {
        repositories.withLock { $0.contains(repository) }
    }

    /// Repositories other than `repository` that held `digest` most recently, newest first.
    package func candidates(for digest: Digest, excluding repository: String) -> [String] {
        known.withLock { known in
            Array((known[digest] ?? []).filter { $0 != repository }.prefix(Self.candidatesPerBlob))
        }
    }

    /// Remembers that `repository` holds each blob of `digests`.
    package func record(_ pairs: [(digest: Digest, repository: String)]) {
        guard let path, !pairs.isEmpty else { return }
        repositories.withLock { $0.formUnion(pairs.map(\.repository)) }
        known.withLock { known in
            for (digest, repository) in pairs {
                var list = known[digest] ?? []
                list.removeAll { $0 == repository }
                list.insert(repository, at: 0)
                known[digest] = list
            }
        }
        let text = pairs.map { "\($0.digest.hex) \($0.repository)\n" }.joined()
        Self.append(text, to: path)
    }

    static func append(_ text: String, to path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        // Whole lines at once, so records of concurrent runs never interleave within a line.
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads the file: later lines are newer. A malformed line (a torn write) is skipped.
    static func load(_ path: String) -> [Digest: [String]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        var known: [Digest: [String]] = [:]
        var lines = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            lines += 1
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, let digest = try? Digest(parsing: "sha256:" + parts[0]) else { continue }
            var list = known[digest] ?? []
            list.removeAll { $0 == parts[1] }
            list.insert(String(parts[1]), at: 0)
            known[digest] = list
        }
        if data.count > compactAt { compact(known, path: path) }
        return known
    }

    /// Rewrites the file with one line per blob and repository (the newest last), replacing it atomically.
    static func compact(_ known: [Digest: [String]], path: String) {
        let text = known.flatMap { digest, repositories in repositories.reversed().map { "\(digest.hex) \($0)\n" } }.joined()
        let temporary = path + ".compact-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }
}
