import FerryCharts
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

@Suite struct RelocationTests {
    let agent = try! Reference(parsing: "ghcr.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0")

    @Test func chartsSyncerRule() {
        let rule = RelocationRule(registry: "10.16.23.145", repositoryPrefix: "release.daocloud.io/spidernet")
        #expect(rule.relocate(agent) == ("10.16.23.145", "release.daocloud.io/spidernet/spiderpool-agent"))
        #expect(RelocationRule(registry: "r.local").relocate(agent) == ("r.local", "spidernet-io/spiderpool/spiderpool-agent"))
    }

    @Test func forkVariants() {
        #expect(RelocationRule(prefixRegistry: "mirror.local", appendOriginRegistry: true).relocate(agent)
                == ("mirror.local/ghcr.io", "spidernet-io/spiderpool/spiderpool-agent"))
        #expect(RelocationRule(prefixRegistry: "mirror.local").relocate(agent)
                == ("mirror.local", "ghcr.io/spidernet-io/spiderpool/spiderpool-agent"))
        #expect(RelocationRule(registry: "r", prefixRepository: "pre").relocate(agent) == ("r", "pre/spidernet-io/spiderpool/spiderpool-agent"))
        #expect(RelocationRule(prefixRegistry: "m", prefixRepository: "pre").relocate(agent)
                == ("m", "ghcr.io/pre/spidernet-io/spiderpool/spiderpool-agent"))
        #expect(RelocationRule(registry: "r", repositoryPrefix: "p", prefixRepository: "pre").relocate(agent) == ("r", "p/spiderpool-agent"))
    }

    func chart(values: String, subchart: (name: String, values: String)? = nil) throws -> ChartTree {
        var files: [String: [UInt8]] = [
            "Chart.yaml": Array("apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n    repository: https://charts.example.com\nappVersion: \"1\"\n".utf8),
            "values.yaml": Array(values.utf8),
            "Chart.lock": Array("dependencies: []\n".utf8),
        ]
        if let subchart {
            files["charts/\(subchart.name)/Chart.yaml"] = Array("apiVersion: v2\nname: \(subchart.name)\nversion: 0.1.0\n".utf8)
            files["charts/\(subchart.name)/values.yaml"] = Array(subchart.values.utf8)
        }
        return try ChartTree(files: files, origin: "test-chart")
    }

    @Test func relocatesParentAndSubchartValuesAndKeepsTags() throws {
        let tree = try chart(values: """
            app:
              image:
                registry: docker.io   # upstream
                repository: vendor/app
                tag: "1.0"
            sub:
              image:
                registry: quay.io
            """, subchart: ("sub", "image:\n  registry: quay.io\n  repository: org/sub\n  tag: \"2.0\"\n"))
        let hints = [try ImageTemplate(parsing: "{{ .app.image.registry }}/{{ .app.image.repository }}:{{ .app.image.tag }}"),
                     try ImageTemplate(parsing: "{{ .sub.image.registry }}/{{ .sub.image.repository }}:{{ .sub.image.tag }}")]
        let digest = Digest.of(Array("m".utf8))
        let result = try ChartRelocation.relocate(tree, hints: hints, rule: RelocationRule(registry: "h:5000", repositoryPrefix: "proj")) { _, _ in digest }
        #expect(result.images.map(\.original.description) == ["docker.io/vendor/app:1.0", "quay.io/org/sub:2.0"])
        #expect(result.images.map(\.target.description) == ["h:5000/proj/app:1.0", "h:5000/proj/sub:2.0"])
        let values = String(decoding: result.chart.files["values.yaml"]!, as: UTF8.self)
        #expect(values.contains("registry: h:5000   # upstream"))
        #expect(values.contains("repository: proj/app"))
        #expect(values.contains("tag: \"1.0\""))
        // The parent's override and the subchart's own value are both relocated.
        #expect(values.contains("sub:\n  image:\n    registry: h:5000"))
        let sub = String(decoding: result.chart.files["charts/sub/values.yaml"]!, as: UTF8.self)
        #expect(sub == "image:\n  registry: h:5000\n  repository: proj/sub\n  tag: \"2.0\"\n")

        let stripped = try result.chart.strippingDependencies()
        #expect(stripped.files["Chart.lock"] == nil)
        let chartYAML = String(decoding: stripped.files["Chart.yaml"]!, as: UTF8.self)
        #expect(chartYAML == "apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: \"1\"\n")
    }

    @Test func singlePlaceholderWithoutTagGetsTheDigest() throws {
        let tree = try chart(values: "some:\n  image: docker.io/bitnami/nginx\n")
        let digest = Digest.of(Array("manifest".utf8))
        let result = try ChartRelocation.relocate(tree, hints: [try ImageTemplate(parsing: "{{ .some.image }}")],
                                                  rule: RelocationRule(registry: "r.local", repositoryPrefix: "p")) { _, _ in digest }
        #expect(String(decoding: result.chart.files["values.yaml"]!, as: UTF8.self) == "some:\n  image: r.local/p/nginx@\(digest)\n")
        #expect(result.images[0].target.description == "r.local/p/nginx:latest")
    }

    @Test func missingValuesKeyIsNamed() throws {
        let tree = try chart(values: "app:\n  image:\n    repository: a/b\n    tag: \"1\"\n")
        let hint = try ImageTemplate(parsing: "{{ .app.image.registry }}/{{ .app.image.repository }}:{{ .app.image.tag }}")
        #expect { try ChartRelocation.relocate(tree, hints: [hint], rule: RelocationRule(registry: "r")) { _, _ in Digest.of([1]) } } throws: { error in
            (error as? ChartsError)?.code == .hintNotRendered && "\(error)".contains("app.image.registry")
        }
    }

    @Test func packagesDeterministicallyUnderTheChartName() throws {
        let tree = try chart(values: "a: 1\n")
        let first = try ChartArchive.package(tree)
        #expect(first == (try ChartArchive.package(tree)))
        let files = try ChartArchive.files(ofTgz: first, origin: "pkg")
        #expect(Set(files.keys) == Set(tree.files.keys))
        #expect(files["values.yaml"] == Array("a: 1\n".utf8))
    }

    @Test func expandsPackedSubcharts() throws {
        let sub = try ChartTree(files: ["Chart.yaml": Array("apiVersion: v2\nname: packed\nversion: 0.2.0\n".utf8),
                                        "values.yaml": Array("image:\n  registry: quay.io\n".utf8)], origin: "sub")
        let packed = try ChartArchive.package(sub)
        var files = try chart(values: "a: 1\n").files
        files["charts/packed-0.2.0.tgz"] = packed
        let tree = try ChartTree(expandingPackedSubcharts: files, origin: "t")
        #expect(tree.subcharts.map(\.name) == ["packed"])
        #expect(tree.files["charts/packed/values.yaml"] == Array("image:\n  registry: quay.io\n".utf8))
        #expect(tree.files["charts/packed-0.2.0.tgz"] == nil)
    }

    @Test func indexKeepsEntriesAndParsesStrictly() throws {
        var index = ChartRepositoryIndex()
        let chart = Array("apiVersion: v2\nname: demo\nversion: 1.0.0\ndescription: d\n".utf8)
        try index.add(try ChartMetadata(yaml: chart, origin: "Chart.yaml"), package: [1, 2, 3], url: "demo-1.0.0.tgz",
                      created: Date(timeIntervalSince1970: 0))
        try index.add(try ChartMetadata(yaml: Array("apiVersion: v2\nname: demo\nversion: 1.1.0\n".utf8), origin: "Chart.yaml"), package: [4],
                      url: "demo-1.1.0.tgz", created: Date())
        let text = try index.yaml(generated: Date())
        let reread = try ChartRepositoryIndex(yaml: Array(text.utf8), origin: "index.yaml")
        #expect(reread.contains(name: "demo", version: "1.0.0") && reread.contains(name: "demo", version: "1.1.0"))
        #expect(text.contains("digest: \(Digest.of([1, 2, 3]).hex)"))
        #expect(text.range(of: "version: 1.1.0")!.lowerBound < text.range(of: "version: 1.0.0")!.lowerBound)
        #expect(throws: ChartsError.self) { try ChartRepositoryIndex(yaml: Array("apiVersion: v1\nbogus: 1\n".utf8), origin: "i") }
    }

    @Test func ociArtifactLooksLikeHelmPush() throws {
        let metadata = try ChartMetadata(yaml: Array("apiVersion: v2\nname: demo\nversion: 1.0.0+build.5\ndescription: A chart\n".utf8),
                                         origin: "demo/Chart.yaml")
        let artifact = try ChartArtifact(metadata: metadata, package: [9, 9])
        #expect(artifact.tag == "1.0.0_build.5")
        #expect(String(decoding: artifact.config, as: UTF8.self) == #"{"name":"demo","version":"1.0.0+build.5","description":"A chart","apiVersion":"v2"}"#)
        let manifest = try artifact.manifest.manifest()
        #expect(manifest.config.mediaType == MediaType.helmConfig)
        #expect(manifest.layers.map(\.mediaType) == [MediaType.helmChart])
        #expect(manifest.layers[0].digest == Digest.of([9, 9]))
    }
}
