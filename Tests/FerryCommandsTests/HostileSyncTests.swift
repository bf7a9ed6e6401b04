import FerryTestSupport
import Foundation
import Testing

/// `ferry sync` with bundles and configs that try to write outside the target, or that would only
/// fail after images were pushed.
@Suite struct HostileSyncTests {
    func config(_ dir: TemporaryDirectory, repoPath: String, registry: String = "127.0.0.1:1") throws -> String {
        try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry)
              containerRepository: release.example.io/mod
              repo: {kind: LOCAL, path: "\(repoPath)"}
            """)
    }

    @Test(arguments: ["../escaped", "a/b", "with space"])
    func aChartNamedLikeAPathIsNeverWrittenOutsideTheRepository(_ name: String) async throws {
        let dir = try TemporaryDirectory("hsync")
        try FileManager.default.createDirectory(atPath: dir.file("site/offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("site/offline/evil.bundle.tar"), chartName: name, images: [TestImage.make("r.io/a/app:1")])
        let path = try config(dir, repoPath: "./repo")
        _ = try FileManager.default.moveItem(atPath: path, toPath: dir.file("site/load-image.yaml"))
        let result = await CLIRunner.run(["sync", "-c", dir.file("site/load-image.yaml")],
                                         environment: ["PWD": dir.file("site"), "FERRY_CACHE_DIR": dir.file("cache")])
        #expect(result.exitCode != 0)
        #expect((result.stdout + result.stderr).contains("chart name"), "\(result.stdout)\(result.stderr)")
        #expect((result.stdout + result.stderr).contains("evil.bundle.tar"), "\(result.stdout)\(result.stderr)")
        // Nothing anywhere but the inputs: no package, no index, inside or outside the repository.
        let written = try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tgz") || $0.hasSuffix("index.yaml") }
        #expect(written.isEmpty, "\(written)")
    }

    @Test func anUnwritableRepositoryPathIsFoundBeforeAnyImageIsPushed() async throws {
        let dir = try TemporaryDirectory("hsync")
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/a/app:1")])
        _ = try dir.write("not-a-dir", "x")
        // The registry (port 1) is unreachable: if Ferry went there first, the message would say so.
        let path = try config(dir, repoPath: "./not-a-dir/repo")
        for extra in [[], ["--dry-run"]] {
            let result = await CLIRunner.run(["sync", "-c", path] + extra, environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
            let output = result.stdout + result.stderr
            #expect(result.exitCode != 0)
            #expect(output.contains("target.repo.path"), "\(output)")
            #expect(output.contains("not-a-dir"), "\(output)")
            #expect(!output.contains("NSCocoaErrorDomain") && !output.contains("127.0.0.1:1"), "\(output)")
        }
    }

    @Test func aChartFileOverHelmsDefaultLimitIsPublishedWithAWarning() async throws {
        // 9 MiB: more than a default Helm loads (5 MiB), less than Ferry's YAML limit (32 MiB).
        let dir = try TemporaryDirectory("hsync")
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        let big = String(repeating: "# a line of a large chart file, 40 bytes\n", count: (9 << 20) / 41)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/a/app:1")],
                                extraChartFiles: [("files/big.txt", big)])
        let path = try config(dir, repoPath: "./repo")
        let result = await CLIRunner.run(["sync", "-c", path, "--skip-images"], environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
        let output = result.stdout + result.stderr
        #expect(result.exitCode == 0, "\(output)")
        #expect(output.contains("original-chart/files/big.txt is 9.0 MiB") && output.contains("5 MiB"), "\(output)")
        #expect(FileManager.default.fileExists(atPath: dir.file("repo/demo-1.2.3.tgz")))
    }
}
