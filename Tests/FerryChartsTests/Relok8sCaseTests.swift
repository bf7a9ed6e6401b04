import FerryCharts
import FerryOCI
import Foundation
import Testing

/// The relocation cases relok8s (the library charts-syncer is built on) states in its own tests,
/// re-derived here as charts and hints of our own: the same pushed references and the same values
/// edits, and no others.
@Suite struct Relok8sCaseTests {
    static let digestA = try! Digest(hex: String(repeating: "a", count: 64))

    /// A chart from `files` (path → text); every `charts/<dir>/Chart.yaml` names its chart `<dir>`'s last element
    /// unless given.
    static func chart(_ name: String, _ files: [String: String]) throws -> ChartTree {
        var all = files.mapValues { Array($0.utf8) }
        all["Chart.yaml"] = all["Chart.yaml"] ?? Array("apiVersion: v2\nname: \(name)\nversion: 0.1.0\n".utf8)
        for path in files.keys where path.hasSuffix("/values.yaml") {
            let directory = String(path.dropLast("/values.yaml".count))
            let chartYAML = directory + "/Chart.yaml"
            if all[chartYAML] == nil {
                let subName = directory.split(separator: "/").last.map(String.init) ?? directory
                all[chartYAML] = Array("apiVersion: v2\nname: \(subName)\nversion: 0.1.0\n".utf8)
            }
        }
        return try ChartTree(expandingPackedSubcharts: all, origin: name)
    }

    static func relocate(_ chart: ChartTree, _ hints: [String], _ rule: RelocationRule,
                         digests: [String: Digest] = [:]) throws -> ChartRelocation.Result {
        let templates = try hints.map { try ImageTemplate(parsing: $0) }
        return try ChartRelocation.relocate(chart, hints: templates, rule: rule) { reference, _ in
            digests[reference.lastPathElement] ?? digestA
        }
    }

    /// Renders a hint against a chart's values the way relok8s does, to see where the chart now names an image.
    static func render(_ hint: String, in chart: ChartTree) throws -> Reference {
        let result = try relocate(chart, [hint], RelocationRule())  // no rule: renders only
        return result.images[0].original
    }

    /// relok8s writes `index.docker.io`; Ferry's references call Docker Hub `docker.io`.
    static func normalised(_ text: String) -> String {
        text.replacingOccurrences(of: "index.docker.io/", with: "docker.io/")
    }

    // MARK: - The rewrite-actions table (internal/image_template_test.go)

    struct Input: Sendable {
        var template: String
        var files: [String: String]
    }

    static let inputs: [String: Input] = [
        "imageAlone": Input(template: "{{ .image }}", files: ["values.yaml": "image: ubuntu:latest\n"]),
        "imageAndTag": Input(template: "{{ .image }}:{{ .tag }}", files: ["values.yaml": "image: petewall/amazingapp\ntag: latest\n"]),
        "registryAndImage": Input(template: "{{ .registry }}/{{ .image }}", files: ["values.yaml": "registry: quay.io\nimage: proxy/nginx\n"]),
        "registryImageAndTag": Input(template: "{{ .registry }}/{{ .image }}:{{ .tag }}",
                                     files: ["values.yaml": "registry: quay.io\nimage: busycontainers/busybox\ntag: busiest\n"]),
        "imageAndDigest": Input(template: "{{ .image }}@{{ .digest }}",
                                files: ["values.yaml": "image: petewall/platformio\ndigest: sha256:\(String(repeating: "a", count: 64))\n"]),
        "nestedValues": Input(template: "{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}",
                              files: ["values.yaml": "image:\n  registry: docker.io\n  repository: bitnami/wordpress\n  tag: 1.2.3\n"]),
        "dependency": Input(template: "{{ .lazy-chart.registry }}/{{ .lazy-chart.image }}:{{ .lazy-chart.tag }}",
                            files: ["values.yaml": "registry: quay.io\nimage: busycontainers/busybox\ntag: busiest\n",
                                    "charts/lazy-chart/values.yaml": "registry: index.docker.io\nimage: lazycontainers/lazybox\ntag: laziest\n"]),
        "globalRegistry": Input(template: "{{ .registry }}/{{ .subchart.image }}:{{ .subchart.tag }}",
                                files: ["values.yaml": "registry: docker.io\n",
                                        "charts/subchart/values.yaml": "image: mycompany/coolapp\ntag: newest\n"]),
        "globalRegistryWithPath": Input(template: "{{ .registry }}/{{ .subchart.image }}:{{ .subchart.tag }}",
                                        files: ["values.yaml": "registry: tenancy.registry.com/companyone\n",
                                                "charts/subchart/values.yaml": "image: super-app\ntag: 1.2.3\n"]),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        var input: String
        var rule: RelocationRule
        var original: String
        var rewritten: String
        /// relok8s's actions: the values path (as the hint names it) → new value.
        var actions: [String: String]
        var testDescription: String { "\(input) \(rule.registry ?? "-")/\(rule.repositoryPrefix ?? "-")" }
    }

