import FerryCommands
import FerryTestSupport
import Foundation
import Testing

/// Blobs an earlier run placed in a registry are mounted, not uploaded again, into new repositories.
@Suite struct BlobLocationTests {
    @Test func aLaterPushIntoANewRepositoryMountsEveryBlobFromEarlierRuns() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("locations")
        let images = [TestImage.make("r.io/a/app:1", layerSizes: [4000, 3000]), TestImage.make("r.io/a/web:2", layerSizes: [2000])]
        try ArchiveFixture.write(images, style: .ggcr, to: dir.file("a.tar"))
        let env = ["FERRY_CACHE_DIR": dir.file("cache"), "HOME": dir.path]
        func push(_ repository: String) async throws -> PushSummaryDocument {
            let result = await CLIRunner.run(["push", dir.file("a.tar"), "--registry", registry.host, "--repository", repository, "--output", "json"],
                                             environment: env)
            #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
            return try #require(try Documents.lines(PushSummaryDocument.self, result.stdout, event: "summary").first)
        }
        let first = try await push("release.example.io/demo")
        #expect(first.report.blobsUploaded == 5 && first.report.blobsMountedFromEarlierRuns == 0)

        let second = try await push("images-only")
        #expect(second.report.blobsUploaded == 0 && second.report.bytesUploaded == 0, "\(second.report)")
        #expect(second.report.blobsMountedFromEarlierRuns == 5 && second.report.blobsMounted == 5)
        for name in ["app:1", "web:2"] { _ = try Skopeo.copy("\(registry.host)/images-only/\(name)", from: registry, into: dir) }

        // A remembered place that no longer holds the blob: the registry opens an upload instead of
        // mounting; Ferry cancels it and uploads.
        let file = dir.file("cache/blob-locations/\(registry.host.replacingOccurrences(of: ":", with: "_"))")
        let records = try String(contentsOfFile: file, encoding: .utf8)
        let moved = records.split(separator: "\n").map { $0.split(separator: " ")[0] + " gone/elsewhere" }.joined(separator: "\n") + "\n"
        try Data(moved.utf8).write(to: URL(fileURLWithPath: file))
        let third = try await push("third")
        #expect(third.report.blobsUploaded == 5 && third.report.blobsMountedFromEarlierRuns == 0, "\(third.report)")
        #expect(registry.log.contains("mount="), "mounts were tried")
    }

    @Test func theProbeAsksOnlyWhatThePlanNeeds() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("probe")
        let big = TestLayer.random(size: 1_500_000)
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [4000, 3000], shared: [big])], style: .ggcr, to: dir.file("a.tar"))
        let env = ["FERRY_CACHE_DIR": dir.file("cache"), "HOME": dir.path]
        func push(_ repository: String, cache: String? = nil) async -> CLIRunner.Result {
            await CLIRunner.run(["push", dir.file("a.tar"), "--registry", registry.host, "--repository", repository],
                                environment: env.merging(cache.map { ["FERRY_CACHE_DIR": $0] } ?? [:]) { $1 })
        }
        func blobHEADs(after mark: Int) -> [Substring] {
            registry.log.dropFirst(mark).split(separator: "\n").filter { $0.contains("HEAD /v2/") && $0.contains("/blobs/") }
        }
        // A first push into a new repository asks only about the blob of 1 MiB and more.
        var mark = registry.log.count
        #expect(await push("p").exitCode == 0)
        #expect(blobHEADs(after: mark).count == 1, "\(blobHEADs(after: mark))")
        // A rerun: the tag names the image already, so no blob is asked about.
        mark = registry.log.count
        let rerun = await push("p")
        #expect(rerun.exitCode == 0 && rerun.stdout.contains("1 unchanged"), "\(rerun.stdout)")
        #expect(blobHEADs(after: mark).isEmpty, "\(blobHEADs(after: mark))")
        // Another machine (a fresh cache) pushing into the same repository under another tag: the
        // large blob is found by HEAD and not sent again; the small ones are sent (cheaply) again.
        try ArchiveFixture.write([TestImage.make("r.io/a/app:2", layerSizes: [2000], shared: [big])], style: .ggcr, to: dir.file("a.tar"))
        let other = await push("p", cache: dir.file("other-cache"))
        #expect(other.exitCode == 0 && other.stdout.contains("2 blob(s) uploaded") && other.stdout.contains("1 already present"),
                "\(other.stdout)")
    }
}
