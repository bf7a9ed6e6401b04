import NIOPosix

/// The one way Ferry runs blocking work (gzip of a whole layer, hashing a file, positioned reads)
/// from async code: on NIO's shared thread pool, so the cooperative pool that drives every
/// request and task is never held up by a disk or a CPU-bound loop.
package enum Blocking {
    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }
}
