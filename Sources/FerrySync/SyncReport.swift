import FerryCharts

/// What `ferry sync` did, chart by chart.
public struct SyncReport: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Dry run: what would happen.
        case planned
        case published
        /// The target already had this chart version; its images were still checked.
        case present
        case failed
    }

    public struct Chart: Sendable, Codable {
        public var bundle: String
        public var name: String?
        public var version: String?
        public var status: Status
        public var destination: String?
        public var error: String?
        /// The error's code name (`exists`, …), so a command can add its advice.
        public var errorCode: String?
        /// `source → target` for each image.
        public var images: [String] = []
        public var edits: [String] = []
    }

    public var charts: [Chart] = []
    public var images: ImagePusher.Report?
    public var warnings: [String] = []

    public var succeeded: Bool {
        charts.allSatisfy { $0.status != .failed } && (images?.succeeded ?? true)
    }
}
