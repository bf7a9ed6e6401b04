import FerryRegistry
import Foundation
import Synchronization
import Testing

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsAndIsCapped() {
        let policy = RetryPolicy(attempts: 10, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        #expect(policy.delay(after: 1) <= .milliseconds(120))
        #expect(policy.delay(after: 3) >= .milliseconds(320))
        #expect(policy.delay(after: 9) == .seconds(1))
        // Retry-After is honoured as asked (the budget, not the backoff cap, bounds it).
        #expect(policy.delay(after: 1, retryAfter: .seconds(7)) == .seconds(7))
        #expect(RetryPolicy(maximumDelay: .seconds(30)).delay(after: 1, retryAfter: .seconds(2)) == .seconds(2))
    }

    @Test func retriesOnlyTransientErrorsAndStops() async throws {
        let policy = RetryPolicy(attempts: 3, baseDelay: .milliseconds(1))
        let calls = Mutex(0)
        await #expect(throws: RegistryError.self) {
            try await policy.run {
                calls.withLock { $0 += 1 }
                throw RegistryError(.server, "503")
            }
        }
        #expect(calls.withLock { $0 } == 3)
        calls.withLock { $0 = 0 }
        await #expect(throws: RegistryError.self) {
            try await policy.run {
                calls.withLock { $0 += 1 }
                throw RegistryError(.unauthorized, "401")
            }
        }
        #expect(calls.withLock { $0 } == 1)
        let value = try await policy.run { () -> Int in
            let n = calls.withLock { $0 += 1; return $0 }
            if n < 3 { throw RegistryError(.unreachable, "reset") }
            return n
        }
        #expect(value == 3)
    }

    @Test func retryAfterInSecondsOrAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(RetryPolicy.retryAfter("120", now: now) == .seconds(120))
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT", now: Date(timeIntervalSince1970: 1_792_567_600)) == .seconds(80))
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT", now: Date(timeIntervalSince1970: 1_800_000_000)) == .zero, "a date past")
        #expect(RetryPolicy.retryAfter("soon", now: now) == nil)
    }

    @Test func theBudgetBoundsTheRetriesAndAFirstContactFailsFast() async throws {
        let policy = RetryPolicy(attempts: 5, budget: .seconds(3600), baseDelay: .milliseconds(1), maximumDelay: .milliseconds(5))
        let calls = Mutex(0)
        await #expect(throws: RegistryError.self) {
            try await policy.run { calls.withLock { $0 += 1 }; throw RegistryError(.server, "503", status: 503) }
        }
        #expect(calls.withLock { $0 } == 5, "within the budget, up to the attempts")
        // No budget left: the first failure is final (a pause would pass the budget).
        calls.withLock { $0 = 0 }
        await #expect(throws: RegistryError.self) {
            try await RetryPolicy(budget: .zero, baseDelay: .milliseconds(1)).run {
                calls.withLock { $0 += 1 }; throw RegistryError(.server, "503", status: 503)
            }
        }
        #expect(calls.withLock { $0 } == 1)
        calls.withLock { $0 = 0 }
        await #expect(throws: RegistryError.self) {
            try await policy.run(connectionAttempts: 2) { calls.withLock { $0 += 1 }; throw RegistryError(.unreachable, "refused") }
        }
        #expect(calls.withLock { $0 } == 2)
        calls.withLock { $0 = 0 }
        await #expect(throws: RegistryError.self) {
            try await policy.run { calls.withLock { $0 += 1 }; throw RegistryError(.server, "413", status: 413) }
        }
        #expect(calls.withLock { $0 } == 1, "413 is final")
        let waits = Mutex<[Duration]>([])
        let limited: RegistryError = {
            var error = RegistryError(.rateLimited, "429", status: 429)
            error.retryAfterSeconds = 0
            return error
        }()
        _ = try? await policy.run(onRetry: { _, _, pause in waits.withLock { $0.append(pause) } }) { () -> Int in
            if calls.withLock({ $0 += 1; return $0 }) < 3 { throw limited }
            return 1
        }
        #expect(waits.withLock { $0 } == [.zero], "the pause reported is the one asked for")
    }
}