    static let R = RelocationRule(registry: "registry.vmware.com")
    static let P = RelocationRule(repositoryPrefix: "my-company")
    static let RP = RelocationRule(registry: "registry.vmware.com", repositoryPrefix: "my-company")
    static let D = "sha256:" + String(repeating: "a", count: 64)

    static let rows: [Row] = [
        Row(input: "imageAlone", rule: R, original: "index.docker.io/library/ubuntu:latest",
            rewritten: "registry.vmware.com/library/ubuntu@\(D)", actions: [".image": "registry.vmware.com/library/ubuntu@\(D)"]),
        Row(input: "imageAlone", rule: P, original: "index.docker.io/library/ubuntu:latest",
            rewritten: "index.docker.io/my-company/ubuntu@\(D)", actions: [".image": "index.docker.io/my-company/ubuntu@\(D)"]),
        Row(input: "imageAlone", rule: RP, original: "index.docker.io/library/ubuntu:latest",
            rewritten: "registry.vmware.com/my-company/ubuntu@\(D)", actions: [".image": "registry.vmware.com/my-company/ubuntu@\(D)"]),
        Row(input: "imageAndTag", rule: R, original: "index.docker.io/petewall/amazingapp:latest",
            rewritten: "registry.vmware.com/petewall/amazingapp:latest", actions: [".image": "registry.vmware.com/petewall/amazingapp"]),
        Row(input: "imageAndTag", rule: P, original: "index.docker.io/petewall/amazingapp:latest",
            rewritten: "index.docker.io/my-company/amazingapp:latest", actions: [".image": "index.docker.io/my-company/amazingapp"]),
        Row(input: "imageAndTag", rule: RP, original: "index.docker.io/petewall/amazingapp:latest",
            rewritten: "registry.vmware.com/my-company/amazingapp:latest", actions: [".image": "registry.vmware.com/my-company/amazingapp"]),
        Row(input: "registryAndImage", rule: R, original: "quay.io/proxy/nginx:latest",
            rewritten: "registry.vmware.com/proxy/nginx@\(D)", actions: [".registry": "registry.vmware.com", ".image": "proxy/nginx@\(D)"]),
        Row(input: "registryAndImage", rule: P, original: "quay.io/proxy/nginx:latest",
            rewritten: "quay.io/my-company/nginx@\(D)", actions: [".image": "my-company/nginx@\(D)"]),
        Row(input: "registryAndImage", rule: RP, original: "quay.io/proxy/nginx:latest",
            rewritten: "registry.vmware.com/my-company/nginx@\(D)", actions: [".registry": "registry.vmware.com", ".image": "my-company/nginx@\(D)"]),
        Row(input: "registryImageAndTag", rule: R, original: "quay.io/busycontainers/busybox:busiest",
            rewritten: "registry.vmware.com/busycontainers/busybox:busiest", actions: [".registry": "registry.vmware.com"]),
        Row(input: "registryImageAndTag", rule: P, original: "quay.io/busycontainers/busybox:busiest",
            rewritten: "quay.io/my-company/busybox:busiest", actions: [".image": "my-company/busybox"]),
        Row(input: "registryImageAndTag", rule: RP, original: "quay.io/busycontainers/busybox:busiest",
            rewritten: "registry.vmware.com/my-company/busybox:busiest", actions: [".registry": "registry.vmware.com", ".image": "my-company/busybox"]),
        Row(input: "imageAndDigest", rule: R, original: "index.docker.io/petewall/platformio@\(D)",
            rewritten: "registry.vmware.com/petewall/platformio@\(D)", actions: [".image": "registry.vmware.com/petewall/platformio"]),
        Row(input: "imageAndDigest", rule: P, original: "index.docker.io/petewall/platformio@\(D)",
            rewritten: "index.docker.io/my-company/platformio@\(D)", actions: [".image": "index.docker.io/my-company/platformio"]),
        Row(input: "imageAndDigest", rule: RP, original: "index.docker.io/petewall/platformio@\(D)",
            rewritten: "registry.vmware.com/my-company/platformio@\(D)", actions: [".image": "registry.vmware.com/my-company/platformio"]),
        Row(input: "nestedValues", rule: R, original: "index.docker.io/bitnami/wordpress:1.2.3",
            rewritten: "registry.vmware.com/bitnami/wordpress:1.2.3", actions: [".image.registry": "registry.vmware.com"]),
        Row(input: "nestedValues", rule: P, original: "index.docker.io/bitnami/wordpress:1.2.3",
            rewritten: "index.docker.io/my-company/wordpress:1.2.3", actions: [".image.repository": "my-company/wordpress"]),
        Row(input: "nestedValues", rule: RP, original: "index.docker.io/bitnami/wordpress:1.2.3",
            rewritten: "registry.vmware.com/my-company/wordpress:1.2.3",
            actions: [".image.registry": "registry.vmware.com", ".image.repository": "my-company/wordpress"]),
        Row(input: "dependency", rule: R, original: "index.docker.io/lazycontainers/lazybox:laziest",
            rewritten: "registry.vmware.com/lazycontainers/lazybox:laziest", actions: [".lazy-chart.registry": "registry.vmware.com"]),
        Row(input: "dependency", rule: P, original: "index.docker.io/lazycontainers/lazybox:laziest",
            rewritten: "index.docker.io/my-company/lazybox:laziest", actions: [".lazy-chart.image": "my-company/lazybox"]),
        Row(input: "dependency", rule: RP, original: "index.docker.io/lazycontainers/lazybox:laziest",
            rewritten: "registry.vmware.com/my-company/lazybox:laziest",
            actions: [".lazy-chart.registry": "registry.vmware.com", ".lazy-chart.image": "my-company/lazybox"]),
        Row(input: "globalRegistry", rule: R, original: "index.docker.io/mycompany/coolapp:newest",
            rewritten: "registry.vmware.com/mycompany/coolapp:newest", actions: [".registry": "registry.vmware.com"]),
        Row(input: "globalRegistry", rule: P, original: "index.docker.io/mycompany/coolapp:newest",
            rewritten: "index.docker.io/my-company/coolapp:newest", actions: [".subchart.image": "my-company/coolapp"]),
        Row(input: "globalRegistry", rule: RP, original: "index.docker.io/mycompany/coolapp:newest",
            rewritten: "registry.vmware.com/my-company/coolapp:newest",
            actions: [".registry": "registry.vmware.com", ".subchart.image": "my-company/coolapp"]),
        // relok8s's test doubts this row ("Is this the expected result?"); its code does this: the
        // path in the registry value moves into the repository when parsed, and is dropped.
        Row(input: "globalRegistryWithPath", rule: R, original: "tenancy.registry.com/companyone/super-app:1.2.3",
            rewritten: "registry.vmware.com/super-app:1.2.3", actions: [".registry": "registry.vmware.com"]),
        Row(input: "globalRegistryWithPath", rule: P, original: "tenancy.registry.com/companyone/super-app:1.2.3",
            rewritten: "tenancy.registry.com/companyone/my-company/super-app:1.2.3", actions: [".subchart.image": "my-company/super-app"]),
        Row(input: "globalRegistryWithPath", rule: RP, original: "tenancy.registry.com/companyone/super-app:1.2.3",
            rewritten: "registry.vmware.com/my-company/super-app:1.2.3",
            actions: [".registry": "registry.vmware.com", ".subchart.image": "my-company/super-app"]),
        // "registry and same prefix", doubted the same way: the repository is unchanged, so only the registry is written.
        Row(input: "globalRegistryWithPath", rule: RelocationRule(registry: "registry.vmware.com", repositoryPrefix: "companyone"),
            original: "tenancy.registry.com/companyone/super-app:1.2.3",
            rewritten: "registry.vmware.com/super-app:1.2.3", actions: [".registry": "registry.vmware.com"]),
        // "registry with the same path".
        Row(input: "globalRegistryWithPath", rule: RelocationRule(registry: "registry.vmware.com/companyone"),
            original: "tenancy.registry.com/companyone/super-app:1.2.3",
            rewritten: "registry.vmware.com/companyone/super-app:1.2.3", actions: [".registry": "registry.vmware.com/companyone"]),
    ]

