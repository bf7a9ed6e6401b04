import FerryCharts
import Foundation

extension SyncConfig {
    /// Finds the config as charts-syncer does when `--config` is not given: `charts-syncer.yaml`
    /// (or `.yml`, `.json`) in `$HOME` first, then in the current directory.
    package static func defaultPath(environment: [String: String], currentDirectory: String) -> String? {
        var directories: [String] = []
        if let home = environment["HOME"], !home.isEmpty { directories.append(home) }
        directories.append(currentDirectory)
        for directory in directories {
            for ext in ["yaml", "yml", "json"] {
                let path = "\(directory)/charts-syncer.\(ext)"
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Reads, applies the environment, and validates.
    package static func load(path: String, environment: [String: String]) throws -> SyncConfig {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SyncError(.invalidConfig, "cannot read the config file \(path): \(String(cString: strerror(errno)))")
        }
        // A FIFO or device would block the read for ever.
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw SyncError(.invalidConfig, "the config \(path) is not a regular file")
        }
        guard status.st_size <= 4 << 20 else {
            throw SyncError(.invalidConfig, "the config \(path) is \(status.st_size) bytes; a config is a few hundred")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SyncError(.invalidConfig, "cannot read the config file \(path)")
        }
        var config = try SyncConfig(yaml: SafeYAML.stripBOM(String(decoding: data, as: UTF8.self)), origin: path)
        config.applyEnvironment(environment)
        try config.validate()
        return config
    }

    /// The credential overrides of charts-syncer: an environment variable beats the file, and the
    /// legacy `SOURCE_AUTH_*` / `TARGET_AUTH_*` names still work.
    package mutating func applyEnvironment(_ environment: [String: String]) {
        func env(_ names: String...) -> String? {
            for name in names { if let value = environment[name], !value.isEmpty { return value } }
            return nil
        }
        // Repo auth is replaced only when both halves end up non-empty.
        func repoAuth(_ repo: inout Repo?, _ prefix: String) {
            guard repo != nil else { return }
            let user = env("\(prefix)_REPO_AUTH_USERNAME", "\(prefix)_AUTH_USERNAME") ?? repo?.auth?.username ?? ""
            let password = env("\(prefix)_REPO_AUTH_PASSWORD", "\(prefix)_AUTH_PASSWORD") ?? repo?.auth?.password ?? ""
            if !user.isEmpty && !password.isEmpty {
                let registry = repo?.auth?.registry ?? ""
                repo?.auth = Auth(username: user, password: password, registry: registry)
            }
        }
        repoAuth(&source.repo, "SOURCE")
        repoAuth(&target.repo, "TARGET")

        let sourceRegistry = env("SOURCE_CONTAINERS_AUTH_REGISTRY") ?? source.containers?.auth?.registry ?? ""
        let sourceUser = env("SOURCE_CONTAINERS_AUTH_USERNAME") ?? source.containers?.auth?.username ?? ""
        let sourcePassword = env("SOURCE_CONTAINERS_AUTH_PASSWORD") ?? source.containers?.auth?.password ?? ""
        if !sourceRegistry.isEmpty || !sourceUser.isEmpty || !sourcePassword.isEmpty {
            if source.containers == nil { source.containers = Containers() }
            source.containers?.auth = Auth(username: sourceUser, password: sourcePassword, registry: sourceRegistry)
        }
        // Target container credentials always belong to containerRegistry.
        let targetUser = env("TARGET_CONTAINERS_AUTH_USERNAME") ?? target.containers?.auth?.username ?? ""
        let targetPassword = env("TARGET_CONTAINERS_AUTH_PASSWORD") ?? target.containers?.auth?.password ?? ""
        if !targetUser.isEmpty || !targetPassword.isEmpty {
            if target.containers == nil { target.containers = Containers() }
            target.containers?.auth = Auth(username: targetUser, password: targetPassword, registry: target.containerRegistry)
        }
    }

    /// charts-syncer's validation rules, plus what Ferry needs: bundles as the source and a chart
    /// repository as the target.
    package func validate() throws {
        try validateSourceAndTarget()
        if target.repo != nil { try validateRepository() }
        if mode != .repositoryToBundles { try validateRelocation() }
        try validateSelectors()
    }

    /// charts-syncer's own checks of source, target and their credentials, then Ferry's: the
    /// source is bundles, the target a chart repository.
    func validateSourceAndTarget() throws {
        if source.repo != nil && source.intermediateBundlesPath != nil {
            throw SyncError(.invalidConfig, "\(origin): source has both 'repo' and 'intermediateBundlesPath'; give one")
        }
        if target.repo != nil && target.intermediateBundlesPath != nil {
            throw SyncError(.invalidConfig, "\(origin): target has both 'repo' and 'intermediateBundlesPath'; give one")
        }
        if !charts.isEmpty && !skipCharts.isEmpty {
            throw SyncError(.invalidConfig, "\(origin): \"charts\" and \"skipCharts\" properties can not be set at the same time")
        }
        if let repo = source.repo, !Self.isRequestURI(repo.url) {
            throw SyncError(.invalidConfig, "\(origin): source.repo.url '\(repo.url)' is not a valid URL")
        }
        if let auth = source.containers?.auth, auth.username.isEmpty || auth.password.isEmpty || auth.registry.isEmpty {
            throw SyncError(.invalidConfig, "\(origin): source.containers.auth needs username, password and registry")
        }
        if let auth = target.containers?.auth, auth.username.isEmpty || auth.password.isEmpty {
            throw SyncError(.invalidConfig, "\(origin): target.containers.auth needs username and password")
        }
        for (key, path) in [("source.intermediateBundlesPath", source.intermediateBundlesPath), ("target.intermediateBundlesPath", target.intermediateBundlesPath)] {
            if let path, path.utf8.contains(0) { throw SyncError(.invalidConfig, "\(origin): \(key) holds a NUL character") }
        }
        guard source.repo != nil || source.intermediateBundlesPath != nil else {
            throw SyncError(.invalidConfig, "\(origin): source needs 'repo' (a chart repository) or 'intermediateBundlesPath' (a directory of bundles)")
        }
        guard target.repo != nil || target.intermediateBundlesPath != nil else {
            throw SyncError(.invalidConfig, "\(origin): target needs 'repo' (a chart repository) or 'intermediateBundlesPath' (a directory to write bundles to)")
        }
        if source.intermediateBundlesPath != nil && target.intermediateBundlesPath != nil {
            throw SyncError(.invalidConfig, "\(origin): source and target are both bundle directories; one of them must be a chart repository")
        }
        if let repo = source.repo {
            guard let kind = repo.kind else {
                throw SyncError(.invalidConfig, "\(origin): source.repo.kind is required: HELM, CHARTMUSEUM, HARBOR, OCI or LOCAL")
            }
            if kind == .local && repo.path.isEmpty {
                throw SyncError(.invalidConfig, "\(origin): source.repo.path is required for kind LOCAL")
            }
        }
    }

    /// Which of charts-syncer's jobs the config asks for.
    package enum Mode: Sendable, Equatable {
        /// Bundles into a chart repository and a registry (the site's import).
        case bundlesToRepository
        /// A chart repository into bundles (the vendor's export).
        case repositoryToBundles
        /// One chart repository into another, images copied registry to registry (`relocateContainerImages`) or not.
        case repositoryToRepository(relocateImages: Bool)
    }

    package var mode: Mode {
        if source.intermediateBundlesPath != nil { return .bundlesToRepository }
        if target.intermediateBundlesPath != nil { return .repositoryToBundles }
        return .repositoryToRepository(relocateImages: relocateContainerImages)
    }

    /// The chart repository: a kind Ferry can publish to, with the path or URL that kind needs.
    func validateRepository() throws {
        guard let repo = target.repo else { return }
        guard let kind = repo.kind else {
            throw SyncError(.invalidConfig, "\(origin): target.repo.kind is required: HELM, CHARTMUSEUM, HARBOR, OCI or LOCAL")
        }
        switch kind {
        case .local:
            guard !repo.path.isEmpty else {
                throw SyncError(.invalidConfig, "\(origin): target.repo.path is required for kind LOCAL")
            }
            guard !repo.path.utf8.contains(0), !repo.path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw SyncError(.invalidConfig, "\(origin): target.repo.path holds a NUL or control character")
            }
        case .helm:
            throw SyncError(.unsupported, "\(origin): target.repo.kind HELM cannot be uploaded to (a plain Helm repository has no upload API)",
                            hint: "use CHARTMUSEUM, HARBOR (≤ 2.7), OCI or LOCAL")
        case .chartmuseum, .harbor, .oci:
            guard Self.isRequestURI(repo.url) else {
                throw SyncError(.invalidConfig, "\(origin): target.repo.url '\(repo.url)' is not a valid URL (kind \(kind.rawValue) needs one)")
            }
        }
    }

