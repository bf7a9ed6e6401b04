import FerryArchive
import FerryCharts
import FerryCore
import FerryOCI
import Foundation

/// Makes a vendor's offline bundle from a chart: `hints.yaml`, `original-chart/` and `images.tar`
/// (see `BundleImagesTar`), as relok8s's writer lays them out, so charts-syncer, relok8s and Ferry
/// all read it. The file appears under its final name only when complete (written under a
/// temporary name, flushed, renamed); the same inputs give the same bytes.
package struct BundleBuilder: Sendable {
    /// How the bundle file is named: upstream charts-syncer's `<name>-<version>.bundle.tar` or the
    /// DaoCloud fork's `<name>_<version>.bundle.tar`.
    package enum Naming: String, Sendable, CaseIterable {
        case upstream
        case fork

        package func fileName(name: String, version: String) -> String {
            self == .fork ? "\(name)_\(version).bundle.tar" : "\(name)-\(version).bundle.tar"
        }
    }

    /// A chart as a bundle takes it: its files as packaged (packed subcharts stay packed) and the
    /// hints that name its images.
    package struct Chart: Sendable {
        package var files: [String: [UInt8]]
        package var hints: [UInt8]
        package var origin: String

        package init(files: [String: [UInt8]], hints: [UInt8], origin: String) {
            self.files = files
            self.hints = hints
            self.origin = origin
        }

        /// The chart read as relocation reads it (packed subcharts expanded).
        package func tree() throws -> ChartTree {
            try ChartTree(expandingPackedSubcharts: files, origin: origin)
        }
    }

    /// What one bundle made.
    package struct Result: Sendable {
        package var path: String
        package var name: String
        package var version: String
        package var images: [BundleImage]
        package var bytes: Int64
        /// The bundle file's SHA-256 (nil when it was already there).
        package var digest: Digest?
        package var skipped: Bool
    }

    let puller: ImagePuller

    package init(puller: ImagePuller) {
        self.puller = puller
    }

    /// The images the chart's hints name, distinct, as pull requests; `tree` is the chart as read.
    package static func requests(for chart: Chart, tree: ChartTree) throws -> [ImagePuller.Request] {
        let hints = try ImageHints.parse(chart.hints, origin: chart.origin + "!hints")
        var seen = Set<String>()
        return try ChartRelocation.images(tree, hints: hints).compactMap { image in
            seen.insert(image.name).inserted ? ImagePuller.Request(name: image.name, reference: image.reference) : nil
        }
    }

    /// Pulls the chart's images and writes the bundle into `directory`; a bundle already there is
    /// left as it is (unless `replace`).
    package func build(_ chart: Chart, into directory: String, naming: Naming, replace: Bool = false, digest: Bool = false) async throws -> Result {
        let tree = try chart.tree()
        let (name, version) = (tree.metadata.name, tree.metadata.version)
        let path = (directory as NSString).appendingPathComponent(naming.fileName(name: name, version: version))
        if !replace, let info = try? FileManager.default.attributesOfItem(atPath: path) {
            return Result(path: path, name: name, version: version, images: [], bytes: (info[.size] as? Int64) ?? 0, digest: nil, skipped: true)
        }
        let requests = try Self.requests(for: chart, tree: tree)
        let pulled = try await puller.pull(requests)
        let images = zip(requests, pulled).map { BundleImage(name: $0.name, reference: $0.reference, image: $1.image) }
        // The bundle copied and flushed (a gigabyte or more): the thread pool's work, not a task's.
        let written = try await Blocking.run { try Self.write(chart, images: images, to: path, digest: digest) }
        return Result(path: path, name: name, version: version, images: images, bytes: written.bytes, digest: written.digest, skipped: false)
    }

    /// Writes the bundle file: `hints.yaml`, `original-chart/…` in Helm's walk order, `images.tar` last.
    /// With `digest`, the file is hashed as it is written (the bytes then pass through memory);
    /// without, blobs go from the store to the bundle by the kernel.
    package static func write(_ chart: Chart, images: [BundleImage], to path: String, digest: Bool = false) throws -> (bytes: Int64, digest: Digest?) {
        let members = try BundleImagesTar.members(images)
        let innerSize = try BundleImagesTar.size(of: members)
        let sink = try AtomicFileSink(path: path)
        let hashed = digest ? DigestingSink(forwardingTo: sink) : nil
        let tar = TarWriter(writingTo: hashed ?? sink)
        try tar.addFile("hints.yaml", bytes: chart.hints)
        for file in chart.files.keys.sorted(by: walkOrder) {
            try tar.addFile("original-chart/" + file, bytes: chart.files[file]!)
        }
        try tar.addFile("images.tar", size: innerSize) { inner in
            try BundleImagesTar.write(members, into: TarWriter(writingTo: inner))
        }
        try tar.finish()
        try sink.commit()
        return (tar.position, hashed?.digest)
    }

    /// The order Go's directory walk visits files in (lexical within each directory), which is the
    /// order Helm's loader, and so relok8s, writes a chart's files.
    static func walkOrder(_ a: String, _ b: String) -> Bool {
        a.split(separator: "/").lexicographicallyPrecedes(b.split(separator: "/")) { $0 < $1 }
    }
}
