import FerryCommands
import FerryTestSupport
import Foundation
import Testing

/// Progress as operators see it: a bar that fits the terminal (never wrapping), plain lines in a
/// log, and silence with --quiet or --no-progress.
@Suite struct ProgressTests {
    let halfway = ProgressBar.Snapshot(sent: 512 << 20, total: 1 << 30, imagesDone: 3, images: 8, seconds: 5.2)

    @Test(arguments: [12, 20, 40, 59, 60, 76, 80, 120, 200])
    func theBarNeverReachesTheLastColumn(columns: Int) {
        let text = ProgressBar(halfway, width: columns).text
        #expect(text.count <= columns - 1, "\(columns): \(text)")
        #expect(text.hasPrefix("512.0 MiB/1.0 GiB") || "512.0 MiB/1.0 GiB".hasPrefix(text) || text.hasPrefix("["),
                "the bytes are the last thing dropped: \(text)")
        if columns >= 80 {
            #expect(text.hasPrefix("[") && text.contains("3/8 img") && text.contains("MB/s") && text.contains("ETA 5 s"), "\(text)")
        }
    }

    @Test func etaAndClock() {
        #expect(halfway.secondsLeft.map { abs($0 - 5.2) < 0.01 } == true)
        #expect(ProgressBar.clock(42) == "42 s" && ProgressBar.clock(187) == "3:07" && ProgressBar.clock(3723) == "1:02:03")
        #expect(ProgressBar.Snapshot(sent: 0, total: 10, imagesDone: 0, images: 1, seconds: 1).secondsLeft == nil)
        // The first packets say nothing about the rest.
        #expect(ProgressBar.Snapshot(sent: 375, total: 25 << 20, imagesDone: 0, images: 3, seconds: 0.05).secondsLeft == nil)
    }

    /// A push slow enough to draw: one upload answered 503 with Retry-After 1 first.
    func slowPush(_ dir: TemporaryDirectory) throws -> (registry: LiveRegistry, proxy: FaultProxy, archive: String) {
        let registry = try LiveRegistry.start(.plain)
        let proxy = try FaultProxy(to: registry, fault: .status(503, retryAfter: 1), count: 1, method: "PUT", pathContains: "/blobs/uploads/")
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [6_000_000, 3_000_000]),
                                  TestImage.make("r.io/a/web:2", layerSizes: [2_000_000])], style: .ggcr, to: path)
        return (registry, proxy, path)
    }

    @Test(arguments: [40, 80, 200])
    func onATerminalTheBarFitsItsWidth(columns: Int) async throws {
        let dir = try TemporaryDirectory("pty")
        let (registry, proxy, path) = try slowPush(dir)
        let environment = ProcessInfo.processInfo.environment.merging(["FERRY_CACHE_DIR": dir.file("cache"), "COLUMNS": "300"]) { $1 }
        let result = try await PseudoTerminal.run(columns: columns, try FerryBinary.path(),
                                                  ["push", path, "--registry", proxy.host, "--repository", "p", "--plain-http"],
                                                  environment: environment)
        #expect(result.status == 0, "\(result.output)")
        let bars = result.drawnLines.filter { $0.contains("ETA ") }
        #expect(!bars.isEmpty, "no bar was drawn: \(result.output.debugDescription)")
        for bar in bars { #expect(bar.count <= columns - 1, "\(columns) columns: \(bar.debugDescription)") }
        if columns >= 80 { #expect(bars.allSatisfy { $0.hasPrefix("[") && $0.contains("img") }, "\(bars)") }
        #expect(result.output.contains("Done: 2 pushed"), "\(result.output)")
        #expect(registry.host != proxy.host)  // both stay up until here
    }

    @Test func aResizedTerminalIsFollowed() async throws {
        let dir = try TemporaryDirectory("pty-resize")
        let (registry, proxy, path) = try slowPush(dir)
        let environment = ProcessInfo.processInfo.environment.merging(["FERRY_CACHE_DIR": dir.file("cache")]) { $1 }
        // The retry waits a second: the window shrinks during it, and the bar is redrawn at the new width.
        let result = try await PseudoTerminal.run(columns: 200, resize: (0.4, 50), try FerryBinary.path(),
                                                  ["push", path, "--registry", proxy.host, "--repository", "p", "--plain-http"],
                                                  environment: environment)
        #expect(result.status == 0, "\(result.output)")
        let parts = result.output.components(separatedBy: "<<resized>>")
        #expect(parts.count == 2, "\(result.output.debugDescription)")
        let after = PseudoTerminal.Result(status: 0, output: parts.last ?? "").drawnLines.filter { $0.contains("ETA ") }
        #expect(!after.isEmpty && after.allSatisfy { $0.count <= 49 }, "\(after)")
        #expect(registry.host != proxy.host)
    }

    @Test func inALogAPlainLineEveryIntervalAndNothingWithQuietOrNoProgress() async throws {
        let dir = try TemporaryDirectory("log")
        let (registry, proxy, path) = try slowPush(dir)
        func push(_ repository: String, _ extra: [String]) async -> CLIRunner.Result {
            await CLIRunner.run(["push", path, "--registry", proxy.host, "--repository", repository, "--plain-http"] + extra,
                                environment: ["FERRY_CACHE_DIR": dir.file("cache-\(repository)"), "FERRY_PROGRESS_INTERVAL": "0.3"])
        }
        let logged = await push("a", [])
        #expect(logged.exitCode == 0, "\(logged.stderr)")
        let progress = logged.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
        // The retry waits a second: several lines at 0.3 s, each with bytes, images and rate.
        #expect(progress.count >= 2 && progress.allSatisfy { $0.contains(" of ") && $0.contains("images") && $0.contains("MB/s") },
                "\(logged.stderr)")
        #expect(!logged.stderr.contains("\r") && !logged.stderr.contains("\u{1B}["), "no terminal codes in a log")

        // The fault is spent: the next pushes run straight through.
        let quiet = await push("b", ["--quiet"])
        #expect(quiet.exitCode == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        #expect(quiet.stdout.split(separator: "\n").map { $0.hasPrefix("Done: ") } == [true], "\(quiet.stdout)")

        let silent = await push("c", ["--no-progress"])
        #expect(silent.exitCode == 0 && !silent.stderr.contains("progress: ") && silent.stderr.contains("pushed "), "\(silent.stderr)")
        #expect(registry.host != proxy.host)
    }
}
