import FerryCharts
import FerryOCI
import FerrySync

/// `ferry sync --dry-run --output json`: each chart as it would be published, and its images.
package struct SyncPlanDocument: Codable, Sendable {
    package struct Image: Codable, Sendable {
        package var source: String
        package var target: String
        package var bytesToSend: Int64
        /// The digest the target tag names now, when pushing would move it.
        package var tagMovesFrom: String?
    }

    package struct Chart: Codable, Sendable {
        package var bundle: String
        package var name: String
        package var version: String
        package var destination: String
        package var alreadyPresent: Bool
        package var images: [Image]
        package var edits: [ValueEdit]
        package var packageDigest: String
    }

    package var charts: [Chart]
    package var failed: [SyncReport.Chart]
    package var images: PushProbe.Summary?
    package var warnings: [String]

    init(_ plan: ChartSyncer.Plan) {
        charts = plan.charts.map { chart in
            Chart(bundle: chart.bundle, name: chart.name, version: chart.version, destination: chart.destination,
                  alreadyPresent: chart.alreadyPresent,
                  images: chart.skipImages ? [] : chart.images.map { Self.image($0, plan: plan) },
                  edits: chart.edits, packageDigest: chart.packageDigest.string)
        }
        failed = plan.failures
        images = plan.probe?.summary
        warnings = plan.warnings
    }

    static func image(_ image: ImageRelocation, plan: ChartSyncer.Plan) -> Image {
        Image(source: image.original.description, target: image.target.description,
              bytesToSend: plan.probe?.bytesToSend(to: image.target, in: plan.push) ?? 0,
              tagMovesFrom: plan.tagMove(image.target)?.from.string)
    }
}

/// The last line of `ferry sync --output json`.
package struct SyncSummaryDocument: Codable, Sendable {
    package var report: SyncReport
    package var seconds: Double
    package var ok: Bool
}
