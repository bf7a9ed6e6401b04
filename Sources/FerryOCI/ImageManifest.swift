/// An image manifest (OCI or Docker schema 2). Decoded only to walk it; pushes use the raw bytes.
package struct ImageManifest: Sendable, Codable {
    package var schemaVersion: Int
    package var mediaType: String?
    package var config: Descriptor
    @GoList package var layers: [Descriptor]
}

/// An image index or Docker manifest list.
package struct ImageIndex: Sendable, Codable {
    package var schemaVersion: Int
    package var mediaType: String?
    @GoList package var manifests: [Descriptor]
}

/// The parts of an image configuration Ferry needs.
package struct ImageConfiguration: Sendable, Codable {
    package struct RootFS: Sendable, Codable {
        package var type: String
        @GoList package var diffIDs: [Digest]
        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    package var architecture: String?
    package var os: String?
    package var variant: String?
    package var rootfs: RootFS?

    package var platform: Platform? {
        guard let os, let architecture else { return nil }
        return Platform(os: os, architecture: architecture, variant: variant)
    }
}
