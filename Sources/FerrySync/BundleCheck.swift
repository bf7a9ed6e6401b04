import FerryArchive
import FerryCharts
import FerryCore
import FerryOCI
import Foundation

/// `sync --print-images` and `sync --verify`: the selected bundles read as the sync would read
/// them, with no registry and no chart repository contacted.
extension ChartSyncer {
    package struct BundleImages: Sendable, Codable {
        package var bundle: String
        package var chart: String?
        package var version: String?
        /// The source images the chart's hints render to, as the chart names them.
        package var images: [String]
        /// Blobs read and hashed (`--verify` only).
        package var blobs: Int = 0
        package var problems: [String] = []
    }

    /// Each selected bundle with the images its hints render to; with `verify`, every blob of
    /// its images.tar hashed and every layer checked against its diff_id too.
    package func checkBundles(verify: Bool) async throws -> [BundleImages] {
        let discovered = try BundleDiscovery.discover(in: bundleDirectory)
        var warnings = discovered.warnings
        var failures: [SyncReport.Chart] = []
        var result: [BundleImages] = []
        for candidate in select(await readBundles(discovered.bundles, warnings: &warnings, failures: &failures)) {
            var entry = BundleImages(bundle: candidate.path, chart: candidate.chart.metadata.name,
                                     version: candidate.chart.metadata.version, images: [])
            do {
                let (relocation, _) = try relocate(candidate)
                entry.images = relocation.images.map(\.original.description)
            } catch {
                entry.problems.append("\(error)")
            }
            if verify {
                let checked = await BlobVerifier.verify(candidate.source.map { [$0] } ?? [], concurrency: ProcessInfo.processInfo.activeProcessorCount)
                entry.blobs = checked.blobs
                entry.problems += checked.problems
            }
            result.append(entry)
        }
        for failure in failures {
            result.append(BundleImages(bundle: failure.bundle, chart: failure.name, version: failure.version, images: [],
                                       problems: [failure.error ?? "cannot be read"]))
        }
        return result
    }
}
