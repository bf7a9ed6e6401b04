/// Bounded retries with exponential backoff and jitter; `Retry-After` is honoured up to a cap.
package struct RetryPolicy: Sendable {
    package var attempts: Int
    package var baseDelay: Duration
    package var maximumDelay: Duration

    package init(attempts: Int = 5, baseDelay: Duration = .milliseconds(250), maximumDelay: Duration = .seconds(30)) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }


    /// The pause before attempt `attempt + 1` (attempts count from 1).
    package func delay(after attempt: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(retryAfter, maximumDelay) }
        let exponential = baseDelay * (1 << min(attempt - 1, 16))
        let jittered = exponential * Double.random(in: 0.8...1.2)
        return min(jittered, maximumDelay)
    }

    /// Runs `body`, retrying transient registry errors.
    package func run<T: Sendable>(onRetry: @Sendable (Int, RegistryError) -> Void = { _, _ in },
                                 _ body: @Sendable () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as RegistryError where error.isTransient && attempt < attempts {
                onRetry(attempt, error)
                try await Task.sleep(for: delay(after: attempt, retryAfter: error.retryAfter))
                attempt += 1
            }
        }
    }
}

extension RegistryError {
    /// Seconds the server asked us to wait (429/503 `Retry-After`), carried in the hint-free field below.
    package var retryAfter: Duration? {
        retryAfterSeconds.map { .seconds($0) }
    }
}
