import ArgumentParser
import FerryArchive
import FerryCharts
import FerryOCI
import Foundation

extension Ferry {
    /// `ferry inspect`: what a bundle or archive holds.
    package struct Inspect: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Show what a bundle or image archive holds: chart, images, tags, platforms, layers and sizes.",
            discussion: """
                Examples:
                  ferry inspect spidernet_0.8.0.bundle.tar
                  ferry inspect ./offline-bundles --output json
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        package var sources: [String]

        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func run() async throws {
            try await reportingErrors(output, advice: .inspect) {
                let console = Console.current
                // Inspecting changes nothing: digests of uncompressed layers are computed, not cached.
                let opened = try await openSources(sources, compressor: makeCompressor(writesCache: false), output: output)
                let summary = try InspectDocument(opened)
                if output.output == .json {
                    console.out(JSONLines.event("inspect", summary))
                } else {
                    printText(summary)
                }
            }
        }

        func printText(_ summary: InspectDocument) {
            let console = Console.current
            for info in summary.sources {
                console.out("\(info.path) (\(info.kind))")
                if let chart = info.chart {
                    console.out("  chart: \(chart.name) \(chart.version)" + (chart.appVersion.map { " (app \($0))" } ?? ""))
                }
                for image in info.images {
                    console.out("  \(image.names.joined(separator: ", "))")
                    let platforms = image.platforms.isEmpty ? "unknown platform" : image.platforms.joined(separator: ", ")
                    console.out("      \(image.digest)  \(platforms)  \(image.layers) layer(s) \(Self.compressionSummary(image.layerDetails))  \(ByteCount.format(image.size))")
                    for artifact in image.artifacts {
                        let what = artifact.artifactType.map { " (\($0))" } ?? ""
                        console.out("      + \(artifact.tag ?? "referrer") \(artifact.digest)\(what) of \(artifact.subject.prefix(19))…")
                    }
                    if output.verbose {
                        for layer in image.layerDetails {
                            console.out("        layer \(layer.digest)  \(layer.compression)\(layer.gzippedOnPush ? " (gzipped on push)" : "")  \(ByteCount.format(layer.size))")
                        }
                    }
                }
            }
            for info in summary.sources {
                for image in info.images where !image.named {
                    console.err("note: \(image.names[0]) in \(info.path) has no name; push, sync, retag and load refuse it")
                }
            }
            console.out("Total: \(summary.images) image(s), \(summary.uniqueBlobs) unique blob(s), \(ByteCount.format(summary.uniqueBytes))")
        }

        /// `(gzip)`, `(gzip ×2, zstd ×1)`: how the image's layers are stored.
        static func compressionSummary(_ layers: [InspectDocument.Layer]) -> String {
            guard !layers.isEmpty else { return "" }
            var counts: [(String, Int)] = []
            for layer in layers {
                let name = layer.gzippedOnPush ? "uncompressed" : layer.compression
                if let i = counts.firstIndex(where: { $0.0 == name }) { counts[i].1 += 1 } else { counts.append((name, 1)) }
            }
            return "(" + counts.map { counts.count == 1 ? $0.0 : "\($0.0) ×\($0.1)" }.joined(separator: ", ") + ")"
        }
    }
}
