import FerryArchive
import FerryCore
import FerryOCI
import Foundation

/// Writes a vendor bundle (`<name>.bundle.tar`) as charts-syncer does: `hints.yaml`, the chart files
/// under `original-chart/`, then `images.tar` (a go-containerregistry archive), all plain ustar.
/// Images made with `goNulls` are written with Go's `null` lists (see `TestImage.goNulls`).
package enum BundleFixture {
    /// `imagesTar`, when given, is stored as `images.tar` instead of the archive of `images` (for
    /// bundles whose images.tar is not an archive at all); the hints and values still name `images`.
    package static func write(to path: String, chartName: String = "demo", version: String = "1.2.3",
                             images: [TestImage], extraChartFiles: [(String, String)] = [],
                             imagesTar: [UInt8]? = nil) throws {
        let hints = images.enumerated().map { "- \"{{ .image\($0.offset).registry }}/{{ .image\($0.offset).repository }}:{{ .image\($0.offset).tag }}\"" }
            .joined(separator: "\n") + "\n"
        var values = ""
        for (i, image) in images.enumerated() {
            let reference = try FerryOCI.Reference(parsing: image.name)
            values += "image\(i):\n  registry: \(reference.registry)\n  repository: \(reference.repository)\n  tag: \"\(reference.tag ?? "latest")\"\n"
        }
        let chart = "apiVersion: v2\nname: \(chartName)\nversion: \(version)\nappVersion: \"v\(version)\"\ndescription: A test chart\n"
        let sink = try AtomicFileSink(path: path)
        let tar = TarWriter(writingTo: sink)
        try tar.addFile("hints.yaml", bytes: Array(hints.utf8))
        try tar.addFile("original-chart/.relok8s-images.yaml", bytes: Array(hints.utf8))
        try tar.addFile("original-chart/Chart.yaml", bytes: Array(chart.utf8))
        for (name, text) in extraChartFiles { try tar.addFile("original-chart/\(name)", bytes: Array(text.utf8)) }
        try tar.addFile("original-chart/values.yaml", bytes: Array(values.utf8))
        try tar.addFile("images.tar", bytes: try imagesTar ?? ArchiveFixture.bytes(images, style: .ggcr))
        try tar.finish()
        try sink.commit()
    }
}
