import FerryCommands
import FerryCore
import FerryTestSupport
import Foundation
import Synchronization
import Testing

/// A registry that goes away mid-push, and a Ferry process killed mid-push.
@Suite struct OutageTests {
    func archive(_ dir: TemporaryDirectory, layers: [Int]) throws -> String {
        let path = dir.file("images.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/big:1", layerSizes: layers)], style: .ggcr, to: path)
        return path
    }

    func acknowledgedPatches(_ registry: LiveRegistry) -> Int {
        registry.log.split(separator: "\n").filter { $0.contains("http.request.method=PATCH") && $0.contains("response.status=202") }.count
    }

    /// Waits, without asserting any time, until `condition` holds (or a generous limit passes).
    func wait(until condition: () -> Bool) async throws {
        for _ in 0..<600 where !condition() { try await Task.sleep(for: .milliseconds(50)) }
    }

    /// The registry stops while a chunk is in flight (held by a stalling proxy) and is back 30 s
    /// later: the push waits it out within `--retry-for` and finishes.
    @Test func aRegistryDownMidPushIsWaitedOut() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("outage")
        let path = try archive(dir, layers: [8_000_000])
        let proxy = try FaultProxy(to: registry, fault: .stallRequest, count: 1, method: "PATCH", pathContains: "/blobs/uploads/", skip: 2)
        async let pushed = CLIRunner.run(["push", path, "--registry", proxy.host, "--repository", "p", "--plain-http",
                                          "--chunk-size", "1", "--retry-for", "90", "--timeout", "3", "--output", "json"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        try await wait { proxy.log.contains("fault PATCH") }
        registry.stop()
        try await Task.sleep(for: .seconds(30))
        try registry.start()
        let result = await pushed
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let retries = try Documents.lines(RetryEventDocument.self, result.stdout, event: "blob.retried")
        #expect(retries.count >= 2, "the stall and the outage were retried: \(retries.map(\.message))")
        _ = try Skopeo.copy("\(registry.host)/p/big:1", from: registry, into: dir)
    }

    /// Killed after the first chunk, half way, and before the last one.
    @Test(arguments: [1, 4, 7])
    func aRunKilledMidPushResumesAndSendsOnlyWhatWasMissing(_ acknowledgedAtKill: Int) async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("killed")
        let path = try archive(dir, layers: [8_000_000])
        // The next chunk stalls, so the process is killed with exactly that many acknowledged.
        let proxy = try FaultProxy(to: registry, fault: .stallRequest, count: 1, method: "PATCH", pathContains: "/blobs/uploads/",
                                   skip: acknowledgedAtKill)
        // A real process, spawned and reaped by Ferry's own child-process code on a thread of its
        // own (never blocking the test's cooperative threads).
        let ferry = try FerryBinary.path()
        let environment = ProcessInfo.processInfo.environment.merging(["FERRY_CACHE_DIR": dir.file("cache")]) { $1 }
        let pid = Mutex<pid_t>(0)
        let running = Task {
            try await Blocking.waiting {
                try ChildProcess.run(ferry, ["push", path, "--registry", proxy.host, "--repository", "p", "--plain-http", "--chunk-size", "1", "--quiet"],
                                     environment: environment, started: { started in pid.withLock { $0 = started } })
            }
        }
        try await wait { proxy.log.contains("fault PATCH") }
        kill(pid.withLock { $0 }, SIGKILL)
        let killed = try await running.value
        #expect(killed.status != 0, "the push was killed, not finished")
        let before = acknowledgedPatches(registry)
        #expect(before == acknowledgedAtKill, "killed mid-blob: \(before) of 8 chunks acknowledged")

        let rerun = await CLIRunner.run(["push", path, "--registry", proxy.host, "--repository", "p", "--plain-http", "--chunk-size", "1"],
                                        environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        #expect(rerun.exitCode == 0, "\(rerun.stdout)\(rerun.stderr)")
        // The rerun sends what was missing (the chunk in flight at the kill included), nothing again.
        let sent = acknowledgedPatches(registry) - before
        #expect(sent == 8 - before, "the rerun sent \(sent) chunk(s) after \(before) were acknowledged")
        _ = try Skopeo.copy("\(registry.host)/p/big:1", from: registry, into: dir)
    }
}
