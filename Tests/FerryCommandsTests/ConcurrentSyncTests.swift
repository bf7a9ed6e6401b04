import FerryCharts
import FerryTestSupport
import Foundation
import Testing

/// Syncs that run at once into one LOCAL chart directory, as two operators (or two CI jobs) might.
@Suite struct ConcurrentSyncTests {
    @Test func twoSyncsIntoOneDirectoryKeepEveryEntry() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("concurrent-sync")
        var configs: [String] = []
        for site in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: dir.file("\(site)/offline"), withIntermediateDirectories: true)
            for n in 0..<3 {
                try BundleFixture.write(to: dir.file("\(site)/offline/\(site)\(n)-1.0.\(n).bundle.tar"), chartName: "\(site)\(n)", version: "1.0.\(n)",
                                        images: [TestImage.make("r.io/\(site)/app\(n):1", layerSizes: [200])])
            }
            configs.append(try dir.write("\(site)/load-image.yaml", """
                source: {intermediateBundlesPath: offline}
                target:
                  containerRegistry: \(registry.host)
                  containerRepository: release/\(site)
                  repo: {kind: LOCAL, path: "\(dir.file("charts"))"}
                """))
        }
        async let first = CLIRunner.run(["sync", "-c", configs[0]], environment: ["PWD": dir.file("a"), "FERRY_CACHE_DIR": dir.file("cache-a")])
        async let second = CLIRunner.run(["sync", "-c", configs[1]], environment: ["PWD": dir.file("b"), "FERRY_CACHE_DIR": dir.file("cache-b")])
        let results = await [first, second]
        for result in results { #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)") }
        let index = try ChartRepositoryIndex(yaml: Array(try #require(FileManager.default.contents(atPath: dir.file("charts/index.yaml")))),
                                             origin: "index.yaml")
        #expect(Set(index.entries.keys) == ["a0", "a1", "a2", "b0", "b1", "b2"], "\(index.entries.keys.sorted())")
        // The Helm engine reads the merged index as `helm repo add` would.
        let loaded = try HelmEngine.loadRepository(dir.file("charts"), pull: "b2", version: "1.0.2", into: dir.file("pulled"))
        #expect(Set(loaded.entries.keys) == ["a0", "a1", "a2", "b0", "b1", "b2"])
    }
}
