import ArgumentParser
import FerryArchive
import FerryNode
import FerryOCI
import FerrySync

/// Names and platform choices shared by `retag` and `load`.
struct NodeImageSelection {
    var registry: String?
    var repository: String
    var keepOriginalNames: Bool
    var platform: Platform?

    /// The images of the sources with the names they get on nodes, and why each unnamed image
    /// (saved by id, copied without a tag) was refused: a node could only list it by digest.
    func images(_ sources: [ImageSource]) throws -> (images: [NodeImage], refused: [String]) {
        var owners = ImageNameOwners()
        var result: [NodeImage] = []
        var refused: [String] = []
        for source in sources {
            for image in source.archive.images {
                guard image.isNamed else {
                    refused.append(image.unnamedProblem)
                    continue
                }
                var names: [Reference] = []
                if let registry {
                    names = try image.references.map { try $0.relocated(registry: registry, repositoryPrefix: repository) }
                }
                if registry == nil || keepOriginalNames { names += image.references }
                var unique: [Reference] = []
                for name in names where !unique.contains(name) {
                    if case .taken(_, let owner) = owners.claim(name, digest: image.root.digest, origin: image.origin) {
                        throw SyncError(.conflictingTargets, "\(name) would name two different images (\(owner.short) and \(image.root.digest.short))",
                                        hint: "the relocation keeps only the last path element of each repository; use different --repository prefixes")
                    }
                    unique.append(name)
                }
                result.append(try NodeImage(image: image, names: unique, platform: platform, selectPlatform: platform != nil))
            }
        }
        return (result, refused)
    }
}

extension Platform: ExpressibleByArgument {
    package init?(argument: String) {
        guard let platform = try? Platform(parsing: argument) else { return nil }
        self = platform
    }
}
