import Logging
import Synchronization

/// When a request last moved a byte, either way. A request whose watch sees no progress for the
/// idle timeout has stalled (a registry that stopped reading the body, or never answers): it is
/// abandoned as a connection failure, which the retry loop tries again.
final class ProgressWatch: Sendable {
    private let last = Atomic<Int64>(0)
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init() {
        origin = clock.now
    }

    private var elapsed: Int64 {
        let duration = clock.now - origin
        return duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// A byte went out or came in.
    func touch() {
        last.store(elapsed, ordering: .relaxed)
    }

    /// How long nothing has moved.
    var idle: Duration {
        .nanoseconds(elapsed - last.load(ordering: .relaxed))
    }

    /// Returns when the watch has been idle for `timeout`, saying so in the log as the wait goes on;
    /// cancelled (and throwing) when the request finishes first.
    func waitForStall(_ timeout: Duration, what: String, logger: Logger) async throws {
        let step = min(timeout / 4, .seconds(5))
        var reported = Duration.zero
        while true {
            try await Task.sleep(for: step)
            let idle = self.idle
            if idle >= timeout { return }
            if idle >= reported + .seconds(15) {
                reported = idle
                logger.info("still waiting on \(what): nothing sent or received for \(Int(idle.components.seconds)) s")
            }
            if idle < .seconds(15) { reported = .zero }
        }
    }
}
