import FerryArchive
import FerryOCI
import FerrySync

/// `ferry bundle --output json`, the last line: the bundle written (or found already there).
package struct BundleDocument: Codable, Sendable {
    package struct Image: Codable, Sendable {
        package var name: String
        package var digest: String
        package var mediaType: String
        package var platforms: [String]
        /// Signatures, attestations and referrers kept with it: `tag` or `@digest`.
        package var artifacts: [String]
    }

    package var path: String
    package var chart: String
    package var version: String
    package var bytes: Int64
    /// True when the bundle was already there and left as it was.
    package var skipped: Bool
    package var images: [Image]
    package var seconds: Double

    init(_ result: BundleBuilder.Result, seconds: Double) {
        path = result.path
        chart = result.name
        version = result.version
        bytes = result.bytes
        skipped = result.skipped
        images = result.images.map { image in
            Image(name: image.name, digest: image.image.root.digest.string, mediaType: image.image.root.mediaType,
                  platforms: image.image.platforms.map(\.description),
                  artifacts: image.image.artifacts.map { $0.tag ?? "@\($0.image.root.digest)" })
        }
        self.seconds = seconds
    }
}
