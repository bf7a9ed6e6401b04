import FerryCharts
import FerryOCI
import Foundation
import Testing

/// Charts, values and hints from outside the site: bombs, names that would become paths, and
/// documents in styles real editors write.
@Suite struct HostileChartTests {
    /// A 1 KB "billion laughs": nine levels of ten aliases each.
    static let bomb: String = {
        var lines = ["a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",")
            lines.append("a\(i): &a\(i) [\(refs)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func aYAMLBombIsRefusedByNameWherever() throws {
        #expect(Self.bomb.utf8.count < 1200)
        let values = #expect(throws: ChartsError.self) { try ValuesFile(text: Self.bomb, origin: "b!values.yaml") }
        #expect(values?.message.contains("b!values.yaml") == true)
        #expect(values?.message.contains("billion laughs") == true)
        let hints = #expect(throws: ChartsError.self) {
            try ImageHints.parse(Array(("- &h \"{{ .image }}\"\n" + Self.bomb.replacingOccurrences(of: "a0:", with: "- a0:")).utf8), origin: "b!hints.yaml")
        }
        #expect(hints?.message.contains("b!hints.yaml") == true)
        let chart = #expect(throws: ChartsError.self) {
            try ChartMetadata(yaml: Array(("name: demo\nversion: 1.0.0\n" + Self.bomb).utf8), origin: "b!Chart.yaml")
        }
        #expect(chart?.message.contains("b!Chart.yaml") == true)
        #expect(throws: ChartsError.self) {
            try ChartRepositoryIndex(yaml: Array(("apiVersion: v1\nannotations:\n  x: *a9\n" + Self.bomb.replacingOccurrences(of: "\na", with: "\n#")).utf8),
                                     origin: "repo/index.yaml")
        }
    }

    @Test func aLargeValuesFileRelocatesInOnePass() throws {
        // About 2 MiB: 20,000 services (scripts/bench times larger ones), each with an image; the hinted one is near the end.
        var text = ""
        for i in 0..<20_000 {
            text += "svc\(i):\n  image:\n    registry: quay.io   # upstream\n    repository: org/svc\(i)\n    tag: \"1.\(i)\"\n  replicas: 1\n"
        }
        let chart = try ChartTree(files: ["Chart.yaml": Array("apiVersion: v2\nname: big\nversion: 1.0.0\n".utf8),
                                          "values.yaml": Array(text.utf8)], origin: "big")
        let hints = try (19_990..<20_000).map { try ImageTemplate(parsing: "{{ .svc\($0).image.registry }}/{{ .svc\($0).image.repository }}:{{ .svc\($0).image.tag }}") }
        let result = try ChartRelocation.relocate(chart, hints: hints, rule: RelocationRule(registry: "10.0.0.1", repositoryPrefix: "p")) { _, _ in
            Digest.of([1])
        }
        #expect(result.images.count == 10)
        #expect(result.images.last?.target.description == "10.0.0.1/p/svc19999:1.19999")
        let after = String(decoding: result.chart.files["values.yaml"]!, as: UTF8.self)
        #expect(after.utf8.count - text.utf8.count == 10 * ("10.0.0.1".count - "quay.io".count + "p/svc1999x".count - "org/svc1999x".count))
        #expect(after.contains("svc19999:\n  image:\n    registry: 10.0.0.1   # upstream\n    repository: p/svc19999\n"))
    }

    @Test func chartFilesOverHelmsDefaultLimitAreReadWholeAndReported() throws {
        let big = Array(repeating: UInt8(ascii: "x"), count: 9 << 20)
        let chart = try ChartTree(files: ["Chart.yaml": Array("apiVersion: v2\nname: big\nversion: 1.0.0\n".utf8), "files/big.bin": big,
                                          "values.yaml": Array("a: b\n".utf8)], origin: "big")
        #expect(chart.filesOverHelmLimit.map(\.path) == ["files/big.bin"])
        // Packed and read back, as a packed subchart or a repository's chart is, it is whole.
        let files = try ChartArchive.files(ofTgz: try ChartArchive.package(chart), origin: "big.tgz")
        #expect(files["files/big.bin"] == big)
    }

    @Test(arguments: ["../escaped", "a/b", "a\u{0}b", "new\nline", "with space", ".hidden", "..", "back\\slash"])
    func chartNamesThatWouldBecomePathsAreRefused(_ name: String) throws {
        let yaml = "apiVersion: v2\nname: \"\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\u{0}", with: "\\0"))\"\nversion: 1.0.0\n"
        let error = #expect(throws: ChartsError.self) { try ChartMetadata(yaml: Array(yaml.utf8), origin: "x!Chart.yaml") }
        #expect(error?.message.contains("x!Chart.yaml") == true)
        #expect(error?.message.contains("\n") == false)
    }

    @Test(arguments: ["1.0.0/../../x", "1.0.0+../x", "latest", "1.0.0 ", "１.0.0"])
    func versionsThatAreNotSemverAreRefused(_ version: String) throws {
        #expect(throws: ChartsError.self) {
            try ChartMetadata(yaml: Array("name: demo\nversion: \"\(version)\"\n".utf8), origin: "Chart.yaml")
        }
    }

    @Test func aPackedSubchartCannotNameItselfOutOfTheChart() throws {
        let hostile = Array("name: ../../evil\nversion: 0.1.0\n".utf8)
        #expect(throws: ChartsError.self) { try ChartTree(files: ["Chart.yaml": hostile], origin: "sub") }
        // A package whose Chart.yaml says ../../evil: packed under a safe name, then its Chart.yaml swapped
        // (ChartArchive.package takes the top directory from the tree's metadata, read before the swap).
        var tree = try ChartTree(files: ["Chart.yaml": Array("name: placeholder\nversion: 0.1.0\n".utf8)], origin: "sub")
        tree.files["Chart.yaml"] = hostile
        let package = try ChartArchive.package(tree)
        #expect(throws: ChartsError.self) {
            try ChartTree(expandingPackedSubcharts: ["Chart.yaml": Array("name: top\nversion: 1.0.0\n".utf8),
                                                     "charts/x.tgz": package], origin: "top")
        }
    }

    @Test func flowStyleChartYAMLKeepsItsKeysWhenDependenciesAreStripped() throws {
        let chart = try ChartTree(files: [
            "Chart.yaml": Array("{apiVersion: v2, name: demo, version: 1.0.0, dependencies: [{name: sub, version: 0.1.0, repository: \"https://x\"}]}\n".utf8),
            "charts/sub/Chart.yaml": Array("name: sub\nversion: 0.1.0\n".utf8),
        ], origin: "demo")
        let stripped = try chart.strippingDependencies()
        let metadata = try ChartMetadata(yaml: stripped.files["Chart.yaml"]!, origin: "Chart.yaml")
        #expect(metadata.name == "demo" && metadata.version == "1.0.0")
        #expect(!String(decoding: stripped.files["Chart.yaml"]!, as: UTF8.self).contains("dependencies"))
        // Block style keeps every other line as it was.
        let block = try ChartTree(files: ["Chart.yaml": Array("# top\nname: demo\ndependencies:\n  - name: sub\n    version: 0.1.0\nversion: 1.0.0 # v\n".utf8)],
                                  origin: "demo").strippingDependencies()
        #expect(String(decoding: block.files["Chart.yaml"]!, as: UTF8.self) == "# top\nname: demo\nversion: 1.0.0 # v\n")
    }

    @Test func crlfValuesAreEditedAndKeepTheirLineEnds() throws {
        var values = try ValuesFile(text: "image:\r\n  registry: quay.io\r\n  repository: org/app # c\r\n  tag: v1\r\n", origin: "v")
        try values.set([(["image", "registry"], "10.0.0.1"), (["image", "repository"], "p/app")])
        #expect(values.text == "image:\r\n  registry: 10.0.0.1\r\n  repository: p/app # c\r\n  tag: v1\r\n")
        #expect(try ValuesFile(text: "\u{FEFF}a: b\n", origin: "bom").scalar(at: ["a"]) == "b")
    }
}