    /// The relocation rule and the chart selectors.
    func validateRelocation() throws {
        if mode == .repositoryToRepository(relocateImages: false) {
            // charts-syncer's "plain" mode rewrites values with regular expressions; Ferry relocates only by hints.
            guard relocation.isEmpty else {
                throw SyncError(.unsupported, "\(origin): target.containerRegistry/containerRepository without relocateContainerImages asks for charts-syncer's regex rewrite of values, which Ferry does not do",
                                hint: "set relocateContainerImages: true (the charts' .relok8s-images.yaml name their images), or remove the rewrite rules to copy the charts unchanged")
            }
        } else if relocation.isEmpty {
            throw SyncError(.invalidConfig, "\(origin): at least one rewrite rule is required: set target.containerRegistry and/or target.containerRepository")
        }
        if target.containers?.auth != nil {
            let server = target.containerRegistry
            if server.contains("://") || server.contains("/") {
                throw SyncError(.invalidConfig,
                                "\(origin): credentials server name '\(server)' must not contain a scheme (\"http://\") nor a path",
                                hint: "target.containerRegistry is host[:port]; put the project in target.containerRepository")
            }
        }
    }

    func validateSelectors() throws {
        for selector in charts {
            guard selector.name.range(of: "^[a-zA-Z][a-zA-Z0-9+_.-]*$", options: .regularExpression) != nil else {
                throw SyncError(.invalidConfig, "\(origin): chart name '\(selector.name)' is not valid")
            }
        }
    }

    /// What Go's `url.ParseRequestURI` accepts for these configs: an absolute URL with a scheme and host.
    static func isRequestURI(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, !scheme.isEmpty, let host = url.host, !host.isEmpty else { return false }
        return true
    }

    package var relocation: FerryCharts.RelocationRule {
        RelocationRule(registry: target.containerRegistry, repositoryPrefix: target.containerRepository,
                       prefixRegistry: target.containerPrefixRegistry, prefixRepository: target.containerPrefixRepository,
                       appendOriginRegistry: target.appendOriginRegistry)
    }
}
