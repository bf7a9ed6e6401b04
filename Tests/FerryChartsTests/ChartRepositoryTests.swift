import AsyncHTTPClient
import FerryCharts
import FerryOCI
import FerryRegistry
import FerryTestSupport
import Foundation
import Testing

/// Every chart repository behind the one protocol: a directory, the same directory served over
/// HTTP, a real registry (OCI) and ChartMuseum's API, each published to or read back as the
/// protocol says.
@Suite struct ChartRepositoryTests {
    func package(_ name: String, _ version: String, extra: String = "") throws -> ChartPackage {
        let chart = try ChartTree(files: ["Chart.yaml": Array("apiVersion: v2\nname: \(name)\nversion: \(version)\n\(extra)".utf8),
                                          "values.yaml": Array("image:\n  registry: quay.io\n".utf8)], origin: name)
        return ChartPackage(metadata: chart.metadata, bytes: try ChartArchive.package(chart))
    }

    func withWeb(_ body: (HTTPTransport) async throws -> Void) async throws {
        try await HTTPTransport.with(security: TransportSecurity(), body)
    }

    func code(_ expected: ChartsError.Code, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(expected), nothing was thrown")
        } catch let error as ChartsError {
            #expect(error.code == expected, "\(error)")
        } catch {
            Issue.record("expected \(expected), got \(error)")
        }
    }

    @Test func chartTagsMapPlusToUnderscoreAndBack() {
        #expect(ChartTag.tag(forVersion: "1.2.3+build.5") == "1.2.3_build.5")
        #expect(ChartTag.version(fromTag: "1.2.3_build.5") == "1.2.3+build.5")
        #expect(ChartTag.tag(forVersion: "1.2.3-rc.1") == "1.2.3-rc.1")
    }

    @Test func aLocalDirectoryMergesIntoAnIndexHelmWrote() async throws {
        let dir = try TemporaryDirectory("repo")
        // As Go's Helm writes it: a null list, an entry with fields Ferry does not model, serverInfo.
        _ = try dir.write("index.yaml", """
            apiVersion: v1
            entries:
              gone: null
              other:
              - apiVersion: v2
                name: other
                version: 0.9.0
                created: "2024-01-02T03:04:05.000000006Z"
                digest: abc
                maintainers:
                - name: ops
                  email: ops@example.com
                urls:
                - https://charts.example.com/other-0.9.0.tgz
              - null
            generated: "2024-01-02T03:04:05Z"
            serverInfo: {}

            """)
        let repository = LocalChartRepository(directory: dir.path)
        try await repository.publish(try package("demo", "1.0.0"), force: false)
        try await repository.publish(try package("demo", "1.1.0+b.2", extra: "maintainers: null\n"), force: false)
        #expect(Set(try await repository.versions(of: "demo")) == ["1.0.0", "1.1.0+b.2"])
        #expect(try await repository.versions(of: "other") == ["0.9.0"])
        #expect(try await repository.contains(name: "demo", version: "1.0.0"))
        #expect(try await !repository.contains(name: "demo", version: "2.0.0"))

        let index = try ChartRepositoryIndex(yaml: Array(try #require(FileManager.default.contents(atPath: dir.file("index.yaml")))), origin: "index.yaml")
        #expect(index.versions(of: "demo") == ["1.1.0+b.2", "1.0.0"], "newest first")
        let entry = try #require(index.entry(name: "demo", version: "1.0.0"))
        let fetched = try await repository.fetch(name: "demo", version: "1.0.0")
        #expect(entry.digest == Digest.of(fetched).hex && entry.urls == ["demo-1.0.0.tgz"])
        #expect(index.entry(name: "demo", version: "1.1.0+b.2")?.fields["maintainers"] == nil, "a null field is left out")
        let other = try #require(index.entry(name: "other", version: "0.9.0"))
        #expect(other.urls == ["https://charts.example.com/other-0.9.0.tgz"] && other.digest == "abc")
        #expect(other.fields["maintainers"] == .list([.map(["name": .string("ops"), "email": .string("ops@example.com")])]))

        try await repository.publish(try package("demo", "1.0.0"), force: false)  // the same package again: only indexed
        await code(.chartExists) { try await repository.publish(try package("demo", "1.0.0", extra: "description: again\n"), force: false) }
        try await repository.publish(try package("demo", "1.0.0", extra: "description: again\n"), force: true)
        #expect(try await repository.chart(name: "demo", version: "1.0.0").metadata.description == "again")
        await code(.chartMissing) { _ = try await repository.fetch(name: "demo", version: "3.0.0") }
        await code(.invalidChart) { _ = try await repository.fetch(name: "../demo", version: "1.0.0") }
    }

    @Test func aDirectoryServedOverHTTPReadsBackAndIsReadOnly() async throws {
        let dir = try TemporaryDirectory("repo")
        let local = LocalChartRepository(directory: dir.path)
        try await local.publish(try package("demo", "1.0.0"), force: false)
        try await local.publish(try package("demo", "1.2.0"), force: false)
        let server = try StaticHTTPServer(directory: dir.path)
        try await withWeb { http in
            let repository = HTTPChartRepository(url: server.url + "/", web: WebClient(transport: http, credentials: nil))
            #expect(try await repository.versions(of: "demo") == ["1.2.0", "1.0.0"])
            #expect(try await repository.versions(of: "absent") == [])
            #expect(try await repository.fetch(name: "demo", version: "1.2.0") == local.fetch(name: "demo", version: "1.2.0"))
            #expect(try await repository.chart(name: "demo", version: "1.0.0").metadata.version == "1.0.0")
            await code(.chartMissing) { _ = try await repository.fetch(name: "demo", version: "9.9.9") }
            await code(.repositoryUnusable) { try await repository.publish(try package("demo", "2.0.0"), force: false) }

            // A package that is not the one the index lists is refused by its digest.
            _ = try dir.write("demo-1.0.0.tgz", "not the package")
            await code(.invalidChart) { _ = try await repository.fetch(name: "demo", version: "1.0.0") }
            let missing = HTTPChartRepository(url: server.url + "/nowhere", web: WebClient(transport: http, credentials: nil))
            await code(.repositoryUnusable) { _ = try await missing.versions(of: "demo") }
        }
    }

    @Test func anOCIRegistryHoldsChartsAsHelmPushDoes() async throws {
        let registry = try LiveRegistry.start()
        try await HTTPTransport.with(security: TransportSecurity(mode: .plainHTTP)) { transport in
            let client = try await RegistryClient.connect(host: registry.host, transport: transport, credentials: nil)
            let repository = OCIChartRepository(client: client, path: "/charts/")
            let chart = try package("demo", "1.0.0+build.7", extra: "description: An OCI chart\n")
            #expect(repository.location(name: "demo", version: chart.version) == "oci://\(registry.host)/charts/demo:1.0.0_build.7")
            #expect(try await repository.versions(of: "demo") == [])
            try await repository.publish(chart, force: false)
            try await repository.publish(chart, force: false)  // the same chart again: nothing to replace
            #expect(try await repository.versions(of: "demo") == ["1.0.0+build.7"])
            #expect(try await repository.contains(name: "demo", version: "1.0.0+build.7"))
            #expect(try await repository.fetch(name: "demo", version: "1.0.0+build.7") == chart.bytes)
            let manifest = try await client.fetchManifest("1.0.0_build.7", from: "charts/demo").manifest()
            #expect(manifest.config.mediaType == MediaType.helmConfig && manifest.layers.map(\.mediaType) == [MediaType.helmChart])

            let changed = try package("demo", "1.0.0+build.7", extra: "description: Changed\n")
            await code(.chartExists) { try await repository.publish(changed, force: false) }
            try await repository.publish(changed, force: true)
            #expect(try await repository.chart(name: "demo", version: "1.0.0+build.7").metadata.description == "Changed")
            await code(.chartMissing) { _ = try await repository.fetch(name: "demo", version: "2.0.0") }
        }
    }

    @Test func chartMuseumAndHarborChartRepositories() async throws {
        let museum = try FakeChartMuseum(.chartmuseum)
        let harbor28 = try FakeChartMuseum(.harbor28)
        try await withWeb { http in
            let credentials = Credentials(username: museum.username, password: museum.password, origin: "test")
            let repository = try ChartMuseumRepository(url: museum.url, flavor: .chartmuseum, web: WebClient(transport: http, credentials: credentials))
            try await repository.publish(try package("demo", "1.0.0"), force: false)
            #expect(try await repository.versions(of: "demo") == ["1.0.0"])
            #expect(try await repository.fetch(name: "demo", version: "1.0.0") == package("demo", "1.0.0").bytes)
            await code(.chartExists) { try await repository.publish(try package("demo", "1.0.0"), force: false) }
            let anonymous = try ChartMuseumRepository(url: museum.url, flavor: .chartmuseum, web: WebClient(transport: http, credentials: nil))
            await code(.repositoryRefused) { try await anonymous.publish(try package("demo", "1.1.0"), force: false) }

            let gone = try ChartMuseumRepository(url: harbor28.url, flavor: .harbor, web: WebClient(transport: http, credentials: nil))
            await code(.harborWithoutChartRepository) { _ = try await gone.versions(of: "demo") }
            await code(.harborWithoutChartRepository) { try await gone.publish(try package("demo", "1.0.0"), force: false) }
            await code(.repositoryUnusable) { _ = try ChartMuseumRepository(url: museum.url, flavor: .harbor, web: WebClient(transport: http, credentials: nil)) }
        }
    }

    @Test func concurrentPublishersIntoOneDirectoryLoseNoEntry() async throws {
        let dir = try TemporaryDirectory("repo")
        let packages = try (0..<12).map { try package("demo", "1.\($0).0") }
        // Each publisher is its own actor, as two ferry processes would be: only the lock orders them.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chart in packages {
                group.addTask { try await LocalChartRepository(directory: dir.path).publish(chart, force: false) }
            }
            try await group.waitForAll()
        }
        let index = try ChartRepositoryIndex(yaml: Array(try #require(FileManager.default.contents(atPath: dir.file("index.yaml")))), origin: "i")
        #expect(Set(index.versions(of: "demo")) == Set(packages.map(\.version)))
    }

    @Test func aPackageWithoutItsIndexEntryIsNotPresentAndIsRepaired() async throws {
        let dir = try TemporaryDirectory("repo")
        let repository = LocalChartRepository(directory: dir.path)
        let chart = try package("demo", "1.0.0")
        try await repository.publish(chart, force: false)
        #expect(try await repository.contains(name: "demo", version: "1.0.0"))
        // A crash after the package and before the index, or an index rewritten by another tool.
        _ = try dir.write("index.yaml", "apiVersion: v1\nentries: {}\n")
        #expect(try await !repository.contains(name: "demo", version: "1.0.0"))
        try await repository.publish(chart, force: false)
        #expect(try await repository.contains(name: "demo", version: "1.0.0"))
        // A stale digest is not present either.
        let text = try String(contentsOfFile: dir.file("index.yaml"), encoding: .utf8)
        _ = try dir.write("index.yaml", text.replacingOccurrences(of: Digest.of(chart.bytes).hex, with: String(repeating: "0", count: 64)))
        #expect(try await !repository.contains(name: "demo", version: "1.0.0"))
        await code(.chartExists) { try await repository.publish(try package("demo", "1.0.0", extra: "description: other\n"), force: false) }
    }
}
