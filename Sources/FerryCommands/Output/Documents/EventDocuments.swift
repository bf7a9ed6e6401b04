import FerryCharts
import FerrySync

/// `blob.started`, `blob.finished` (with `outcome`: uploaded, mounted or present) and `blob.failed`.
package struct BlobEventDocument: Codable, Sendable {
    package var digest: String
    package var repository: String
    package var size: Int64?
    package var outcome: String?
    package var message: String?
    package var code: String?
}

/// `blob.retried`: a request of the blob failed and is sent again after `waitSeconds`.
package struct RetryEventDocument: Codable, Sendable {
    package var digest: String
    package var repository: String
    /// The attempt about to start: 2 for the first retry, as the text output says.
    package var attempt: Int
    package var waitSeconds: Double
    package var message: String
}

/// `image.finished` (with `outcome`: pushed, unchanged or moved) and `image.failed`.
package struct ImageEventDocument: Codable, Sendable {
    package var reference: String
    package var digest: String?
    package var outcome: String?
    /// For `moved`: what the tag named before.
    package var previousDigest: String?
    package var message: String?
    package var code: String?
}

/// `chart.relocated` (its values edits), `chart.published` (with `outcome`: published or present)
/// and `chart.failed`.
package struct ChartEventDocument: Codable, Sendable {
    package var bundle: String
    package var chart: String?
    package var version: String?
    package var destination: String?
    package var edits: [ValueEdit]?
    /// The chart package's digest, as published.
    package var digest: String?
    package var outcome: String?
    package var message: String?
    package var code: String?
}

extension SyncEvent {
    /// The event's line in the stream, or nil for events that only drive the progress bar.
    var jsonLine: String? {
        switch self {
        case .probed, .bytesSent:
            return nil
        case .syncPlanned(let plan):
            return JSONLines.event("plan", SyncPlanDocument(plan))
        case .blobStarted(let digest, let size, let repository):
            return JSONLines.event("blob.started", BlobEventDocument(digest: digest.string, repository: repository, size: size))
        case .blobFinished(let digest, let size, let repository, let outcome):
            return JSONLines.event("blob.finished", BlobEventDocument(digest: digest.string, repository: repository, size: size,
                                                                      outcome: outcome.rawValue))
        case .blobFailed(let digest, let repository, let message, let code):
            return JSONLines.event("blob.failed", BlobEventDocument(digest: digest.string, repository: repository,
                                                                    message: message, code: code))
        case .blobRetrying(let digest, let repository, let attempt, let wait, let message):
            return JSONLines.event("blob.retried", RetryEventDocument(digest: digest.string, repository: repository, attempt: attempt,
                                                                      waitSeconds: wait, message: message))
        case .imageFinished(let reference, let digest, let outcome):
            var previous: String?
            if case .moved(let from) = outcome { previous = from.string }
            return JSONLines.event("image.finished", ImageEventDocument(reference: reference, digest: digest.string,
                                                                        outcome: outcome.name, previousDigest: previous))
        case .imageFailed(let reference, let message, let code):
            return JSONLines.event("image.failed", ImageEventDocument(reference: reference, message: message, code: code))
        case .chartRelocated(let bundle, let name, let version, let destination, let edits):
            return JSONLines.event("chart.relocated", ChartEventDocument(bundle: bundle, chart: name, version: version,
                                                                         destination: destination, edits: edits))
        case .chartPublished(let bundle, let name, let version, let destination, let digest, let outcome):
            return JSONLines.event("chart.published", ChartEventDocument(bundle: bundle, chart: name, version: version,
                                                                         destination: destination, digest: digest.string,
                                                                         outcome: outcome.rawValue))
        case .chartFailed(let bundle, let name, let version, let message, let code):
            return JSONLines.event("chart.failed", ChartEventDocument(bundle: bundle, chart: name, version: version,
                                                                      message: message, code: code))
        }
    }
}
