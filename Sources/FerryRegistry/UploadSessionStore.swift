import FerryCore
import FerryOCI
import Foundation

/// Where a chunked upload stands, kept on disk so the next attempt, or the next run after a crash
/// or a kill, continues it instead of sending the blob again: the session's latest location and the
/// offset the registry acknowledged. One small JSON file per registry, repository and blob.
package struct UploadSessionStore: Sendable {
    package struct Session: Codable, Sendable, Equatable {
        /// The absolute URL of the session, as the registry last gave it (it may carry state).
        package var location: String
        /// Bytes the registry has acknowledged.
        package var offset: Int64
    }

    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    func path(host: String, repository: String, digest: Digest) -> String {
        let safe = { (text: String) in String(text.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }) }
        return "\(directory)/\(safe(host))/\(safe(repository))/\(digest.hex).json"
    }

    package func load(host: String, repository: String, digest: Digest) -> Session? {
        guard let data = FileManager.default.contents(atPath: path(host: host, repository: repository, digest: digest)) else { return nil }
        return try? JSONDecoder().decode(Session.self, from: data)
    }

    /// Saved atomically: a kill leaves the previous state or the new one, never half of one.
    package func save(_ session: Session, host: String, repository: String, digest: Digest) {
        let file = path(host: host, repository: repository, digest: digest)
        do {
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let sink = try AtomicFileSink(path: file, mode: 0o600)
            try sink.write(Array(try JSONEncoder().encode(session)))
            try sink.commit()
        } catch {
            // Resuming is an optimisation: an upload whose state cannot be kept still finishes.
        }
    }

    package func remove(host: String, repository: String, digest: Digest) {
        try? FileManager.default.removeItem(atPath: path(host: host, repository: repository, digest: digest))
    }
}
