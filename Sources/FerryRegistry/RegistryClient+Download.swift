#if canImport(Glibc)
import Glibc
#endif
import FerryCore
import FerryOCI
import Foundation
import NIOCore
import Synchronization

extension RegistryClient {
    /// Downloads a blob to `path` without holding it in memory: the bytes go to `<path>.partial`
    /// as they arrive and are hashed on the way; the file takes its name only when size and digest
    /// match (after an fsync). An interrupted download resumes where it stopped (`Range`), in a
    /// retry of this run or in the next run; a registry that ignores the range starts it over.
    /// `durable` false skips the fsync: for a cache whose files are checked again before use.
    package func downloadBlob(_ digest: Digest, size: Int64, from repository: String, to path: String, durable: Bool = true,
                              onBytes: @escaping @Sendable (Int) -> Void = { _ in },
                              onRetry: @escaping @Sendable (Int, RegistryError, Duration) -> Void = { _, _, _ in }) async throws {
        if let info = try? FileManager.default.attributesOfItem(atPath: path), (info[.size] as? Int64) == size { return }
        let url = "\(baseURL)/v2/\(repository)/blobs/\(digest)"
        let context = "downloading blob \(digest.short) from \(host)/\(repository)"
        let scopes = self.scopes(repository, .pull)
        // Another Ferry process fetching the same blob into the same store: one at a time.
        try await FileLock.withLock(path + ".partial", timeout: .seconds(3600)) {
            if let info = try? FileManager.default.attributesOfItem(atPath: path), (info[.size] as? Int64) == size { return }
            try await download(digest, size: size, url: url, scopes: scopes, context: context, to: path, durable: durable,
                               onBytes: onBytes, onRetry: onRetry)
        }
    }

    private func download(_ digest: Digest, size: Int64, url: String, scopes: [String], context: String, to path: String,
                          durable: Bool, onBytes: @escaping @Sendable (Int) -> Void,
                          onRetry: @escaping @Sendable (Int, RegistryError, Duration) -> Void) async throws {
        let partial = try PartialDownload(path: path + ".partial", expected: size, context: context)
        defer { partial.close() }
        try await retry.run(onRetry: onRetry) {
            let offset = partial.count
            if offset == size { return }
            var request = Request(method: .GET, url: url)
            if offset > 0 { request.headers.append(("Range", "bytes=\(offset)-")) }
            request.consumer = { status, chunk in
                try partial.append(chunk, status: status, rangeAsked: offset > 0)
                onBytes(chunk.readableBytes)
            }
            let response = try await self.send(request, scopes: scopes, context: context)
            // 416: everything asked for is already here (the previous attempt got the last byte).
            guard response.status == 200 || response.status == 206 || (response.status == 416 && partial.count == size) else {
                throw try await self.error(from: response, context: context, scopes: scopes)
            }
            guard partial.count == size else {
                // Short without a transport error: a proxy cut the body; the next attempt resumes.
                var short = RegistryError(.server, "\(context): \(self.host) sent \(partial.count) of \(size) bytes")
                short.status = 503
                throw short
            }
        }
        try partial.finish(as: path, digest: digest, durable: durable)
    }
}

/// The file a download grows, with the hash of what it holds so far. Chunks arrive one at a time
/// from one request; the lock only makes that visible to the compiler.
final class PartialDownload: Sendable {
    private struct State {
        var descriptor: Int32
        var count: Int64
        var hasher = DigestHasher()
        /// Set when an answer to a range request turned out to be the whole blob.
        var restarted = false
    }

    private let state: Mutex<State>
    let path: String
    let expected: Int64
    let context: String

    init(path: String, expected: Int64, context: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RegistryError(.server, "\(context): cannot write \(path): \(String(cString: strerror(errno)))")
        }
        var hasher = DigestHasher()
        var count: Int64 = 0
        // What an earlier run left: hashed again (the hash is not saved), kept if not too long.
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard got > 0 else { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            count += Int64(got)
        }
        if count > expected {
            _ = ftruncate(fd, 0)
            _ = lseek(fd, 0, SEEK_SET)
            (count, hasher) = (0, DigestHasher())
        }
        self.state = Mutex(State(descriptor: fd, count: count, hasher: hasher))
        self.path = path
        self.expected = expected
        self.context = context
    }

    var count: Int64 { state.withLock { $0.count } }

    func append(_ chunk: ByteBuffer, status: Int, rangeAsked: Bool) throws {
        try state.withLock { state in
            if status == 200 && rangeAsked && !state.restarted {
                // The registry ignored the range: the body is the whole blob again.
                _ = ftruncate(state.descriptor, 0)
                _ = lseek(state.descriptor, 0, SEEK_SET)
                (state.count, state.hasher, state.restarted) = (0, DigestHasher(), true)
            }
            guard state.count + Int64(chunk.readableBytes) <= expected else {
                throw RegistryError(.digestInvalid, "\(context): the registry sent more than the \(expected) bytes the manifest gives")
            }
            try chunk.withUnsafeReadableBytes { bytes in
                var done = 0
                while done < bytes.count {
                    let wrote = write(state.descriptor, bytes.baseAddress! + done, bytes.count - done)
                    if wrote < 0 {
                        if errno == EINTR { continue }
                        throw RegistryError(.server, "\(context): cannot write \(path): \(String(cString: strerror(errno)))")
                    }
                    done += wrote
                }
                state.hasher.update(bytes)
            }
            state.count += Int64(chunk.readableBytes)
        }
    }

    /// Checks the digest, flushes (when `durable`) and renames into place; a mismatch removes the file.
    func finish(as final: String, digest: Digest, durable: Bool) throws {
        try state.withLock { state in
            let got = state.hasher.finalize()
            guard got == digest else {
                unlink(path)
                throw RegistryError(.digestInvalid, "\(context): the bytes served hash to \(got), not \(digest)")
            }
            guard !durable || fsync(state.descriptor) == 0, rename(path, final) == 0 else {
                throw RegistryError(.server, "\(context): cannot write \(final): \(String(cString: strerror(errno)))")
            }
        }
    }

    func close() {
        state.withLock { state in
            if state.descriptor >= 0 { _ = Glibc.close(state.descriptor) }
            state.descriptor = -1
        }
    }
}
