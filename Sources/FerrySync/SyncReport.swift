import FerryCharts

/// What `ferry sync` did, chart by chart.
package struct SyncReport: Sendable, Codable {
    package enum Status: String, Sendable, Codable {
        /// Dry run: what would happen.
        case planned
        case published
        /// The target already had this chart version; its images were still checked.
        case present
        case failed
    }

    package struct Chart: Sendable, Codable {
        package var bundle: String
        package var name: String?
        package var version: String?
        package var status: Status
        package var destination: String?
        package var error: String?
        /// The error's code name (`exists`, …), so a command can add its advice.
        package var errorCode: String?
        /// `source → target` for each image.
        package var images: [String] = []
        package var edits: [String] = []
    }

    package var charts: [Chart] = []
    package var images: ImagePusher.Report?
    package var warnings: [String] = []

    package var succeeded: Bool {
        charts.allSatisfy { $0.status != .failed } && (images?.succeeded ?? true)
    }
}
