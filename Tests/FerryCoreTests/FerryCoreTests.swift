import FerryCore
import Foundation
import Synchronization
import Testing

@Suite struct BoundedConcurrencyTests {
    /// Counts how many bodies run at once.
    final class Gauge: Sendable {
        let state = Mutex<(now: Int, peak: Int, started: Int)>((0, 0, 0))
        func enter() { state.withLock { $0.now += 1; $0.started += 1; $0.peak = max($0.peak, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
        var started: Int { state.withLock { $0.started } }
    }

    @Test func neverRunsMoreThanTheLimit() async {
        let gauge = Gauge()
        await forEachConcurrently(Array(0..<40), limit: 3) { _ in
            gauge.enter()
            try? await Task.sleep(for: .milliseconds(5))
            gauge.leave()
        }
        #expect(gauge.started == 40)
        #expect(gauge.peak <= 3 && gauge.peak >= 2)
    }

    struct Boom: Error, Equatable { let item: Int }

    @Test func theFirstFailureStopsTheRestAndIsThrown() async {
        let gauge = Gauge()
        await #expect(throws: Boom(item: 5)) {
            try await forEachConcurrently(Array(0..<100), limit: 2) { item in
                gauge.enter()
                defer { gauge.leave() }
                if item == 5 { throw Boom(item: 5) }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        // Items after the failure are not started (a few in flight may be).
        #expect(gauge.started < 20, "\(gauge.started)")
        #expect(gauge.peak <= 2)
    }
}

@Suite struct FileLockTests {
    @Test func sectionsUnderOneLockNeverOverlap() async throws {
        let dir = NSTemporaryDirectory() + "ferry-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inside = BoundedConcurrencyTests.Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await FileLock.withLock(dir + "/index.lock") {
                        inside.enter()
                        try await Task.sleep(for: .milliseconds(20))
                        inside.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inside.peak == 1 && inside.started == 6)
    }

    @Test func aLockHeldByAnotherProcessIsWaitedForThenNamed() async throws {
        let dir = NSTemporaryDirectory() + "ferry-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/index.lock"
        // util-linux's flock(1) holds the same kind of lock from another process, for as long as
        // its `cat` reads: until the test closes its input (no timing involved).
        let flock = try #require(ChildProcess.find("flock", environment: ProcessInfo.processInfo.environment))
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let environment = ProcessInfo.processInfo.environment
        Thread.detachNewThread {
            _ = try? ChildProcess.run(flock, [path, "cat"], environment: environment) { _ in release.wait() }
            done.signal()
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while try !FileLock.isHeld(path) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try FileLock.isHeld(path))
        let error = await #expect(throws: CoreError.self) {
            try await FileLock.withLock(path, timeout: .milliseconds(200)) {}
        }
        #expect(error?.code == .locked)
        #expect(error?.message.contains(path) == true)
        // Once the other process is done, the lock is Ferry's.
        release.signal()
        while done.wait(timeout: .now()) == .timedOut { try await Task.sleep(for: .milliseconds(20)) }
        let ran = try await FileLock.withLock(path, timeout: .seconds(5)) { true }
        #expect(ran)
    }
}

@Suite struct CoreFileAndProcessTests {
    @Test func anAtomicFileAppearsOnlyWhenCommitted() throws {
        let dir = NSTemporaryDirectory() + "ferry-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let abandoned = try AtomicFileSink(path: dir + "/a.tar")
            try abandoned.write(Array("partial".utf8))
        }
        // Dropped without commit: nothing under the name, no temporary left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        let sink = try AtomicFileSink(path: dir + "/b.tar")
        try sink.write(Array("whole".utf8))
        #expect(!FileManager.default.fileExists(atPath: dir + "/b.tar"))
        try sink.commit()
        #expect(FileManager.default.contents(atPath: dir + "/b.tar") == Data("whole".utf8))
        let error = #expect(throws: CoreError.self) { try AtomicFileSink(path: dir + "/missing/c.tar") }
        #expect(error?.code == .io && error?.message.contains("missing/c.tar") == true)
        #expect((error?.cause as? SystemError)?.code == ENOENT)
    }

    @Test func aChildGetsItsInputAndReturnsItsOutputAndStatus() throws {
        let sh = try #require(ChildProcess.find("sh", environment: ["PATH": "/usr/bin:/bin"]))
        let output = try ChildProcess.run(sh, ["-c", "tr a-z A-Z; echo oops >&2; exit 3"], environment: [:]) { sink in
            try sink.write(Array("hello".utf8))
        }
        #expect(output.status == 3 && output.stdout == "HELLO" && output.stderr == "oops\n")
        let missing = #expect(throws: CoreError.self) { try ChildProcess.run("/nonexistent/helm", [], environment: [:]) }
        #expect(missing?.code == .process && missing?.message.contains("/nonexistent/helm") == true)
        #expect(ChildProcess.find("no-such-program-anywhere", environment: ["PATH": "/usr/bin"]) == nil)
    }

    @Test func blockingWorkRunsOffThePoolAndKeepsItsErrors() async throws {
        #expect(try await Blocking.run { (1...1000).reduce(0, +) } == 500_500)
        await #expect(throws: CoreError.self) {
            try await Blocking.run { () throws -> Int in throw CoreError(.io, "x") }
        }
    }
}
