import ArgumentParser
import FerryArchive
import FerryCharts
import FerryOCI
import Foundation

extension Ferry {
    /// `ferry inspect`: what a bundle or archive holds.
    public struct Inspect: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Show what a bundle or image archive holds: chart, images, tags, platforms, layers and sizes.",
            discussion: """
                Examples:
                  ferry inspect spidernet_0.8.0.bundle.tar
                  ferry inspect ./offline-bundles --output json
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        public var sources: [String]

        @OptionGroup(title: "Output") public var output: OutputOptions

        public init() {}

        struct ImageInfo: Encodable {
            var names: [String]
            var digest: String
            var mediaType: String
            var platforms: [String]
            var layers: Int
            var size: Int64
        }

        struct SourceInfo: Encodable {
            var path: String
            var kind: String
            var chart: ChartMetadata?
            var images: [ImageInfo]
        }

        struct Summary: Encodable {
            var sources: [SourceInfo]
            var images: Int
            var uniqueBlobs: Int
            var uniqueBytes: Int64
        }

        public func run() async throws {
            try await reportingErrors(output) {
                let console = Console.current
                // Inspecting changes nothing: digests of uncompressed layers are computed, not cached.
                let opened = try openSources(sources, compressor: makeCompressor(writesCache: false), output: output)
                var infos: [SourceInfo] = []
                var unique: [Digest: Int64] = [:]
                for source in opened {
                    var chart: ChartMetadata?
                    if let bundle = source.bundle, bundle.index.contains("original-chart/Chart.yaml") {
                        let range = try bundle.chartFile("Chart.yaml")
                        chart = try ChartMetadata(yaml: try range.readAll(), origin: range.origin)
                    }
                    let images = source.archive.images.map { image in
                        ImageInfo(names: image.sourceNames, digest: image.root.digest.string, mediaType: image.root.mediaType,
                                  platforms: image.platforms.map(\.description), layers: image.layerCount, size: image.totalBytes)
                    }
                    for image in source.archive.images {
                        for blob in image.blobs { unique[blob.digest] = blob.size }
                    }
                    infos.append(SourceInfo(path: source.path, kind: source.kind.rawValue, chart: chart, images: images))
                }
                let summary = Summary(sources: infos, images: infos.reduce(0) { $0 + $1.images.count },
                                      uniqueBlobs: unique.count, uniqueBytes: unique.values.reduce(0, +))
                if output.output == .json {
                    console.out(JSONLines.pretty(summary))
                    return
                }
                for info in infos {
                    console.out("\(info.path) (\(info.kind))")
                    if let chart = info.chart {
                        console.out("  chart: \(chart.name) \(chart.version)" + (chart.appVersion.map { " (app \($0))" } ?? ""))
                    }
                    for image in info.images {
                        console.out("  \(image.names.joined(separator: ", "))")
                        let platforms = image.platforms.isEmpty ? "unknown platform" : image.platforms.joined(separator: ", ")
                        console.out("      \(image.digest)  \(platforms)  \(image.layers) layer(s)  \(ByteCount.format(image.size))")
                    }
                }
                console.out("Total: \(summary.images) image(s), \(summary.uniqueBlobs) unique blob(s), \(ByteCount.format(summary.uniqueBytes))")
            }
        }
    }
}
