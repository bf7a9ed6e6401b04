import FerryCharts
import FerryUpgrade
import Testing

/// The rewrite of a release's values: every image registry moved to the site registry, edited as
/// text where the user values have the path, set with --set-string where only the chart has it.
@Suite struct RegistryRewriteTests {
    func chart(_ values: String) throws -> ChartTree {
        try ChartTree(files: ["Chart.yaml": Array("apiVersion: v2\nname: web\nversion: 1.0.0\n".utf8), "values.yaml": Array(values.utf8)],
                      origin: "web")
    }

    @Test func registriesFromHintsGlobalAndImageKeys() throws {
        let chart = try chart("global:\n  imageRegistry: \"\"\nagent:\n  image:\n    registry: ghcr.io\nui:\n  image: docker.io/team/ui:1.0\n")
        let user = "# kept\nagent:\n  image:\n    registry: ghcr.io   # the vendor's\nui:\n  image: docker.io/team/ui:1.0\n"
        let hints = [try ImageTemplate(parsing: "{{ .ui.image }}")]
        let rewrite = try RegistryRewrite(userValues: user, origin: "values", chart: chart, hints: hints, registry: "10.0.0.5")
        #expect(rewrite.values.text == "# kept\nagent:\n  image:\n    registry: 10.0.0.5   # the vendor's\nui:\n  image: 10.0.0.5/team/ui:1.0\n")
        #expect(Set(rewrite.edits.map { $0.path.joined(separator: ".") }) == ["agent.image.registry", "ui.image"])
        #expect(rewrite.sets.map(\.path) == [["global", "imageRegistry"]] && rewrite.sets.map(\.value) == ["10.0.0.5"])
    }

    @Test func emptyUserValuesAsHelmPrintsThem() throws {
        let chart = try chart("image:\n  registry: quay.io\n")
        for empty in ["null\n", "{}\n", ""] {
            let rewrite = try RegistryRewrite(userValues: empty, origin: "values", chart: chart, hints: [], registry: "r.local")
            #expect(rewrite.edits.isEmpty && rewrite.values.text.isEmpty, "\(empty)")
        }
    }

    @Test func aRegistryAlreadyInPlaceIsLeftAlone() throws {
        let rewrite = try RegistryRewrite(userValues: "image:\n  registry: r.local\n", origin: "values", chart: try chart("a: 1\n"),
                                          hints: [], registry: "r.local")
        #expect(rewrite.edits.isEmpty && rewrite.sets.isEmpty)
    }
}
