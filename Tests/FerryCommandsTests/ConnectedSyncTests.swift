import FerryArchive
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// charts-syncer's connected modes against real servers: a chart repository (http.server, a LOCAL
/// directory, an OCI registry) as the source; bundles, or another repository and registry, as the
/// target. The source images are those of `BundleRoundTripTests.source`, written by skopeo and curl.
@Suite struct ConnectedSyncTests {
    typealias Source = BundleRoundTripTests.Source

    func sync(_ config: String, _ extra: [String] = [], _ source: Source, env: [String: String] = [:]) async -> CLIRunner.Result {
        await CLIRunner.run(["sync", "--config", config] + extra + source.registry.ferryFlags, environment: env)
    }

    /// A Helm repository served over HTTP with two versions of the chart.
    func helmRepository(_ source: Source) throws -> StaticHTTPServer {
        let repo = source.dir.file("repo")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        var older = source.chart
        older.version = "0.2.0"
        for chart in [source.chart, older] {
            let tgz = try BundleRoundTripTests.package(chart, in: source.dir)
            try FileManager.default.copyItem(atPath: tgz, toPath: "\(repo)/demo-\(chart.version).tgz")
        }
        _ = try source.dir.write("repo/index.yaml", """
            apiVersion: v1
            entries:
              demo:
              - {apiVersion: v2, name: demo, version: 0.3.0, created: "2026-11-30T10:00:00Z", urls: [demo-0.3.0.tgz]}
              - {apiVersion: v2, name: demo, version: 0.2.0, created: "2026-10-01T10:00:00.123456789Z", urls: [demo-0.2.0.tgz]}
            generated: "2026-11-30T11:00:00Z"
            """)
        return try StaticHTTPServer(directory: repo)
    }

    @Test func exportARepositoryToBundles() async throws {
        let source = try BundleRoundTripTests.source("export")
        let server = try helmRepository(source)
        let config = try source.dir.write("export.yaml", """
            source:
              repo: {kind: HELM, url: "\(server.url)"}
            target:
              intermediateBundlesPath: bundles
            """)
        let out = source.dir.file("bundles")
        let cwd = ["PWD": source.dir.path]
        let latest = await sync(config, ["--latest-version-only"], source, env: cwd)
        #expect(latest.exitCode == 0, "\(latest.stdout)\(latest.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["demo-0.3.0.bundle.tar"], "only the newest, and no staging left")

        // The same chart made into a bundle by ferry bundle: the same bytes.
        let direct = await CLIRunner.run(["bundle", "demo/demo", "--repo-url", server.url, "-o", source.dir.file("direct")] + source.registry.ferryFlags)
        #expect(direct.exitCode == 0, "\(direct.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/demo-0.3.0.bundle.tar"))
                == Data(contentsOf: URL(fileURLWithPath: source.dir.file("direct/demo-0.3.0.bundle.tar"))))

        // Again without the flag: the older version is written, the newer one is there already.
        let all = await sync(config, [], source, env: cwd)
        #expect(all.exitCode == 0, "\(all.stdout)\(all.stderr)")
        #expect(all.stdout.contains("published demo 0.2.0") && all.stdout.contains("present   demo 0.3.0"), "\(all.stdout)")
        // Nothing published on or after the day: nothing to do.
        let dated = await sync(config, ["--from-date", "2026-12-01"], source, env: cwd)
        #expect(dated.exitCode == 0 && dated.stdout.contains("Done: 0 published, 0 already present, 0 failed"), "\(dated.stdout)")
        let verify = await CLIRunner.run(["verify", out])
        #expect(verify.exitCode == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func relocateFromALocalRepositoryCopiesImagesRegistryToRegistry() async throws {
        let source = try BundleRoundTripTests.source("relocate")
        let charts = source.dir.file("local-charts")
        try FileManager.default.createDirectory(atPath: charts, withIntermediateDirectories: true)
        let tgz = try BundleRoundTripTests.package(source.chart, in: source.dir)
        try FileManager.default.copyItem(atPath: tgz, toPath: charts + "/demo-0.3.0.tgz")
        _ = try source.dir.write("local-charts/README.md", "not a chart\n")
        let target = try LiveRegistry.start(.plain)
        let config = try source.dir.write("relocate.yaml", """
            source:
              repo: {kind: LOCAL, url: "http://unused.example", path: \(charts)}
            target:
              containerRegistry: \(target.host)
              containerRepository: site
              repo: {kind: LOCAL, path: \(source.dir.file("published"))}
            relocateContainerImages: true
            """)
        let cache = source.dir.file("cache")
        let result = await CLIRunner.run(["sync", "--config", config] + target.ferryFlags, environment: ["FERRY_CACHE_DIR": cache])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let site = try RegistryWriter(target)
        #expect(try site.manifest("1.0", in: "site/multi") == source.multi)
        #expect(try site.manifest("2.0", in: "site/single") == source.single)
        #expect(try site.manifest("sha256-\(Digest.of(source.multi).hex).sig", in: "site/multi").map(Digest.of) == source.signature.digest)
        #expect(try site.manifest(source.referrer.digest.string, in: "site/multi").map(Digest.of) == source.referrer.digest)
        let copy = try Skopeo.copy("\(target.host)/site/multi:1.0", from: target, into: source.dir, allPlatforms: true)
        #expect(copy.manifestDigest == Digest.of(source.multi))
        // Streamed through: no blob was stored on this side.
        let stored = (FileManager.default.enumerator(atPath: cache)?.allObjects as? [String] ?? []).filter { $0.contains(Digest.of(source.multi).hex) }
        #expect(stored.isEmpty, "\(stored)")
        // The chart now names the target registry.
        let values = try Subprocess.check("tar", ["-xzOf", source.dir.file("published/demo-0.3.0.tgz"), "demo/values.yaml"])
        #expect(values.contains("registry: \(target.host)") && values.contains("site/multi"), "\(values)")
    }

    @Test func withoutRelocationChartsAreCopiedUnchanged() async throws {
        let source = try BundleRoundTripTests.source("copy-charts")
        let tgz = try BundleRoundTripTests.package(source.chart, in: source.dir)
        let original = try Data(contentsOf: URL(fileURLWithPath: tgz))
        try source.writer.pushChart(Array(original), name: "demo", version: "0.3.0", in: "charts/demo")
        let config = try source.dir.write("copy.yaml", """
            source:
              repo: {kind: OCI, url: "http://\(source.registry.host)/charts"}
            target:
              repo: {kind: LOCAL, path: \(source.dir.file("copied"))}
            charts: [demo]
            """)
        let result = await sync(config, [], source)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: source.dir.file("copied/demo-0.3.0.tgz"))) == original)
        // An OCI registry cannot list its charts: without 'charts' the error says so.
        let unnamed = try source.dir.write("unnamed.yaml", """
            source:
              repo: {kind: OCI, url: "http://\(source.registry.host)/charts"}
            target:
              repo: {kind: LOCAL, path: \(source.dir.file("copied"))}
            """)
        let refused = await sync(unnamed, [], source)
        #expect(refused.exitCode != 0 && refused.stderr.contains("name them with 'charts'"), "\(refused.stdout)\(refused.stderr)")
    }
}
