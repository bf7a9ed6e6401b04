import FerryArchive
import FerryOCI

/// Where images go: `<registry>/<repositoryPrefix>/<last path element>:<tag>`, the charts-syncer rule.
package struct PushTarget: Sendable {
    package var registry: String
    package var repositoryPrefix: String

    package init(registry: String, repositoryPrefix: String) {
        self.registry = registry
        self.repositoryPrefix = repositoryPrefix
    }
}

/// One image of the plan with the references it will have in the target registry.
package struct PlannedImage: Sendable {
    package var image: ArchivedImage
    /// The file the image came from.
    package var source: String
    package var targets: [Reference]
    /// What `--platform` made of the image (its digest may differ from the source's).
    package var platformChoice: ArchivedImage.PlatformChoice = .unchanged
    /// For an OCI referrer pushed by digest: the manifest it refers to. A registry without the
    /// referrers API finds it only through the fallback tag `sha256-<hex>`, which the push then keeps.
    package var referrerOf: Digest? = nil
}

/// One blob of the plan, with every target repository that needs it.
package struct PlannedBlob: Sendable {
    package var blob: ArchivedBlob
    package var repositories: [String]
}

/// Every image of every source, with each blob listed once however many images share it. Pure:
/// making a plan reads the archives but contacts nothing.
package struct PushPlan: Sendable {
    package var registry: String
    package var images: [PlannedImage]
    package var blobs: [PlannedBlob]
    /// Images that cannot be pushed because they have no name; each fails on its own.
    package var unnamed: [PlannedImage] = []
    /// Images that have none of the platforms asked for, and why; each fails on its own.
    package var withoutPlatform: [(image: PlannedImage, problem: String)] = []

    package var totalBytes: Int64 { blobs.reduce(0) { $0 + $1.blob.size } }

    /// An image to push, from `source`, under each of `targets`.
    package struct Entry: Sendable {
        package var image: ArchivedImage
        package var source: String
        package var targets: [Reference]

        package init(image: ArchivedImage, source: String, targets: [Reference]) {
            self.image = image
            self.source = source
            self.targets = targets
        }
    }

    /// Every image of every source, named by the relocation rule.
    package init(sources: [ImageSource], target: PushTarget, platforms: [Platform] = []) throws {
        var entries: [Entry] = []
        var unnamed: [PlannedImage] = []
        for source in sources {
            for image in source.archive.images {
                guard image.isNamed else {
                    unnamed.append(PlannedImage(image: image, source: source.path, targets: []))
                    continue
                }
                let targets = try image.references.map { reference in
                    do {
                        return try reference.relocated(registry: target.registry, repositoryPrefix: target.repositoryPrefix)
                    } catch {
                        throw SyncError(.invalidTarget, "\(image.origin): \(reference) cannot be relocated to \(target.registry)/\(target.repositoryPrefix): \(error)")
                    }
                }
                entries.append(Entry(image: image, source: source.path, targets: targets))
            }
        }
        try self.init(registry: target.registry, entries: entries, platforms: platforms)
        self.unnamed = unnamed
    }

    /// Explicit images and names; a name given to two different images is an error.
    /// With `platforms`, each image is first narrowed to those (`ArchivedImage.selecting`). An
    /// image's artifacts (signatures, referrers) about what is pushed follow it into each of its
    /// repositories: under their tag, or by digest.
    package init(registry: String, entries: [Entry], platforms: [Platform] = []) throws {
        self.registry = registry
        images = []
        blobs = []
        var state = BuildState()
        for entry in entries {
            let image: ArchivedImage, choice: ArchivedImage.PlatformChoice
            do {
                (image, choice) = try entry.image.selecting(platforms)
            } catch {
                withoutPlatform.append((PlannedImage(image: entry.image, source: entry.source, targets: entry.targets), "\(error)"))
                continue
            }
            try add(image, source: entry.source, targets: entry.targets, choice: choice, state: &state)
            let subjects = image.subjects
            for artifact in image.artifacts where subjects.contains(artifact.subject) {
                let targets = try entry.targets.map { target in
                    try Reference(registry: target.registry, repository: target.repository, tag: artifact.tag,
                                  digest: artifact.tag == nil ? artifact.image.root.digest : nil)
                }
                try add(artifact.image, source: entry.source, targets: targets, choice: .unchanged, state: &state,
                        referrerOf: artifact.tag == nil ? artifact.subject : nil)
            }
        }
    }

    /// What building a plan keeps track of: blobs and images already listed, and who owns each name.
    struct BuildState {
        var blobIndex: [Digest: Int] = [:]
        var owners = ImageNameOwners()
        var planned: [Digest: Int] = [:]
    }

    private mutating func add(_ image: ArchivedImage, source: String, targets wanted: [Reference],
                              choice: ArchivedImage.PlatformChoice, state: inout BuildState, referrerOf: Digest? = nil) throws {
        var targets: [Reference] = []
        for relocated in wanted {
            switch state.owners.claim(relocated, digest: image.root.digest, origin: image.origin) {
            case .new: targets.append(relocated)
            case .same: continue
            case .taken(let origin, _):
                throw SyncError(.conflictingTargets, "\(relocated) would receive two different images: \(origin) and \(image.origin)",
                                hint: "the relocation keeps only the last path element of each repository; push these sources to different prefixes")
            }
        }
        guard !targets.isEmpty else { return }
        // The same image listed again (two charts, or two hints) joins its first entry.
        if let index = state.planned[image.root.digest] {
            images[index].targets += targets
        } else {
            state.planned[image.root.digest] = images.count
            images.append(PlannedImage(image: image, source: source, targets: targets, platformChoice: choice, referrerOf: referrerOf))
        }
        let repositories = Self.unique(targets.map(\.repository))
        for blob in image.blobs {
            if let index = state.blobIndex[blob.digest] {
                for repository in repositories where !blobs[index].repositories.contains(repository) {
                    blobs[index].repositories.append(repository)
                }
            } else {
                state.blobIndex[blob.digest] = blobs.count
                blobs.append(PlannedBlob(blob: blob, repositories: repositories))
            }
        }
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
