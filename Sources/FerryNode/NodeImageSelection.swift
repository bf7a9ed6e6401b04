import FerryArchive
import FerryOCI

/// The names images get on nodes (relocated as a push relocates them, the original ones too when
/// asked) and the platform chosen from an index; retag and load both start here.
package struct NodeImageSelection: Sendable {
    package var registry: String?
    package var repository: String
    package var keepOriginalNames: Bool
    package var platform: Platform?

    package init(registry: String?, repository: String, keepOriginalNames: Bool, platform: Platform?) {
        self.registry = registry
        self.repository = repository
        self.keepOriginalNames = keepOriginalNames
        self.platform = platform
    }

    /// The images of the sources with the names they get on nodes, and why each unnamed image
    /// (saved by id, copied without a tag) was refused: a node could only list it by digest.
    package func images(_ sources: [ImageSource]) throws -> (images: [NodeImage], refused: [Refusal]) {
        var owners = ImageNameOwners()
        var result: [NodeImage] = []
        var refused: [Refusal] = []
        for source in sources {
            for image in source.archive.images {
                guard image.isNamed else {
                    refused.append(Refusal(image: image.displayName, message: image.unnamedProblem))
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
                        throw NodeError(.nameClash, "\(name) would name two different images (\(owner.short) and \(image.root.digest.short))",
                                        hint: "the relocation keeps only the last path element of each repository")
                    }
                    unique.append(name)
                }
                result.append(try NodeImage(image: image, names: unique, platform: platform, selectPlatform: platform != nil))
            }
        }
        return (result, refused)
    }
}

extension NodeImageSelection {
    /// An image that cannot be loaded under a name, and why.
    package struct Refusal: Sendable, CustomStringConvertible {
        package var image: String
        package var message: String
        package var description: String { message }
    }
}
