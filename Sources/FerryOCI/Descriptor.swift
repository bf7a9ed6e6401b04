/// An OCI content descriptor.
package struct Descriptor: Hashable, Sendable, Codable {
    package var mediaType: String
    package var digest: Digest
    package var size: Int64
    package var platform: Platform?
    package var annotations: [String: String]?
    package var urls: [String]?

    package init(mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil,
                annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
        self.annotations = annotations
    }
}
