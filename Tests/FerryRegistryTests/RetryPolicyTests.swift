import FerryRegistry
import Synchronization
import Testing

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsAndIsCapped() {
        let policy = RetryPolicy(attempts: 10, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        #expect(policy.delay(after: 1) <= .milliseconds(120))
        #expect(policy.delay(after: 3) >= .milliseconds(320))
        #expect(policy.delay(after: 9) == .seconds(1))
        #expect(policy.delay(after: 1, retryAfter: .seconds(7)) == .seconds(1))
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
}
