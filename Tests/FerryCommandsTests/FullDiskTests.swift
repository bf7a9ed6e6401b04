import FerryCommands
import FerryTestSupport
import Foundation
import Testing

/// A registry whose disk fills up mid-push (its storage on a small tmpfs), then is grown.
@Suite struct FullDiskTests {
    @Test func aFullDiskIsReportedByItsCauseAndTheRerunAfterGrowingItFinishes() async throws {
        let registry = try LiveRegistry.start(.plain, storageLimit: 3 << 20)
        let dir = try TemporaryDirectory("full-disk")
        let images = (0..<4).map { TestImage.make("r.io/team/app\($0):1", layerSizes: [1_200_000]) }
        try ArchiveFixture.write(images, style: .ggcr, to: dir.file("images.tar"))
        func push(_ extra: [String] = []) async -> CLIRunner.Result {
            await CLIRunner.run(["push", dir.file("images.tar"), "--registry", registry.host, "--repository", "p", "--plain-http",
                                 "--retry-for", "2"] + extra, environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        }
        let full = await push()
        #expect(full.exitCode == 1, "\(full.stdout)\(full.stderr)")
        #expect((full.stdout + full.stderr).contains("no space left on device"), "\(full.stdout)\(full.stderr)")
        #expect(!full.stdout.contains("4 pushed"))

        try registry.growStorage(to: 64 << 20)
        let rerun = await push(["--output", "json"])
        // Distribution may keep an empty file for a manifest it acknowledged on the full disk, and serve
        // it as a 500 for ever after. Each image is then either reported done and served byte for byte,
        // or reported failed as unreadable: never a success the registry cannot back.
        let summary = try #require(try Documents.lines(PushSummaryDocument.self, rerun.stdout, event: "summary").first, "\(rerun.stdout)")
        #expect(summary.report.images.count == images.count)
        for entry in summary.report.images {
            let name = String(entry.reference.split(separator: "/").last!)
            if entry.status == .failed {
                #expect(entry.error?.contains("cannot be read back") == true, "\(entry)")
            } else {
                _ = try Skopeo.copy("\(registry.host)/p/\(name)", from: registry, into: dir)
            }
        }
        #expect((rerun.exitCode == 0) == summary.report.images.allSatisfy { $0.status != .failed }, "\(rerun.stdout)")
    }
}
