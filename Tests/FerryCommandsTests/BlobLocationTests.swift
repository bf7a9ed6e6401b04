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
}
