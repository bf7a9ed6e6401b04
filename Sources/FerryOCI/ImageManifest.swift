/// An image manifest (OCI or Docker schema 2). Decoded only to walk it; pushes use the raw bytes.
public struct ImageManifest: Sendable, Codable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    @GoList public var layers: [Descriptor]
}

/// An image index or Docker manifest list.
public struct ImageIndex: Sendable, Codable {
    public var schemaVersion: Int
    public var mediaType: String?
    @GoList public var manifests: [Descriptor]
}

/// The parts of an image configuration Ferry needs.
public struct ImageConfiguration: Sendable, Codable {
    public struct RootFS: Sendable, Codable {
        public var type: String
        @GoList public var diffIDs: [Digest]
        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    public var architecture: String?
    public var os: String?
    public var variant: String?
    public var rootfs: RootFS?

    public var platform: Platform? {
        guard let os, let architecture else { return nil }
        return Platform(os: os, architecture: architecture, variant: variant)
    }
}
