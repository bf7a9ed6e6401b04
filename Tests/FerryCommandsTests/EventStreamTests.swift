import FerryCharts
import FerryCommands
import FerryNode
import FerryOCI
import FerrySync
import FerryTestSupport
import Foundation
import Testing

/// `--output json` as docs/events.md describes it: every line an `Event` of schema 1 with an RFC
/// 3339 time, decoded here with the types the commands encode, and numbers equal to the text's.
@Suite struct EventStreamTests {
    struct Envelope: Decodable {
        var schema: Int
        var event: String
        var time: String
    }

    /// Every line of `stdout`, checked as an event line; their names in order.
    func events(_ stdout: String) throws -> [String] {
        try stdout.split(separator: "\n").map { line in
            let envelope = try JSONDecoder().decode(Envelope.self, from: Data(line.utf8))
            #expect(envelope.schema == 1, "\(line)")
            let time = try? Date(envelope.time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            #expect(time != nil && envelope.time.hasSuffix("Z"), "\(line)")
            return envelope.event
        }
    }

    func lines<Body>(_ type: Body.Type, _ stdout: String, _ name: String) throws -> [Event<Body>] {
        try stdout.split(separator: "\n").compactMap { line in
            let envelope = try JSONDecoder().decode(Envelope.self, from: Data(line.utf8))
            return envelope.event == name ? try JSONDecoder().decode(Event<Body>.self, from: Data(line.utf8)) : nil
        }
    }

    @Test func pushStreamHasEveryBlobAndImageAndNumbersEqualTheText() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("events")
        let shared = TestLayer.random(size: 6000)
        let images = [TestImage.make("example.com/team/app-a:1.0", layerSizes: [3000, 5000], shared: [shared]),
                      TestImage.make("docker.io/library/app-b:2", layerSizes: [4000], shared: [shared])]
        let path = dir.file("archive.tar")
        try ArchiveFixture.write(images, style: .ggcr, to: path)
        func push(_ prefix: String, _ extra: [String]) async -> CLIRunner.Result {
            await CLIRunner.run(["push", path, "--registry", registry.host, "--repository", prefix] + registry.ferryFlags + extra,
                                environment: ["FERRY_CACHE_DIR": dir.file("cache-\(prefix)")])
        }
        let json = await push("j", ["--output", "json"])
        let text = await push("t", [])
        #expect(json.exitCode == 0 && text.exitCode == 0, "\(json.stderr)\(text.stderr)")
        let names = try events(json.stdout)
        #expect(names.first == "plan" && names.last == "summary", "\(names)")

        let plan = try #require(try lines(PushPlanDocument.self, json.stdout, "plan").first).body
        let finished = try lines(BlobEventDocument.self, json.stdout, "blob.finished").map(\.body)
        let started = try lines(BlobEventDocument.self, json.stdout, "blob.started").map(\.body)
        let pushed = try lines(ImageEventDocument.self, json.stdout, "image.finished").map(\.body)
        let summary = try #require(try lines(PushSummaryDocument.self, json.stdout, "summary").first).body.report
        // One finished event per blob each repository needs: 2 images, 4 + 3 blobs, the shared one mounted.
        #expect(finished.count == 7 && started.count == finished.filter { $0.outcome == "uploaded" }.count, "\(finished)")
        #expect(finished.filter { $0.outcome == "uploaded" }.count == summary.blobsUploaded)
        #expect(finished.filter { $0.outcome == "mounted" }.count == summary.blobsMounted)
        #expect(Set(pushed.map(\.reference)) == Set(plan.images.flatMap(\.targets)))
        #expect(pushed.allSatisfy { $0.outcome == "pushed" && $0.digest?.hasPrefix("sha256:") == true })
        #expect(Dictionary(uniqueKeysWithValues: pushed.map { ($0.reference, $0.digest!) })
                == Dictionary(uniqueKeysWithValues: summary.images.map { ($0.reference, $0.digest) }))
        // The text run of the same archive says the same numbers.
        let done = "Done: 2 pushed, 0 unchanged, 0 failed; \(summary.blobsUploaded) blob(s) uploaded"
        #expect(text.stdout.contains(done) && text.stdout.contains(", \(summary.blobsMounted) mounted"), "\(text.stdout) vs \(summary)")
        // Times never go backwards.
        let times = try json.stdout.split(separator: "\n").map { try JSONDecoder().decode(Envelope.self, from: Data($0.utf8)).time }
        #expect(times == times.sorted())
    }

    @Test func syncStreamHasStructuredEditsAndPublishedCharts() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("events-sync")
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        let chart = ChartFixture(name: "egress", version: "1.2.0", images: [("controller", TestImage.make("docker.io/library/egress:1.2.0"))])
        try BundleFixture.write(to: dir.file("offline/egress-1.2.0.bundle.tar"), chart: chart)
        let config = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry.host)
              containerRepository: release.example.io/mod
              repo: {kind: LOCAL, path: ./local-repo}
            """)
        let run = { (extra: [String]) in
            await CLIRunner.run(["sync", "--config", config, "--output", "json"] + extra,
                                environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
        }
        let dry = await run(["--dry-run"])
        #expect(dry.exitCode == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(try events(dry.stdout).filter { $0.hasPrefix("chart.published") || $0.hasPrefix("blob.") }.isEmpty, "\(dry.stdout)")

        let result = await run([])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let names = try events(result.stdout)
        #expect(names.firstIndex(of: "chart.relocated")! < names.firstIndex(of: "plan")!, "\(names)")
        #expect(names.firstIndex(of: "image.finished")! < names.firstIndex(of: "chart.published")!, "\(names)")
        let relocated = try #require(try lines(ChartEventDocument.self, result.stdout, "chart.relocated").first).body
        let edits = try #require(relocated.edits)
        #expect(edits.contains { $0.file == "values.yaml" && $0.path.last == "registry" && $0.new == registry.host }, "\(edits)")
        let published = try #require(try lines(ChartEventDocument.self, result.stdout, "chart.published").first).body
        #expect(published.chart == "egress" && published.version == "1.2.0" && published.outcome == "published")
        let package = try Data(contentsOf: URL(fileURLWithPath: dir.file("local-repo/egress-1.2.0.tgz")))
        #expect(published.digest == Digest.of(Array(package)).string)
        let summary = try #require(try lines(SyncSummaryDocument.self, result.stdout, "summary").first).body.report
        #expect(summary.charts.first?.edits == edits && summary.charts.first?.images.first?.target.hasPrefix(registry.host) == true)

        // Again: the chart is present, and said so.
        let again = await run([])
        let present = try lines(ChartEventDocument.self, again.stdout, "chart.published").map(\.body)
        #expect(present.map(\.outcome) == ["present"], "\(again.stdout)")
    }

    @Test func aFailedCommandEndsWithAnErrorEventAndItsCode() async throws {
        let dir = try TemporaryDirectory("events-error")
        let path = dir.file("archive.tar")
        try ArchiveFixture.write([TestImage.make("example.com/a:1")], style: .ggcr, to: path)
        let result = await CLIRunner.run(["push", path, "--registry", "127.0.0.1:1", "--output", "json", "--retry-for", "1"],
                                         environment: ["FERRY_CACHE_DIR": dir.file("cache")])
        #expect(result.exitCode != 0)
        #expect(try events(result.stdout).last == "error")
        let failure = try #require(try lines(CommandFailure.self, result.stdout, "error").first).body
        #expect(failure.code == "unreachable" && failure.exitCode == result.exitCode, "\(failure)")
    }
}
