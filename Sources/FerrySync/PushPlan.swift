import FerryArchive
import FerryOCI

/// Where images go: `<registry>/<repositoryPrefix>/<last path element>:<tag>`, the charts-syncer rule.
public struct PushTarget: Sendable {
    public var registry: String
    public var repositoryPrefix: String

    public init(registry: String, repositoryPrefix: String) {
        self.registry = registry
        self.repositoryPrefix = repositoryPrefix
    }
}

/// One image of the plan with the references it will have in the target registry.
public struct PlannedImage: Sendable {
    public var image: ArchivedImage
    /// The file the image came from.
    public var source: String
    public var targets: [Reference]
}

/// One blob of the plan, with every target repository that needs it.
public struct PlannedBlob: Sendable {
    public var blob: ArchivedBlob
    public var repositories: [String]
}

/// Every image of every source, with each blob listed once however many images share it. Pure:
/// making a plan reads the archives but contacts nothing.
public struct PushPlan: Sendable {
    public var registry: String
    public var images: [PlannedImage]
    public var blobs: [PlannedBlob]

    public var totalBytes: Int64 { blobs.reduce(0) { $0 + $1.blob.size } }

    public init(sources: [ImageSource], target: PushTarget) throws {
        registry = target.registry
        images = []
        blobs = []
        var blobIndex: [Digest: Int] = [:]
        var owners: [Reference: (digest: Digest, origin: String)] = [:]
        for source in sources {
            for image in source.archive.images {
                var targets: [Reference] = []
                for reference in image.references {
                    let relocated: Reference
                    do {
                        relocated = try reference.relocated(registry: target.registry, repositoryPrefix: target.repositoryPrefix)
                    } catch {
                        throw SyncError(.invalidTarget, "\(image.origin): \(reference) cannot be relocated to \(target.registry)/\(target.repositoryPrefix): \(error)")
                    }
                    if let owner = owners[relocated] {
                        guard owner.digest == image.root.digest else {
                            throw SyncError(.conflictingTargets,
                                            "\(relocated) would receive two different images: \(owner.origin) and \(image.origin)",
                                            hint: "the relocation keeps only the last path element of each repository; push these sources to different prefixes")
                        }
                        continue
                    }
                    owners[relocated] = (image.root.digest, image.origin)
                    targets.append(relocated)
                }
                guard !targets.isEmpty else { continue }
                let repositories = Self.unique(targets.map(\.repository))
                for blob in image.blobs {
                    if let index = blobIndex[blob.digest] {
                        for repository in repositories where !blobs[index].repositories.contains(repository) {
                            blobs[index].repositories.append(repository)
                        }
                    } else {
                        blobIndex[blob.digest] = blobs.count
                        blobs.append(PlannedBlob(blob: blob, repositories: repositories))
                    }
                }
                images.append(PlannedImage(image: image, source: source.path, targets: targets))
            }
        }
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
