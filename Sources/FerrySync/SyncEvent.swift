import FerryCharts
import FerryOCI

/// What the push and sync engines report as they work. Renderers (progress bar, plain lines,
/// JSON lines) live in FerryCommands.
package enum SyncEvent: Sendable {
    package enum BlobOutcome: String, Sendable {
        case uploaded, mounted, present
    }

    package enum ImageOutcome: Sendable, Equatable {
        case pushed, unchanged
        /// Pushed over a tag that pointed at `from`.
        case moved(from: Digest)
        /// Fetched from its registry, every blob checked (`ferry bundle`, `ferry copy` to an archive).
        case pulled

        package var name: String {
            switch self {
            case .pushed: "pushed"
            case .unchanged: "unchanged"
            case .moved: "moved"
            case .pulled: "pulled"
            }
        }
    }

    package enum ChartOutcome: String, Sendable {
        case published
        /// The target had this version already; it was left as it is.
        case present
    }

    /// The registry was asked what it already has.
    case probed(PushProbe.Summary)
    /// A sync's whole plan, before anything is changed (also in a dry run).
    case syncPlanned(ChartSyncer.Plan)
    case blobStarted(digest: Digest, size: Int64, repository: String)
    /// Bytes of a blob just sent (or, pulling, just received).
    case bytesSent(Int)
    case blobFinished(digest: Digest, size: Int64, repository: String, outcome: BlobOutcome)
    case blobFailed(digest: Digest, repository: String, message: String, code: String?)
    /// A failed request of this blob is sent again: `attempt` is the attempt about to start (2 for
    /// the first retry), after `wait` seconds.
    case blobRetrying(digest: Digest, repository: String, attempt: Int, wait: Double, message: String)
    case imageFinished(reference: String, digest: Digest, outcome: ImageOutcome)
    case imageFailed(reference: String, message: String, code: String?)
    /// A chart's values rewritten for the target (planned; nothing published yet).
    case chartRelocated(bundle: String, name: String, version: String, destination: String, edits: [ValueEdit])
    case chartPublished(bundle: String, name: String, version: String, destination: String, digest: Digest, outcome: ChartOutcome)
    case chartFailed(bundle: String, name: String?, version: String?, message: String, code: String?)
}

package typealias SyncEventSink = @Sendable (SyncEvent) -> Void
