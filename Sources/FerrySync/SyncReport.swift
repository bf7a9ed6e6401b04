import FerryCharts
import FerryCore

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
        /// The error's code name (`chartExists`, …), so a command can add its advice.
        package var errorCode: String?
        /// Each image as the chart names it and where it was placed.
        package var images: [ImageMove] = []
        package var edits: [ValueEdit] = []

        /// A chart that failed with `error`: its message, and its code for the command's advice.
        static func failed(bundle: String, name: String?, version: String?, _ error: any Error) -> Chart {
            Chart(bundle: bundle, name: name, version: version, status: .failed, error: "\(error)",
                  errorCode: (error as? any FerryError)?.codeName)
        }
    }

    package struct ImageMove: Sendable, Codable, Equatable {
        package var source: String
        package var target: String
    }

    package var charts: [Chart] = []
    package var images: ImagePusher.Report?
    package var warnings: [String] = []

    package var succeeded: Bool {
        charts.allSatisfy { $0.status != .failed } && (images?.succeeded ?? true)
    }
}
