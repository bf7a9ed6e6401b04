import Foundation
import NIOPosix

/// The one way Ferry runs blocking work from async code, in two forms:
/// - `run`: bounded work (gzip of a whole layer, hashing, positioned reads) on NIO's shared thread
///   pool, so the cooperative pool that drives every request and task is never held up by a disk
///   or a CPU-bound loop;
/// - `waiting`: work that waits on something outside Ferry for as long as it takes (a child
///   process on each node), on a thread of its own, so waits never use up the pool's few threads
///   (two on a two-core machine) and block the reads queued behind them.
package enum Blocking {
    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    package static func waiting<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }
}