    @Test(arguments: rows) func rewriteActionsTable(_ row: Row) throws {
        let input = Self.inputs[row.input]!
        let chart = try Self.chart(row.input == "globalRegistry" || row.input == "globalRegistryWithPath" ? "parent" : "root", input.files)
        let result = try Self.relocate(chart, [input.template], row.rule)
        let image = try #require(result.images.first)
        #expect(image.original.description == Self.normalised(row.original))

        // The edits, written back as the paths the hint uses, are relok8s's actions exactly.
        var actions: [String: String] = [:]
        for edit in image.edits {
            let directory = edit.file == "values.yaml" ? "" : String(edit.file.dropLast("/values.yaml".count))
            let prefix = directory.split(separator: "/").filter { $0 != "charts" }.map { ".\($0)" }.joined()
            actions[prefix + "." + edit.path.joined(separator: ".")] = edit.new
        }
        #expect(actions == row.actions)

        // The relocated chart names the image where relok8s says, and it is pushed there with the original tag.
        let rewritten = try Self.render(input.template, in: result.chart)
        #expect(rewritten.description == Self.normalised(row.rewritten))
        #expect(image.target.name == rewritten.name)
        #expect(image.target.tag == image.original.tag)
    }

    // MARK: - The mover's own cases (pkg/mover/chart_test.go)

