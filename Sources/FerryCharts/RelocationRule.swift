import FerryOCI

/// Where relocated images go. `registry` and `repositoryPrefix` are charts-syncer's
/// `containerRegistry` and `containerRepository`; the prefix and append options are the DaoCloud
/// fork's `containerPrefixRegistry`, `containerPrefixRepository` and `appendOriginRegistry`.
package struct RelocationRule: Sendable, Equatable {
    package var registry: String?
    package var repositoryPrefix: String?
    package var prefixRegistry: String?
    package var prefixRepository: String?
    package var appendOriginRegistry: Bool

    package init(registry: String? = nil, repositoryPrefix: String? = nil, prefixRegistry: String? = nil,
                prefixRepository: String? = nil, appendOriginRegistry: Bool = false) {
        self.registry = registry.nonEmpty
        self.repositoryPrefix = repositoryPrefix.nonEmpty
        self.prefixRegistry = prefixRegistry.nonEmpty
        self.prefixRepository = prefixRepository.nonEmpty
        self.appendOriginRegistry = appendOriginRegistry
    }

    package var isEmpty: Bool {
        registry == nil && repositoryPrefix == nil && prefixRegistry == nil && prefixRepository == nil
    }

    /// The registry and repository values an image gets.
    package func relocate(_ original: Reference) -> (registry: String, repository: String) {
        let origin = original.registry
        var registry = origin
        if let prefixRegistry {
            registry = appendOriginRegistry ? "\(prefixRegistry)/\(origin)" : prefixRegistry
        } else if let value = self.registry {
            registry = value
        }
        var repository = original.repository
        if appendOriginRegistry && prefixRegistry != nil {
            // unchanged: the origin registry is already part of the registry value
        } else if appendOriginRegistry, let prefixRepository {
            repository = "\(prefixRepository)/\(repository)"
        } else if let prefixRepository, prefixRegistry != nil {
            repository = "\(origin)/\(prefixRepository)/\(repository)"
        } else if let prefixRepository {
            repository = "\(prefixRepository)/\(repository)"
        } else if prefixRegistry != nil {
            repository = "\(origin)/\(repository)"
        }
        if let repositoryPrefix {
            let trimmed = repositoryPrefix.split(separator: "/").joined(separator: "/")
            repository = trimmed.isEmpty ? original.lastPathElement : "\(trimmed)/\(original.lastPathElement)"
        }
        return (registry, repository)
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
