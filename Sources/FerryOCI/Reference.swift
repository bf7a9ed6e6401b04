/// An image reference, normalised as Docker does: `nginx` is `docker.io/library/nginx:latest`.
package struct Reference: Hashable, Sendable, CustomStringConvertible {
    package static let dockerHub = "docker.io"

    /// `host[:port]`.
    package var registry: String
    /// The repository path inside the registry, e.g. `library/nginx`.
    package var repository: String
    package var tag: String?
    package var digest: Digest?

    package init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) throws {
        try Self.validate(repository: repository, in: "\(registry)/\(repository)")
        if let tag { try Self.validate(tag: tag, in: "\(registry)/\(repository):\(tag)") }
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses a reference; a missing tag and digest mean `latest`.
    package init(parsing text: String) throws {
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else {
            throw OCIError(.invalidReference, "'\(text)' is not an image reference: the name is empty")
        }
        var registry = Self.dockerHub
        var path = String(rest)
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" || first.contains(where: \.isUppercase) {
                registry = String(first)
                path = String(rest[rest.index(after: slash)...])
            }
        }
        if registry == "index.docker.io" || registry == "registry-1.docker.io" { registry = Self.dockerHub }
        if registry == Self.dockerHub && !path.contains("/") { path = "library/" + path }
        if tag == nil && digest == nil { tag = "latest" }
        do {
            try self.init(registry: registry, repository: path, tag: tag, digest: digest)
        } catch let error as OCIError {
            throw OCIError(.invalidReference, "'\(text)' is not a valid image reference: \(error.message)")
        }
    }

    /// `registry/repository`.
    package var name: String { "\(registry)/\(repository)" }

    package var description: String {
        var text = name
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest.string }
        return text
    }

    /// The last element of the repository path: `bitnami/nginx` → `nginx`.
    package var lastPathElement: String {
        String(repository.split(separator: "/").last ?? Substring(repository))
    }

    /// The charts-syncer relocation rule: `<registry>/<prefix>/<last path element>`, tag and digest kept.
    package func relocated(registry newRegistry: String, repositoryPrefix prefix: String) throws -> Reference {
        let trimmed = prefix.split(separator: "/").joined(separator: "/")
        let repository = trimmed.isEmpty ? lastPathElement : "\(trimmed)/\(lastPathElement)"
        return try Reference(registry: newRegistry, repository: repository, tag: tag, digest: digest)
    }

    // MARK: - Validation

    static func validate(repository: String, in text: String) throws {
        guard !repository.isEmpty else {
            throw OCIError(.invalidReference, "'\(text)' has an empty repository")
        }
        for component in repository.split(separator: "/", omittingEmptySubsequences: false) {
            guard isValidComponent(component) else {
                throw OCIError(.invalidReference,
                               "'\(text)': repository component '\(component)' must be lowercase letters, digits and . _ __ - separators")
            }
        }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
    static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        func alnum(_ b: UInt8) -> Bool { (97...122).contains(b) || (48...57).contains(b) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        var i = 0
        while i < bytes.count {
            if alnum(bytes[i]) { i += 1; continue }
            var j = i
            while j < bytes.count, !alnum(bytes[j]) { j += 1 }
            let separator = bytes[i..<j]
            let ok = separator == [46] || separator == [95] || separator == [95, 95] || separator.allSatisfy { $0 == 45 }
            if !ok { return false }
            i = j
        }
        return true
    }

    /// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`
    static func validate(tag: String, in text: String) throws {
        let bytes = Array(tag.utf8)
        func word(_ b: UInt8) -> Bool {
            (97...122).contains(b) || (65...90).contains(b) || (48...57).contains(b) || b == 95
        }
        guard let first = bytes.first, word(first), bytes.count <= 128,
              bytes.allSatisfy({ word($0) || $0 == 46 || $0 == 45 }) else {
            throw OCIError(.invalidReference, "'\(text)': tag '\(tag)' must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
        }
    }
}
