import FerryArchive
import Foundation
import Yams

/// A chart held in memory as files (charts are small: Helm caps them at 100 MiB, most are a few
/// hundred KiB). Vendored subcharts packed as `charts/*.tgz` are expanded into `charts/<name>/`,
/// as Helm's own packager writes them.
package struct ChartTree: Sendable {
    /// Regular files, by path relative to the chart's root.
    package var files: [String: [UInt8]]
    /// Where the chart came from, for messages.
    package let origin: String
    package let metadata: ChartMetadata

    package init(files: [String: [UInt8]], origin: String) throws {
        guard let chartYAML = files["Chart.yaml"] else {
            throw ChartsError(.invalidChart, "\(origin) has no Chart.yaml")
        }
        self.files = files
        self.origin = origin
        self.metadata = try ChartMetadata(yaml: chartYAML, origin: "\(origin)/Chart.yaml")
    }

    /// A chart from its files, with `charts/*.tgz` subcharts expanded into directories.
    package init(expandingPackedSubcharts files: [String: [UInt8]], origin: String) throws {
        try self.init(files: try Self.expandPackedSubcharts(files, origin: origin), origin: origin)
    }

    /// The largest file Ferry reads from a chart: as large as any YAML it reads. Helm's loader
    /// refuses files over `helmFileSizeLimit` by default, which `filesOverHelmLimit` reports.
    package static let maximumFileSize = SafeYAML.maximumBytes
    package static let helmFileSizeLimit = 5 << 20

    /// Files a default Helm refuses to load, largest first, for a warning (Ferry still relocates them).
    package var filesOverHelmLimit: [(path: String, size: Int)] {
        files.filter { $0.value.count > Self.helmFileSizeLimit }.map { ($0.key, $0.value.count) }.sorted { $0.size > $1.size }
    }

    /// The chart under `original-chart/` of a bundle.
    package static func load(bundle: ModuleBundle) throws -> ChartTree {
        try load(bundleIndex: bundle.index, path: bundle.path)
    }

    /// The chart under `original-chart/` of the bundle at `path`, from its index (images.tar unread).
    package static func load(bundleIndex index: TarIndex, path: String) throws -> ChartTree {
        var files: [String: [UInt8]] = [:]
        for (file, range) in ModuleBundle.chartFiles(in: index) {
            files[file] = try range.readAll(limit: maximumFileSize)
        }
        return try ChartTree(expandingPackedSubcharts: files, origin: path + "!original-chart")
    }

    /// The vendored subcharts: directories `charts/<dir>/` holding a Chart.yaml, by chart name.
    package var subcharts: [(name: String, directory: String)] { subcharts(in: "") }

    /// The direct subcharts of the chart at `directory` ("" for this chart): `<directory>/charts/<dir>/`
    /// holding a Chart.yaml, by chart name. Directories starting with `_` or `.` are not charts.
    package func subcharts(in directory: String) -> [(name: String, directory: String)] {
        let lead = directory.isEmpty ? "charts/" : "\(directory)/charts/"
        var result: [(String, String)] = []
        for path in files.keys where path.hasPrefix(lead) && path.hasSuffix("/Chart.yaml") {
            let base = path.dropFirst(lead.count).dropLast("/Chart.yaml".count)
            // Only direct children (a subchart's own subcharts belong to it).
            guard !base.isEmpty, !base.contains("/"), !base.hasPrefix("_"), !base.hasPrefix("."),
                  let name = try? ChartMetadata(yaml: files[path]!, origin: path).name else { continue }
            result.append((name, lead + base))
        }
        return result.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    package func values() throws -> ValuesFile {
        try ValuesFile(text: String(decoding: files["values.yaml"] ?? [], as: UTF8.self), origin: "\(origin)/values.yaml")
    }

    /// Removes the dependency list and lock files, here and in every subchart, so that
    /// `helm dependency update` cannot fetch the original charts over the relocated ones.
    /// The subcharts themselves stay vendored under `charts/`.
    package func strippingDependencies() throws -> ChartTree {
        var copy = self
        for (path, bytes) in files {
            let name = (path as NSString).lastPathComponent
            if name == "Chart.lock" || name == "requirements.lock" || name == "requirements.yaml" {
                copy.files[path] = nil
            } else if name == "Chart.yaml" {
                copy.files[path] = try Self.removingTopLevelKey("dependencies", from: bytes, origin: "\(origin)/\(path)")
            }
        }
        // Read again, so the metadata is the Chart.yaml that is packaged.
        return try ChartTree(files: copy.files, origin: origin)
    }

    /// Deletes a top-level key and its block from a YAML document, leaving every other line as it was.
    /// A document where that cannot be done line by line (flow style, `{name: demo, dependencies: […]}`)
    /// is written out again without the key. The result is checked to hold every other key.
    static func removingTopLevelKey(_ key: String, from bytes: [UInt8], origin: String) throws -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let mapping = try SafeYAML.compose(text, origin: origin, code: .invalidChart)?.mapping,
              let keyNode = mapping.keys.first(where: { $0.string == key }) else { return bytes }
        let others = Set(mapping.keys.compactMap(\.string).filter { $0 != key })
        func keeps(_ candidate: [UInt8]) -> Bool {
            guard let check = try? SafeYAML.compose(String(decoding: candidate, as: UTF8.self), origin: origin)?.mapping else { return false }
            return Set(check.keys.compactMap(\.string)) == others
        }
        if let start = keyNode.mark?.line {
            let keyLines = mapping.keys.compactMap { $0.mark?.line }.sorted()
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let end = (keyLines.first { $0 > start } ?? lines.count + 1) - 1
            if start - 1 < min(end, lines.count) {
                lines.removeSubrange((start - 1)..<min(end, lines.count))
                let edited = Array(lines.joined(separator: "\n").utf8)
                if keeps(edited) { return edited }
            }
        }
        let kept = Node.Mapping(mapping.filter { $0.key.string != key })
        let written: String
        do { written = try Yams.serialize(node: .mapping(kept)) } catch {
            throw ChartsError(.invalidChart, "\(origin): cannot write it without '\(key)': \(SafeYAML.describe(error))")
        }
        let rewritten = Array(written.utf8)
        guard keeps(rewritten) else {
            throw ChartsError(.invalidChart, "\(origin): removing '\(key)' would lose other keys; the chart was left as it was")
        }
        return rewritten
    }

    /// Expands `charts/*.tgz` into `charts/<chart name>/…`.
    static func expandPackedSubcharts(_ files: [String: [UInt8]], origin: String) throws -> [String: [UInt8]] {
        var result = files
        for (path, bytes) in files where path.hasPrefix("charts/") && path.hasSuffix(".tgz")
            && !path.dropFirst("charts/".count).contains("/") {
            let expanded = try ChartArchive.files(ofTgz: bytes, origin: "\(origin)/\(path)")
            let sub = try ChartTree(files: expanded, origin: "\(origin)/\(path)")
            let directory = "charts/\(sub.metadata.name)"
            guard !files.keys.contains(where: { $0.hasPrefix(directory + "/") }) else {
                throw ChartsError(.invalidChart, "\(origin): subchart \(sub.metadata.name) is both a directory and \(path)")
            }
            result[path] = nil
            for (inner, content) in try expandPackedSubcharts(sub.files, origin: sub.origin) {
                result[directory + "/" + inner] = content
            }
        }
        return result
    }
}
