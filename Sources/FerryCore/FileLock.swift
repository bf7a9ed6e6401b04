#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a file or a directory (`flock`): Ferry processes that take the lock on the
/// same path run their critical sections one at a time (two syncs merging one LOCAL `index.yaml`,
/// say). A lock file is created if missing and left in place; the kernel drops the lock if the
/// process dies.
package enum FileLock {
    /// Runs `body` holding the lock on `path`, waiting up to `timeout` for another holder to finish.
    package static func withLock<T>(_ path: String, timeout: Duration = .seconds(120),
                                   isolation: isolated (any Actor)? = #isolation,
                                   _ body: () async throws -> T) async throws -> T {
        let descriptor = try open(path)
        defer { close(descriptor) }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw CoreError(.io, "cannot lock \(path): \(String(cString: strerror(errno)))", cause: SystemError(errno))
            }
            guard ContinuousClock.now < deadline else {
                throw CoreError(.locked, "\(path) is locked by another Ferry process (waited \(timeout)); try again when it has finished")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        defer { flock(descriptor, LOCK_UN) }
        return try await body()
    }

    /// Whether another process holds the lock on `path` now (for messages and tests).
    package static func isHeld(_ path: String) throws -> Bool {
        let descriptor = try open(path)
        defer { close(descriptor) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }

    /// A shared hold on a directory that several Ferry processes work in at once (a staging
    /// directory of fetched blobs): each holds it while it works; the last one out may remove it.
    package final class Shared: @unchecked Sendable {
        private let descriptor: Int32

        package init(_ path: String) throws {
            descriptor = try FileLock.open(path)
            guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else {
                // Only a process removing the directory holds it exclusively, and not for long.
                close(descriptor)
                throw CoreError(.locked, "\(path) is being removed by another Ferry process; try again")
            }
        }

        /// True when no other process holds the directory: the caller may remove it.
        package func isAlone() -> Bool {
            flock(descriptor, LOCK_EX | LOCK_NB) == 0
        }

        deinit {
            close(descriptor)
        }
    }

    /// A directory is locked as it is (nothing is created in it); another path is a lock file,
    /// created when missing.
    static func open(_ path: String) throws -> Int32 {
        var descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor < 0 { descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else {
            throw CoreError(.io, "cannot open the lock file \(path): \(String(cString: strerror(errno)))", cause: SystemError(errno))
        }
        return descriptor
    }
}