    @Test func tagInsideTheRepositoryValueAndADigestReference() throws {
        let chart = try Self.chart("testchart", ["values.yaml": """
            image:
              registry: docker.io
              repository: "bitnami/wordpress:1.2.3"
            observability:
              image:
                registry: docker.io
                repository: bitnami/wavefront
                tag: "5.6.7"
            observabilitytoo:
              image:
                registry: docker.io
                repository: bitnami/wavefront
                tag: "5.6.7"
            imagewithdigest:
              repository: "bitnami/wordpress@\(Self.D)"
            """])
        let a1 = try Digest(hex: "1" + String(repeating: "a", count: 63))
        let result = try Self.relocate(chart, [
            "{{.image.registry}}/{{.image.repository}}",
            "{{.observability.image.registry}}/{{.observability.image.repository}}:{{.observability.image.tag}}",
            "{{.observabilitytoo.image.registry}}/{{.observabilitytoo.image.repository}}:{{.observabilitytoo.image.tag}}",
            "{{.imagewithdigest.repository}}",
        ], RelocationRule(registry: "harbor-repo.vmware.com", repositoryPrefix: "pwall"), digests: ["wavefront": a1])
        #expect(result.images.map(\.target.description) == [
            "harbor-repo.vmware.com/pwall/wordpress:1.2.3",       // pushed with the original tag…
            "harbor-repo.vmware.com/pwall/wavefront:5.6.7",
            "harbor-repo.vmware.com/pwall/wavefront:5.6.7",       // the same image twice: one push
            "harbor-repo.vmware.com/pwall/wordpress@\(Self.D)",   // no tag: by digest
        ])
        let edits = result.images.flatMap(\.edits).map { "\($0.path.joined(separator: ".")) → \($0.new)" }
        #expect(edits == [
            "image.registry → harbor-repo.vmware.com",
            "image.repository → pwall/wordpress@\(Self.D)",         // …while the values name it by digest
            "observability.image.registry → harbor-repo.vmware.com",
            "observability.image.repository → pwall/wavefront",
            "observabilitytoo.image.registry → harbor-repo.vmware.com",
            "observabilitytoo.image.repository → pwall/wavefront",
            "imagewithdigest.repository → harbor-repo.vmware.com/pwall/wordpress@\(Self.D)",
        ])
    }

    // MARK: - testchart (prefix rule only, a vendored subchart without dependencies)

    static let testchartValues = """
        replicaCount: 1

        image:
          repository: harbor-repo.vmware.com/tanzu_isv_engineering/tiny
          pullPolicy: IfNotPresent
          # Overrides the image tag whose default is the chart appVersion.
          tag: tiniest

        sameImageButNoTagRequirement:
          image: harbor-repo.vmware.com/tanzu_isv_engineering/tiny:tiniest

        singleImageReference:
          image: harbor-repo.vmware.com/dockerhub-proxy-cache/library/busybox:1.33.1

        imagePullSecrets: []

        """

    @Test func testchart() throws {
        let chart = try Self.chart("testchart", [
            "values.yaml": Self.testchartValues,
            "charts/subchart/values.yaml": "image:\n  name: harbor-repo.vmware.com/tanzu_isv_engineering/tiny\n  tag: tiniest\n",
        ])
        let tiny = try Digest(hex: String(repeating: "1", count: 64)), busybox = try Digest(hex: String(repeating: "2", count: 64))
        let p = "tanzu_isv_engineering_private/ci-tests"
        let result = try Self.relocate(chart, [
            "{{ .image.repository }}:{{ .image.tag }}",
            "{{ .sameImageButNoTagRequirement.image }}",
            "{{ .singleImageReference.image }}",
            "{{ .subchart.image.name }}:{{ .subchart.image.tag }}",
        ], RelocationRule(repositoryPrefix: p), digests: ["tiny": tiny, "busybox": busybox])
        #expect(result.images.map(\.target.description) == [
            "harbor-repo.vmware.com/\(p)/tiny:tiniest",
            "harbor-repo.vmware.com/\(p)/tiny:tiniest",
            "harbor-repo.vmware.com/\(p)/busybox:1.33.1",
            "harbor-repo.vmware.com/\(p)/tiny:tiniest",
        ])
        let edits = result.images.flatMap(\.edits).map { "\($0.file): \($0.path.joined(separator: ".")) → \($0.new)" }
        #expect(edits == [
            "values.yaml: image.repository → harbor-repo.vmware.com/\(p)/tiny",
            "values.yaml: sameImageButNoTagRequirement.image → harbor-repo.vmware.com/\(p)/tiny@\(tiny)",
            "values.yaml: singleImageReference.image → harbor-repo.vmware.com/\(p)/busybox@\(busybox)",
            "charts/subchart/values.yaml: image.name → harbor-repo.vmware.com/\(p)/tiny",
        ])
        // Only those lines change; comments and everything else stay byte for byte.
        let before = Self.testchartValues.split(separator: "\n", omittingEmptySubsequences: false)
        let after = String(decoding: result.chart.files["values.yaml"]!, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(before.count == after.count)
        #expect(zip(before, after).filter { $0 != $1 }.count == 3)
    }

    // MARK: - complex-chart (a registry rule with a path)

    @Test func complexChartRegistryRuleWithAPath() throws {
        var files = ["values.yaml": "---\nglobal:\n  imageRegistry: harbor-repo.vmware.com/tanzu_isv_engineering\n"]
        var hints: [String] = []
        for n in 1...10 {
            files["charts/subchart-\(n)/values.yaml"] = "deployment:\n  imageName: \"tiny\"\n  dockerTag: \"tiniest\"\n"
            hints.append("{{.global.imageRegistry}}/{{ .subchart-\(n).deployment.imageName }}:{{ .subchart-\(n).deployment.dockerTag }}")
        }
        let chart = try Self.chart("complex-chart", files)
        let result = try Self.relocate(chart, hints, RelocationRule(registry: "harbor-repo.vmware.com/tanzu_isv_engineering_private"))
        #expect(Set(result.images.map(\.original.description)) == ["harbor-repo.vmware.com/tanzu_isv_engineering/tiny:tiniest"])
        #expect(Set(result.images.map(\.target.description)) == ["harbor-repo.vmware.com/tanzu_isv_engineering_private/tiny:tiniest"])
        let edits = Set(result.images.flatMap(\.edits).map { "\($0.file): \($0.path.joined(separator: ".")) → \($0.new)" })
        #expect(edits == ["values.yaml: global.imageRegistry → harbor-repo.vmware.com/tanzu_isv_engineering_private"])
        for n in 1...10 {
            let path = "charts/subchart-\(n)/values.yaml"
            #expect(String(decoding: result.chart.files[path]!, as: UTF8.self) == String(decoding: chart.files[path]!, as: UTF8.self),
                    "\(path) must not change")
        }
    }

    // MARK: - 3-levels-chart (hints into a subchart's subchart)

    static func helmCreateValues(_ name: String) -> String {
        """
        # Default values for \(name).
        # This is a YAML-formatted file.
        # Declare variables to be passed into your templates.

        replicaCount: 1

        image:
          repository: nginx
          pullPolicy: IfNotPresent
          # Overrides the image tag whose default is the chart appVersion.
          tag: ""

        """
    }

    static let threeLevelsHints = [
        "{{ .image.repository }}:{{ .image.tag }}",
        "{{ .subchart-1.image.repository }}:{{ .subchart-1.image.tag }}",
        "{{ .subchart-1.subchart-3.image.repository }}:{{ .subchart-1.subchart-3.image.tag }}",
        "{{ .subchart-2.image.repository }}:{{ .subchart-2.image.tag }}",
    ]

    func checkThreeLevels(_ chart: ChartTree) throws {
        let result = try Self.relocate(chart, Self.threeLevelsHints, RelocationRule(registry: "registry.vmware.com", repositoryPrefix: "my-company"))
        #expect(result.images.map(\.original.description) == Array(repeating: "docker.io/library/nginx:latest", count: 4))
        #expect(Set(result.images.map(\.target.description)) == ["registry.vmware.com/my-company/nginx:latest"])
        let files = ["values.yaml", "charts/subchart-1/values.yaml", "charts/subchart-1/charts/subchart-3/values.yaml",
                     "charts/subchart-2/values.yaml"]
        #expect(result.images.flatMap(\.edits).map(\.file) == files)
        for (file, name) in zip(files, ["test-chart", "subchart-1", "subchart-3", "subchart-2"]) {
            let text = String(decoding: result.chart.files[file]!, as: UTF8.self)
            #expect(text == Self.helmCreateValues(name).replacingOccurrences(of: "repository: nginx",
                                                                              with: "repository: registry.vmware.com/my-company/nginx"))
        }
    }

    @Test func threeLevelsChartWithSubchartDirectories() throws {
        try checkThreeLevels(try Self.chart("3-levels-chart", [
            "values.yaml": Self.helmCreateValues("test-chart"),
            "charts/subchart-1/values.yaml": Self.helmCreateValues("subchart-1"),
            "charts/subchart-1/charts/subchart-3/values.yaml": Self.helmCreateValues("subchart-3"),
            "charts/subchart-2/values.yaml": Self.helmCreateValues("subchart-2"),
        ]))
    }

    @Test func threeLevelsChartWithPackedSubcharts() throws {
        // subchart-1 (holding subchart-3) and subchart-2 vendored as .tgz files, as `helm dependency build` leaves them.
        let sub1 = try Self.chart("subchart-1", ["values.yaml": Self.helmCreateValues("subchart-1"),
                                                 "charts/subchart-3/values.yaml": Self.helmCreateValues("subchart-3")])
        let sub2 = try Self.chart("subchart-2", ["values.yaml": Self.helmCreateValues("subchart-2")])
        var files = ["Chart.yaml": Array("apiVersion: v2\nname: 3-levels-chart\nversion: 0.1.0\n".utf8),
                     "values.yaml": Array(Self.helmCreateValues("test-chart").utf8)]
        files["charts/subchart-1-0.1.0.tgz"] = try ChartArchive.package(sub1)
        files["charts/subchart-2-0.1.0.tgz"] = try ChartArchive.package(sub2)
        try checkThreeLevels(try ChartTree(expandingPackedSubcharts: files, origin: "3-levels-chart"))
    }

    @Test func subchartsAreMatchedByChartNameNotDirectory() throws {
        var chart = try Self.chart("root", ["values.yaml": "x: 1\n", "charts/dir-a/values.yaml": "image:\n  repository: quay.io/a/app\n  tag: v1\n"])
        chart.files["charts/dir-a/Chart.yaml"] = Array("apiVersion: v2\nname: alpha\nversion: 0.1.0\n".utf8)
        let result = try Self.relocate(chart, ["{{ .alpha.image.repository }}:{{ .alpha.image.tag }}"], Self.RP)
        #expect(result.images[0].edits.map(\.file) == ["charts/dir-a/values.yaml"])
        #expect(throws: ChartsError.self) { try Self.relocate(chart, ["{{ .dir-a.image.repository }}:{{ .dir-a.image.tag }}"], Self.RP) }
    }

    // MARK: - wordpress-11.0.4 (mariadb and memcached subcharts)

    @Test func wordpressWithMariadbAndMemcached() throws {
        func image(_ repository: String, _ tag: String) -> String {
            "  registry: docker.io\n  repository: bitnami/\(repository)\n  tag: \(tag)\n"
        }
        let chart = try Self.chart("wordpress", [
            "values.yaml": """
                global:
                  imageRegistry:
                image:
                \(image("wordpress", "5.7.2-debian-10-r0"))volumePermissions:
                  image:
                  \(image("bitnami-shell", "\"10\"").replacingOccurrences(of: "\n  ", with: "\n    "))metrics:
                  image:
                  \(image("apache-exporter", "0.8.0-debian-10-r378").replacingOccurrences(of: "\n  ", with: "\n    "))mariadb:
                  enabled: true
                  auth:
                    database: bitnami_wordpress
                memcached:
                  enabled: false

                """,
            "charts/mariadb/values.yaml": "image:\n\(image("mariadb", "10.5.10-debian-10-r0"))volumePermissions:\n  image:\n  "
                + image("bitnami-shell", "\"10\"").replacingOccurrences(of: "\n  ", with: "\n    ") + "metrics:\n  image:\n  "
                + image("mysqld-exporter", "0.12.1-debian-10-r430").replacingOccurrences(of: "\n  ", with: "\n    "),
            "charts/memcached/values.yaml": "image:\n\(image("memcached", "1.6.9-debian-10-r140"))metrics:\n  image:\n  "
                + image("memcached-exporter", "0.9.0-debian-10-r26").replacingOccurrences(of: "\n  ", with: "\n    "),
            "charts/common/values.yaml": "exampleValue: common-chart\n",
        ])
        let hints = ["image", "metrics.image", "volumePermissions.image", "mariadb.image", "mariadb.metrics.image",
                     "mariadb.volumePermissions.image", "memcached.image", "memcached.metrics.image"].map {
            "{{ .\($0).registry }}/{{ .\($0).repository }}:{{ .\($0).tag }}"
        }
        let result = try Self.relocate(chart, hints, RelocationRule(registry: "harbor-repo.vmware.com", repositoryPrefix: "pwall"))
        #expect(result.images.map(\.target.description) == [
            "harbor-repo.vmware.com/pwall/wordpress:5.7.2-debian-10-r0",
            "harbor-repo.vmware.com/pwall/apache-exporter:0.8.0-debian-10-r378",
            "harbor-repo.vmware.com/pwall/bitnami-shell:10",
            "harbor-repo.vmware.com/pwall/mariadb:10.5.10-debian-10-r0",
            "harbor-repo.vmware.com/pwall/mysqld-exporter:0.12.1-debian-10-r430",
            "harbor-repo.vmware.com/pwall/bitnami-shell:10",
            "harbor-repo.vmware.com/pwall/memcached:1.6.9-debian-10-r140",      // relocated although disabled
            "harbor-repo.vmware.com/pwall/memcached-exporter:0.9.0-debian-10-r26",
        ])
        let edits = result.images.flatMap(\.edits).map { "\($0.file): \($0.path.joined(separator: ".")) → \($0.new)" }
        var expected: [String] = []
        for (file, path, name) in [("values.yaml", "image", "wordpress"), ("values.yaml", "metrics.image", "apache-exporter"),
                                   ("values.yaml", "volumePermissions.image", "bitnami-shell"),
                                   ("charts/mariadb/values.yaml", "image", "mariadb"),
                                   ("charts/mariadb/values.yaml", "metrics.image", "mysqld-exporter"),
                                   ("charts/mariadb/values.yaml", "volumePermissions.image", "bitnami-shell"),
                                   ("charts/memcached/values.yaml", "image", "memcached"),
                                   ("charts/memcached/values.yaml", "metrics.image", "memcached-exporter")] {
            expected += ["\(file): \(path).registry → harbor-repo.vmware.com", "\(file): \(path).repository → pwall/\(name)"]
        }
        #expect(edits == expected)
        // Tags are never touched.
        let mariadb = String(decoding: result.chart.files["charts/mariadb/values.yaml"]!, as: UTF8.self)
        #expect(mariadb.contains("tag: 10.5.10-debian-10-r0") && mariadb.contains("tag: \"10\""))
        #expect(result.chart.files["charts/common/values.yaml"] == chart.files["charts/common/values.yaml"])
    }

    // MARK: - Where Ferry deliberately does more than relok8s

    @Test func aParentOverrideOfASubchartValueIsRelocatedToo() throws {
        // relok8s routes `.sub.image.registry` into the subchart only, so the parent's override would
        // keep naming the old registry at install time. Ferry edits both.
        let chart = try Self.chart("root", [
            "values.yaml": "sub:\n  image:\n    registry: quay.io\n",
            "charts/sub/values.yaml": "image:\n  registry: quay.io\n  repository: org/app\n  tag: v1\n",
        ])
        let result = try Self.relocate(chart, ["{{ .sub.image.registry }}/{{ .sub.image.repository }}:{{ .sub.image.tag }}"], Self.R)
        #expect(result.images[0].edits.map(\.file) == ["values.yaml", "charts/sub/values.yaml"])
        #expect(result.images[0].target.description == "registry.vmware.com/org/app:v1")
    }
}
