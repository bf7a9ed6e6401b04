/// A vendor's offline bundle, `<name>.bundle.tar`: `hints.yaml`, the chart as a tree under
/// `original-chart/`, and `images.tar`. The inner archive is indexed where it lies in the outer file.
package struct ModuleBundle: Sendable {
    package let path: String
    package let index: TarIndex
    package let images: ImageArchive

    package init(path: String, index: TarIndex, compressor: LayerCompressor) throws {
        self.path = path
        self.index = index
        guard index.contains("images.tar") else {
            throw ArchiveError(.missingEntry, "\(path) has no images.tar", hint: "a bundle holds hints.yaml, original-chart/ and images.tar")
        }
        let innerRange = try index.member("images.tar")
        if let what = try FileSniff.notATar(innerRange) {
            throw ArchiveError(.malformedTar, "\(innerRange.origin) is not a tar archive: it \(what)",
                               hint: "a bundle's images.tar is a docker-save archive or an OCI layout, stored uncompressed")
        }
        let inner = try TarIndex(range: innerRange)
        self.images = try ImageArchive.read(inner, compressor: compressor)
    }

    /// True when an archive's members look like a bundle.
    package static func looksLikeBundle(_ index: TarIndex) -> Bool {
        index.contains("images.tar") && (index.contains("hints.yaml") || index.contains("original-chart/Chart.yaml"))
    }

    /// The bytes of `hints.yaml`, if the bundle has one.
    package func hints() throws -> [UInt8]? {
        guard index.contains("hints.yaml") else { return nil }
        return try index.member("hints.yaml").readAll()
    }

    /// A file of the chart, by its path below `original-chart/`.
    package func chartFile(_ relative: String) throws -> ByteRange {
        try index.member("original-chart/" + relative)
    }

    /// Every regular file of the chart, as (path below `original-chart/`, bytes).
    package func chartFiles() -> [(path: String, range: ByteRange)] { Self.chartFiles(in: index) }

    /// The chart's files from a bundle's index alone, without reading its images.tar (a caller
    /// that needs only the chart: `upgrade --bundles`).
    package static func chartFiles(in index: TarIndex) -> [(path: String, range: ByteRange)] {
        index.members(under: "original-chart").compactMap { item in
            guard item.entry.isFile, let range = try? index.member(item.entry.path) else { return nil }
            return (item.relative, range)
        }
    }
}
