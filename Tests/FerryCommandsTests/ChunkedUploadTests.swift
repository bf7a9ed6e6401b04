import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// Blobs in chunks: above `--chunk-size`, behind a proxy's body limit, and resumed after a failure.
@Suite struct ChunkedUploadTests {
    func archive(_ dir: TemporaryDirectory, name: String = "r.io/a/big:1") throws -> String {
        let path = dir.file("big.tar")
        // One 3.5 MB layer of random bytes (gzip cannot shrink it) and a small one.
        try ArchiveFixture.write([TestImage.make(name, layerSizes: [3_500_000, 2000])], style: .ggcr, to: path)
        return path
    }

    func push(_ path: String, host: String, _ dir: TemporaryDirectory, _ extra: [String]) async -> CLIRunner.Result {
        await CLIRunner.run(["push", path, "--registry", host, "--repository", "p", "--plain-http", "--output", "json"] + extra,
                            environment: ["FERRY_CACHE_DIR": dir.file("cache")])
    }

    @Test func aBlobAboveTheChunkSizeGoesUpInChunks() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("chunks")
        let result = await push(try archive(dir), host: registry.host, dir, ["--chunk-size", "1"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let patches = registry.log.split(separator: "\n").filter { $0.contains("http.request.method=PATCH") && $0.contains("response.status=202") }
        #expect(patches.count == 4, "3.5 MB in 1 MiB chunks: \(patches.count) PATCH(es)")
        _ = try Skopeo.copy("\(registry.host)/p/big:1", from: registry, into: dir)
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: dir.file("cache/upload-sessions")))?.filter { $0.hasSuffix(".json") } ?? []
        #expect(left.isEmpty, "finished sessions are forgotten: \(left)")
    }

    @Test func aProxyBodyLimitIsPassedInSmallerChunks() async throws {
        let registry = try LiveRegistry.start(.plain)
        let nginx = try LiveNginx(to: registry, maxBodySize: "1m")
        let dir = try TemporaryDirectory("chunks")
        let result = await push(try archive(dir), host: nginx.host, dir, [])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let log = nginx.accessLog
        #expect(log.contains("\" 413 "), "the proxy refused the whole blob once: \(log)")
        #expect(log.split(separator: "\n").filter { $0.contains("PATCH") && $0.contains("\" 202 ") }.count >= 4, "\(log)")
        _ = try Skopeo.copy("\(registry.host)/p/big:1", from: registry, into: dir)
    }

    /// A run that fails after two chunks keeps its session; the next run asks the registry where it
    /// stands and sends only the rest.
    @Test func theNextRunContinuesAnInterruptedSession() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("chunks")
        let path = try archive(dir)
        // The third PATCH fails for good in the first run (no retries left).
        let proxy = try FaultProxy(to: registry, fault: .status(500, retryAfter: nil), count: 1, method: "PATCH", pathContains: "/blobs/uploads/",
                                   skip: 2)
        let first = await push(path, host: proxy.host, dir, ["--chunk-size", "1", "--retry-for", "0"])
        #expect(first.exitCode == 1, "\(first.stdout)\(first.stderr)")
        let saved = (try? FileManager.default.subpathsOfDirectory(atPath: dir.file("cache/upload-sessions")))?.filter { $0.hasSuffix(".json") } ?? []
        #expect(saved.count == 1, "the session is kept: \(saved)")

        let before = proxy.log.split(separator: "\n").count
        let second = await push(path, host: proxy.host, dir, ["--chunk-size", "1"])
        #expect(second.exitCode == 0, "\(second.stdout)\(second.stderr)")
        let rerun = proxy.log.split(separator: "\n").dropFirst(before)
        #expect(rerun.filter { $0.contains("PATCH") }.count == 2, "only the two chunks left: \(rerun)")
        #expect(!rerun.contains { $0.contains("POST") && $0.contains("/blobs/uploads/") }, "no new session: \(rerun)")
        #expect(rerun.contains { $0.hasPrefix("pass GET") && $0.contains("/blobs/uploads/") }, "the session was asked where it stands: \(rerun)")
        _ = try Skopeo.copy("\(registry.host)/p/big:1", from: registry, into: dir)
    }

    /// A chunk cut half way leaves part of it with the registry, which then refuses the session
    /// (distribution: "upload resumed at wrong offset"): it is cancelled and the blob starts again.
    @Test func aSessionCutMidChunkIsAbandonedAndRestarted() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("chunks")
        let proxy = try FaultProxy(to: registry, fault: .cutMidway, count: 1, method: "PATCH", pathContains: "/blobs/uploads/", skip: 1)
        let result = await push(try archive(dir), host: proxy.host, dir, ["--chunk-size", "1", "--verbose"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let log = proxy.log.split(separator: "\n")
        #expect(log.contains { $0.hasPrefix("fault PATCH") }, "\(proxy.log)")
        // Asked where it stands, found past the last acknowledged chunk, cancelled, started again
        // (other blobs' requests may come in between: only the cut session's lines are looked at).
        func session(_ line: Substring) -> Substring? {
            line.split(separator: " ").dropFirst(2).first?.split(separator: "?").first?.split(separator: "/").last
        }
        let fault = try #require(log.firstIndex { $0.hasPrefix("fault PATCH") })
        let cut = try #require(session(log[fault]))
        let later = log[(fault + 1)...]
        #expect(later.filter { session($0) == cut }.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == ["pass GET", "pass DELETE"],
                "\(proxy.log)")
        let deleted = try #require(later.firstIndex { $0.hasPrefix("pass DELETE") })
        let restarted = log[(deleted + 1)...].filter { $0.hasPrefix("pass PATCH") && session($0) != cut }
        #expect(restarted.count == 4, "the blob went up again in a new session, all four chunks: \(proxy.log)")
        #expect(log.filter { $0.hasPrefix("pass PATCH") && $0.hasSuffix(" 202") }.count >= 4, "\(proxy.log)")
        _ = try Skopeo.copy("\(registry.host)/p/big:1", from: registry, into: dir)
    }

    /// An uncompressed layer is gzipped into the cache once; when that copy is gone it is gzipped on
    /// the fly into a one-request upload (nothing written to disk), and a chunked upload makes the
    /// copy again. The digest is the same every way.
    @Test func uncompressedLayersStreamOrGoUpInChunksFromTheCache() async throws {
        let dir = try TemporaryDirectory("stream")
        let image = TestImage.make("r.io/team/raw:1", layerSizes: [2_600_000])
        try ArchiveFixture.write([image], style: .skopeo, to: dir.file("raw.tar"))
        let env = ["FERRY_CACHE_DIR": dir.file("cache"), "HOME": dir.path]
        // A registry each time: nothing to mount from.
        func push(_ extra: [String] = []) async throws -> (LiveRegistry, CLIRunner.Result) {
            let registry = try LiveRegistry.start(.plain)
            let result = await CLIRunner.run(["push", dir.file("raw.tar"), "--registry", registry.host, "--repository", "p"] + extra,
                                             environment: env)
            #expect(result.exitCode == 0, "\(result.stderr)")
            _ = try Skopeo.copy("\(registry.host)/p/raw:1", from: registry, into: dir)
            return (registry, result)
        }
        func cachedBlobs() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.file("cache/blobs/sha256"))) ?? []).filter { !$0.hasPrefix("incoming") }
        }
        let (first, _) = try await push()
        #expect(cachedBlobs().count == 1, "\(cachedBlobs())")
        try FileManager.default.removeItem(atPath: dir.file("cache/blobs"))

        let (streamed, _) = try await push()
        #expect(cachedBlobs().isEmpty, "streamed, not cached: \(cachedBlobs())")

        let (chunked, _) = try await push(["--chunk-size", "1"])
        #expect(cachedBlobs().count == 1, "\(cachedBlobs())")
        #expect(chunked.log.contains("PATCH /v2/p/raw/blobs/uploads/"), "chunks were sent")
        let manifests = try [first, streamed, chunked].map { try Skopeo.rawManifest("\($0.host)/p/raw:1", from: $0) }
        #expect(Set(manifests.map { Digest.of($0) }).count == 1)
    }
}
