import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// Retries, with faults injected between Ferry and the real registry.
@Suite struct FaultTests {
    func pushThrough(_ proxy: FaultProxy, registry: LiveRegistry, dir: TemporaryDirectory, extra: [String] = [],
                     layerSizes: [Int] = [100_000, 50_000]) async throws -> CLIRunner.Result {
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: layerSizes)], style: .ggcr, to: path)
        return await CLIRunner.run(["push", path, "--registry", proxy.host, "--repository", "p", "--plain-http", "--output", "json"] + extra,
                                   environment: ["FERRY_CACHE_DIR": dir.file("cache")])
    }

    @Test func serviceUnavailableIsRetriedHonouringRetryAfter() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .status(503, retryAfter: 1), count: 2, method: "PUT", pathContains: "/blobs/uploads/")
        // One blob at a time, so both faults hit the same blob.
        let result = try await pushThrough(proxy, registry: registry, dir: dir, extra: ["--concurrency", "1"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(proxy.log.split(separator: "\n").filter { $0.hasPrefix("fault") }.count == 2)
        let retries = try Documents.lines(RetryEventDocument.self, result.stdout, event: "blob.retried")
        // Attempts counted as the text output counts them: the second, then the third.
        #expect(retries.map(\.attempt) == [2, 3] && retries.allSatisfy { $0.message.contains("503") }, "\(retries)")
        // The registry's answer once; the same answer again only counted.
        #expect(retries.first?.message.contains("injected fault") == true && retries.last?.message.hasPrefix("the same answer again (503)") == true,
                "\(retries.map(\.message))")
        // The registry's Retry-After was honoured.
        #expect(retries.allSatisfy { $0.waitSeconds == 1 && $0.message.hasSuffix("(the wait the registry asked for)") }, "\(retries)")
        _ = try Skopeo.copy("\(registry.host)/p/app:1", from: registry, into: dir)
    }

    @Test func tooManyRequestsIsRetried() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .status(429, retryAfter: nil), count: 1, method: "POST", pathContains: "/blobs/uploads/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(proxy.log.contains("fault POST"))
    }

    @Test func droppedConnectionsAreRetried() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .reset, count: 2, method: "PUT", pathContains: "/blobs/uploads/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        _ = try Skopeo.copy("\(registry.host)/p/app:1", from: registry, into: dir)
    }

    @Test func persistentFailureFailsTheImageButNeverItsManifest() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .status(500, retryAfter: nil), count: 1000, method: "PUT", pathContains: "/blobs/uploads/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir, extra: ["--retry-for", "3"])
        #expect(result.exitCode == 1)
        let failed = try Documents.lines(ImageEventDocument.self, result.stdout, event: "image.failed")
        #expect(failed.map(\.reference) == ["\(proxy.host)/p/app:1"], "\(result.stdout)")
        // No manifest was ever sent while its blobs were missing.
        #expect(!proxy.log.contains("PUT /v2/p/app/manifests"))
        let tags = try Subprocess.check("curl", ["-s", "\(registry.baseURL)/v2/p/app/tags/list"])
        #expect(!tags.contains("\"1\""))
    }

    @Test func anUploadTheRegistryStopsReadingIsAbandonedAndRetried() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .stallRequest, count: 1, method: "PUT", pathContains: "/blobs/uploads/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir, extra: ["--timeout", "2"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let retries = try Documents.lines(RetryEventDocument.self, result.stdout, event: "blob.retried")
        #expect(retries.contains { $0.message.contains("sent and received nothing for 2 s") }, "\(result.stdout)")
        _ = try Skopeo.copy("\(registry.host)/p/app:1", from: registry, into: dir)
    }

    @Test func aRegistryThatStopsAnsweringMidBodyIsAbandonedAndRetried() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .stallResponse, count: 1, method: "GET", pathContains: "/v2/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir, extra: ["--timeout", "2", "--verbose"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(proxy.log.contains("fault GET /v2/"))
        _ = try Skopeo.copy("\(registry.host)/p/app:1", from: registry, into: dir)
    }

    /// The first contact, the probe and the manifest are retried like uploads.
    @Test(arguments: [("GET", "/v2/", FaultProxy.Fault.statusRetryAfterDate(503, seconds: 1)),
                      ("GET", "/manifests/", FaultProxy.Fault.status(429, retryAfter: 1)),
                      ("HEAD", "/blobs/sha256:", FaultProxy.Fault.status(502, retryAfter: nil)),
                      ("PUT", "/manifests/", FaultProxy.Fault.status(504, retryAfter: nil))])
    func transientAnswersAnywhereAreRetried(_ method: String, _ path: String, _ fault: FaultProxy.Fault) async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: fault, count: 2, method: method, pathContains: path)
        // A first push asks about blobs of 1 MiB and more only (smaller ones cost as much to send as to ask about).
        let result = try await pushThrough(proxy, registry: registry, dir: dir, layerSizes: [1_200_000, 50_000])
        #expect(result.exitCode == 0, "\(method) \(path): \(result.stdout)\(result.stderr)")
        #expect(proxy.log.split(separator: "\n").filter { $0.hasPrefix("fault \(method)") }.count == 2, "\(proxy.log)")
        _ = try Skopeo.copy("\(registry.host)/p/app:1", from: registry, into: dir)
    }

    @Test func aFinalAnswerIsNotRetried() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .status(415, retryAfter: nil), count: 1000, method: "PUT", pathContains: "/blobs/uploads/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir)
        #expect(result.exitCode == 1)
        // One attempt per blob: 415 is final (a 413 makes the chunks smaller instead: ChunkedUploadTests).
        #expect(proxy.log.split(separator: "\n").filter { $0.hasPrefix("fault PUT") }.count == 3, "\(proxy.log)")
    }

    /// A registry that acknowledges a manifest it then cannot serve (as distribution does on a full
    /// disk): the image is failed, with the registry's answer, never reported pushed.
    @Test func aManifestTheRegistryCannotServeBackIsAFailure() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .status(500, retryAfter: nil), count: 1000, method: "GET", pathContains: "/manifests/sha256:")
        let result = try await pushThrough(proxy, registry: registry, dir: dir, extra: ["--retry-for", "1"])
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        let failed = try Documents.lines(ImageEventDocument.self, result.stdout, event: "image.failed")
        #expect(failed.count == 1 && failed[0].message?.contains("cannot be read back") == true && failed[0].message?.contains("UNAVAILABLE") == true,
                "\(result.stdout)")
        let summary = try #require(try Documents.lines(PushSummaryDocument.self, result.stdout, event: "summary").first)
        #expect(summary.report.images.map(\.status) == [.failed])

        // Straight to the registry, the same push finds the image in place and says so only after reading it back.
        let direct = await CLIRunner.run(["push", dir.file("a.tar"), "--registry", registry.host, "--repository", "p", "--plain-http"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        #expect(direct.exitCode == 0 && direct.stdout.contains("1 unchanged"), "\(direct.stdout)\(direct.stderr)")
    }

    /// A registry that accepts the connection and never answers: a few stalled attempts, then an
    /// error saying so, with the command's own advice.
    @Test func aRegistryThatNeverAnswersFailsSayingSo() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let proxy = try FaultProxy(to: registry, fault: .stallResponse, count: 1000, method: "GET", pathContains: "/v2/")
        let result = try await pushThrough(proxy, registry: registry, dir: dir, extra: ["--timeout", "1"])
        #expect(result.exitCode == 3, "\(result.stdout)\(result.stderr)")
        let failure = try #require(try Documents.lines(CommandFailure.self, result.stdout, event: "error").first, "\(result.stdout)")
        #expect(failure.code == "stalled" && failure.message.contains("sent and received nothing for 1 s"), "\(failure)")
        #expect(failure.hint?.contains("--timeout") == true, "\(failure)")
        #expect(proxy.log.split(separator: "\n").filter { $0.hasPrefix("fault GET /v2/") }.count == 3, "three attempts at first contact: \(proxy.log)")
    }
}
