import FerryCommands
import FerrySync
import FerryTestSupport
import Foundation
import Testing

/// The flags charts-syncer v0.x and its DaoCloud fork take, as operators' scripts pass them to
/// `sync`: each accepted, doing what it does there or saying with --verbose why it changes nothing.
@Suite struct ChartsSyncerFlagTests {
    @Test func foreignFlagsAreRewrittenForTheirCommandOnly() {
        #expect(ArgumentRewrites.apply(["sync", "-c", "x.yaml", "-v", "2"]) == ["sync", "-c", "x.yaml", "--klog-v", "2"])
        #expect(ArgumentRewrites.apply(["sync", "-v=4", "--v", "3", "-v5"]) == ["sync", "--klog-v", "4", "--klog-v", "3", "--klog-v", "5"])
        #expect(ArgumentRewrites.apply(["sync", "--logtostderr=false", "--alsologtostderr=true", "-logtostderr"])
                == ["sync", "--alsologtostderr", "--logtostderr"])
        // -v alone is still --verbose; other commands and whatever follows -- are left alone.
        #expect(ArgumentRewrites.apply(["sync", "-v", "--dry-run"]) == ["sync", "-v", "--dry-run"])
        #expect(ArgumentRewrites.apply(["push", "-v", "2"]) == ["push", "-v", "2"])
        #expect(ArgumentRewrites.apply(["sync", "--", "-v", "2"]) == ["sync", "--", "-v", "2"])
        // helm's bare --dry-run means client, as helm reads it.
        #expect(ArgumentRewrites.apply(["upgrade", "web", "--dry-run", "--chart", "x"]) == ["upgrade", "web", "--dry-run=client", "--chart", "x"])
        #expect(ArgumentRewrites.apply(["upgrade", "web", "--dry-run=server"]) == ["upgrade", "web", "--dry-run=server"])
    }

    struct Site {
        let registry: LiveRegistry
        let dir: TemporaryDirectory
        let image = TestImage.make("docker.io/library/egress:1.2.0", layerSizes: [30_000])

        init(registryHost: String? = nil) throws {
            registry = try LiveRegistry.start(.plain)
            dir = try TemporaryDirectory("cs-flags")
            try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
            try BundleFixture.write(to: dir.file("offline/egress-1.2.0.bundle.tar"),
                                    chart: ChartFixture(name: "egress", version: "1.2.0", images: [("controller", image)]))
            _ = try dir.write("load-image.yaml", """
                source: {intermediateBundlesPath: offline}
                target:
                  containerRegistry: \(registryHost ?? registry.host)
                  containerRepository: release.example.io/mod
                  repo: {kind: LOCAL, path: ./local-repo}
                """)
        }

        func sync(_ extra: [String]) async -> CLIRunner.Result {
            await CLIRunner.run(["sync", "-c", dir.file("load-image.yaml")] + extra,
                                environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("default-cache")])
        }
    }

    @Test func scriptsFlagsAreAcceptedAndVerboseSaysWhatTheyChange() async throws {
        let site = try Site()
        let result = await site.sync(["-v", "4", "--logtostderr", "--alsologtostderr=true", "--skip-dependencies",
                                      "--from-date", "2024-01-31", "--workdir", "./wd", "--latest-version-only"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Done: 1 published"), "\(result.stdout)")
        // -v 4 is --verbose: each flag that changes nothing says why.
        for note in ["--from-date changes nothing", "--skip-dependencies changes nothing", "--logtostderr/--alsologtostderr change nothing",
                     "-v 4: klog's verbosity; 4 or more is --verbose"] {
            #expect(result.stderr.contains("note: \(note)"), "\(note): \(result.stderr)")
        }
        // --workdir is the cache: where blobs were placed is remembered there, not in the default.
        #expect(FileManager.default.fileExists(atPath: site.dir.file("wd/blob-locations")), "\((try? FileManager.default.contentsOfDirectory(atPath: site.dir.path)) ?? [])")
        #expect(!FileManager.default.fileExists(atPath: site.dir.file("default-cache/blob-locations")))

        // -v 2 (charts-syncer's default) is quiet about it.
        let again = await site.sync(["-v", "2"])
        #expect(again.exitCode == 0 && !again.stderr.contains("note:"), "\(again.stderr)")
        for bad in ["2024-13-01", "2024-02-30", "24-01-01", "2024-1-01"] {
            let badDate = await site.sync(["--from-date", bad])
            #expect(badDate.exitCode == 64 && badDate.stderr.contains("use YYYY-MM-DD"), "\(bad): \(badDate.stderr)")
        }
    }

    @Test func printImagesAndVerifyContactNothing() async throws {
        // The config names a registry nothing listens on: neither flag may reach it.
        let site = try Site(registryHost: "127.0.0.1:1")
        let printed = await site.sync(["--print-images"])
        #expect(printed.exitCode == 0, "\(printed.stderr)")
        #expect(printed.stdout == "docker.io/library/egress:1.2.0\n", "\(printed.stdout)")

        let verified = await site.sync(["--verify"])
        #expect(verified.exitCode == 0 && verified.stdout.contains("ok      egress 1.2.0: 1 image(s), 2 blob(s) verified"), "\(verified.stdout)\(verified.stderr)")
        #expect(!FileManager.default.fileExists(atPath: site.dir.file("local-repo")), "nothing is published")

        // A bundle whose layer was damaged: --verify names it and exits 1.
        let bundle = site.dir.file("offline/egress-1.2.0.bundle.tar")
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: bundle)))
        let layer = site.image.layers[0].gzipped
        let at = try #require(bytes.firstRange(of: layer.prefix(64))).lowerBound + 40
        bytes[at] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        let broken = await site.sync(["--verify", "--output", "json"])
        #expect(broken.exitCode == 1, "\(broken.stdout)\(broken.stderr)")
        let report = try #require(try Documents.lines(ChartSyncer.BundleImages.self, broken.stdout, event: "bundle.verified").first)
        #expect(report.problems.contains { $0.contains("expected \(site.image.layers[0].digest)") }, "\(report.problems)")
    }
}
