import NIOCore
import Synchronization

/// A bounded hand-over of byte chunks from one producer task to one consumer: `send` waits while
/// `limit` chunks are waiting, so a fast source never runs ahead of a slow destination by more
/// than that (memory stays flat when a blob goes from one registry to another).
final class ChunkChannel: Sendable {
    private struct State {
        var buffer: [ByteBuffer] = []
        var finished = false
        var failure: (any Error)?
        var consumer: CheckedContinuation<ByteBuffer?, any Error>?
        var producer: CheckedContinuation<Void, any Error>?
        var cancelled = false
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int = 4) {
        self.limit = limit
    }

    /// Hands a chunk over, waiting for room; throws `CancellationError` once the consumer has gone.
    func send(_ chunk: ByteBuffer) async throws {
        // A cancelled producer (its request abandoned) must not wait for room for ever.
        try await withTaskCancellationHandler {
            try await waitToSend(chunk)
        } onCancel: {
            cancel()
        }
    }

    private func waitToSend(_ chunk: ByteBuffer) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let action: () -> Void = state.withLock { state in
                if state.cancelled { return { continuation.resume(throwing: CancellationError()) } }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return { consumer.resume(returning: chunk); continuation.resume() }
                }
                state.buffer.append(chunk)
                if state.buffer.count < limit { return { continuation.resume() } }
                state.producer = continuation
                return {}
            }
            action()
        }
    }

    /// Ends the stream: normally, or with the producer's error.
    func finish(throwing error: (any Error)? = nil) {
        let consumer: CheckedContinuation<ByteBuffer?, any Error>? = state.withLock { state in
            state.finished = true
            state.failure = error
            defer { state.consumer = nil }
            return state.buffer.isEmpty ? state.consumer : nil
        }
        if let error { consumer?.resume(throwing: error) } else { consumer?.resume(returning: nil) }
    }

    /// The next chunk, nil at the end.
    func next() async throws -> ByteBuffer? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
            let action: () -> Void = state.withLock { state in
                if !state.buffer.isEmpty {
                    let chunk = state.buffer.removeFirst()
                    let producer = state.producer
                    state.producer = nil
                    return { producer?.resume(); continuation.resume(returning: chunk) }
                }
                if state.finished {
                    let failure = state.failure
                    return { if let failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: nil) } }
                }
                state.consumer = continuation
                return {}
            }
            action()
        }
    }

    /// The consumer stopped reading: the producer's next `send` fails.
    func cancel() {
        let producer: CheckedContinuation<Void, any Error>? = state.withLock { state in
            state.cancelled = true
            state.buffer.removeAll()
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume(throwing: CancellationError())
    }
}
