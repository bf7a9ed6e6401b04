import Foundation

/// Retries with jittered exponential backoff, budgeted by time: a transient failure (a connection
/// lost or refused, 408, 429, 500, 502, 503, 504) is tried again until `budget` has passed since the
/// first attempt (or `attempts` were made), so a registry that restarts or is down for a while is
/// waited out. `Retry-After` is honoured as asked, within the budget.
package struct RetryPolicy: Sendable {
    package var attempts: Int
    /// How long one operation may keep retrying, from its first attempt (`--retry-for`).
    package var budget: Duration
    package var baseDelay: Duration
    /// The longest pause backoff alone chooses; a `Retry-After` may ask for longer.
    package var maximumDelay: Duration
    /// An attempt that sends and receives nothing for this long has stalled: it is abandoned and
    /// retried (`--timeout`).
    package var idleTimeout: Duration

    package init(attempts: Int = 1000, budget: Duration = .seconds(120), baseDelay: Duration = .milliseconds(250),
                 maximumDelay: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)) {
        self.attempts = max(1, attempts)
        self.budget = budget
        self.idleTimeout = idleTimeout
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The pause before attempt `attempt + 1` (attempts count from 1).
    package func delay(after attempt: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return max(retryAfter, .zero) }
        let exponential = baseDelay * (1 << min(attempt - 1, 16))
        let jittered = exponential * Double.random(in: 0.8...1.2)
        return min(jittered, maximumDelay)
    }

    /// Runs `body`, retrying transient registry errors within the budget. `onRetry` hears each
    /// failure with the pause that follows it.
    /// `connectionAttempts` limits retries of a registry that cannot be reached at all (a first
    /// contact: a wrong host name should fail in seconds, not after the whole budget).
    package func run<T: Sendable>(connectionAttempts: Int? = nil,
                                 onRetry: @Sendable (Int, RegistryError, Duration) -> Void = { _, _, _ in },
                                 _ body: @Sendable () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as RegistryError where error.isTransient && attempt < attempts
                        && !((error.code == .unreachable || error.code == .stalled) && attempt >= connectionAttempts ?? .max) {
                let pause = delay(after: attempt, retryAfter: error.retryAfter)
                guard ContinuousClock.now - started + pause <= budget else { throw error }
                onRetry(attempt, error, pause)
                try await Task.sleep(for: pause)
                attempt += 1
            }
        }
    }

    /// `Retry-After` as seconds (`120`) or as an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`).
    package static func retryAfter(_ header: String, now: Date = Date()) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
            }
        }
        return nil
    }
}

extension RegistryError {
    /// The pause the server asked for (429/503 `Retry-After`).
    package var retryAfter: Duration? {
        retryAfterSeconds.map { .seconds($0) }
    }

    /// Statuses that say "try again": the request may succeed as it is.
    package static let transientStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]
}
