import FerryArchive
import FerryCore
import FerryOCI
import Foundation

/// A chart made for a test, whose templates render every image from its values, with hints for
/// each, optionally a vendored subchart with an image of its own.
package struct ChartFixture: Sendable {
    package struct Subchart: Sendable {
        package var name: String
        package var image: TestImage

        package init(name: String, image: TestImage) {
            self.name = name
            self.image = image
        }
    }

    package var name: String
    package var version: String
    /// Values key → image.
    package var images: [(key: String, image: TestImage)]
    package var subchart: Subchart?
    /// Replaces the generated hints when set.
    package var hints: [String]?
    /// Replaces the generated values.yaml when set.
    package var values: String?
    /// More files under the chart root (a template, say), as path → text.
    package var extraFiles: [(String, String)] = []

    package init(name: String, version: String, images: [(key: String, image: TestImage)], subchart: Subchart? = nil) {
        self.name = name
        self.version = version
        self.images = images
        self.subchart = subchart
    }

    /// Every image the bundle's images.tar should hold.
    package var allImages: [TestImage] { images.map(\.image) + (subchart.map { [$0.image] } ?? []) }

    static func block(_ key: String?, _ image: TestImage, indent: String) -> String {
        let reference = try! Reference(parsing: image.name)
        let head = key.map { "\($0):\n" } ?? ""
        return head + """
            \(indent)image:
            \(indent)  # where the \(key ?? "sub") image comes from
            \(indent)  registry: \(reference.registry)
            \(indent)  repository: "\(reference.repository)"
            \(indent)  tag: '\(reference.tag ?? "latest")'
            \(indent)  pullPolicy: IfNotPresent

            """
    }

    static func template(_ prefix: String, name: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .Release.Name }}-\(name)
        spec:
          template:
            spec:
              containers:
                - name: \(name)
                  image: "{{ \(prefix).image.registry }}/{{ \(prefix).image.repository }}:{{ \(prefix).image.tag }}"
        ---

        """
    }

    /// The chart's files under `original-chart/`.
    package var files: [(String, [UInt8])] {
        var hintLines = images.map { "- \"{{ .\($0.key).image.registry }}/{{ .\($0.key).image.repository }}:{{ .\($0.key).image.tag }}\"" }
        var values = "# Values of the \(name) chart.\nreplicaCount: 1\n\n"
        values += images.map { Self.block($0.key, $0.image, indent: "  ") }.joined()
        var templates = images.map { Self.template(".Values.\($0.key)", name: $0.key) }.joined()
        var files: [(String, [UInt8])] = []
        if let subchart {
            hintLines.append("- \"{{ .\(subchart.name).image.registry }}/{{ .\(subchart.name).image.repository }}:{{ .\(subchart.name).image.tag }}\"")
            files.append(("charts/\(subchart.name)/Chart.yaml", Array("apiVersion: v2\nname: \(subchart.name)\nversion: 0.1.0\n".utf8)))
            files.append(("charts/\(subchart.name)/values.yaml", Array(Self.block(nil, subchart.image, indent: "").utf8)))
            files.append(("charts/\(subchart.name)/templates/deployment.yaml", Array(Self.template(".Values", name: subchart.name).utf8)))
            templates += ""
        }
        let hintText = (hints.map { $0.map { "- \"\($0)\"" } } ?? hintLines).joined(separator: "\n") + "\n"
        files.append((".relok8s-images.yaml", Array(hintText.utf8)))
        files.append(("Chart.yaml", Array("apiVersion: v2\nname: \(name)\nversion: \(version)\nappVersion: \"\(version)\"\ndescription: Test chart \(name)\n".utf8)))
        files.append(("templates/deployments.yaml", Array(templates.utf8)))
        files.append(("values.yaml", Array((self.values ?? values).utf8)))
        files += extraFiles.map { ($0.0, Array($0.1.utf8)) }
        return files
    }

    /// The chart as an unpacked directory at `path`.
    package func writeDirectory(to path: String) throws {
        for (file, bytes) in files {
            let full = "\(path)/\(file)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: full))
        }
    }

    package var hintsText: String {
        String(decoding: files.first { $0.0 == ".relok8s-images.yaml" }!.1, as: UTF8.self)
    }
}

extension BundleFixture {
    /// Writes a bundle of `chart`; `images` defaults to every image the chart uses, and
    /// `imagesTar` (an OCI layout tar, say) replaces their archive when given.
    package static func write(to path: String, chart: ChartFixture, images: [TestImage]? = nil, imagesTar: [UInt8]? = nil) throws {
        let sink = try AtomicFileSink(path: path)
        let tar = TarWriter(writingTo: sink)
        try tar.addFile("hints.yaml", bytes: Array(chart.hintsText.utf8))
        for (name, bytes) in chart.files.sorted(by: { $0.0 < $1.0 }) {
            try tar.addFile("original-chart/\(name)", bytes: bytes)
        }
        try tar.addFile("images.tar", bytes: try imagesTar ?? ArchiveFixture.bytes(images ?? chart.allImages, style: .ggcr))
        try tar.finish()
        try sink.commit()
    }
}
