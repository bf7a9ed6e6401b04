import FerryOCI

/// What the push engine reports as it works. Renderers (progress bar, plain lines, JSON lines)
/// live in FerryCommands.
package enum PushEvent: Sendable {
    package enum BlobOutcome: String, Sendable {
        case uploaded, mounted, present
    }

    package enum ImageOutcome: Sendable, Equatable {
        case pushed, unchanged
        /// Pushed over a tag that pointed at `from`.
        case moved(from: Digest)

        package var name: String {
            switch self {
            case .pushed: "pushed"
            case .unchanged: "unchanged"
            case .moved: "moved"
            }
        }
    }

    /// The registry was asked what it already has.
    case probed(PushProbe.Summary)
    case blobStarted(digest: Digest, size: Int64, repository: String)
    /// Bytes of a blob just sent.
    case bytesSent(Int)
    case blobFinished(digest: Digest, size: Int64, repository: String, outcome: BlobOutcome)
    case blobFailed(digest: Digest, repository: String, message: String)
    case retrying(what: String, attempt: Int, message: String)
    case imageFinished(reference: String, digest: Digest, outcome: ImageOutcome)
    case imageFailed(reference: String, message: String)
}

package typealias PushEventSink = @Sendable (PushEvent) -> Void
