import Foundation
import FerryCharts
import Yams

extension SyncConfig {
    /// Reads a config strictly, as charts-syncer does: camelCase or snake_case keys, `kind` by name
    /// or number, and any unknown key an error naming the key and its line.
    package init(yaml text: String, origin: String) throws {
        self.init()
        self.origin = origin
        let root: Node?
        do {
            root = try SafeYAML.compose(text, origin: origin)
        } catch let error as ChartsError {
            // SafeYAML's messages name the line and never quote it: a config line may hold a password.
            throw SyncError(.invalidConfig, error.message)
        }
        guard let root else { throw SyncError(.invalidConfig, "\(origin) is empty") }
        let reader = NodeReader(origin: origin)
        var config = SyncConfig()
        config.origin = origin
        try reader.fields(root, "", [
            "source": { node in config.source = try reader.source(node) },
            "target": { node in config.target = try reader.target(node) },
            "charts": { node in config.charts = try reader.selectors(node) },
            "skipCharts|skip_charts": { node in config.skipCharts = try reader.strings(node, "skipCharts") },
            "relocateContainerImages|relocate_container_images": { node in
                config.relocateContainerImages = try reader.bool(node, "relocateContainerImages")
            },
        ])
        self = config
    }
}

/// Walks the YAML nodes of a config, with line numbers for every complaint.
struct NodeReader {
    let origin: String

    func at(_ node: Node) -> String {
        node.mark.map { "\(origin):\($0.line)" } ?? origin
    }

    /// Calls the handler of each key; `a|b` in `handlers` accepts either spelling.
    func fields(_ node: Node, _ path: String, _ handlers: [String: (Node) throws -> Void]) throws {
        guard let mapping = node.mapping else {
            throw SyncError(.invalidConfig, "\(at(node)): \(path.isEmpty ? "the config" : path) must be a mapping")
        }
        var lookup: [String: String] = [:]
        for key in handlers.keys {
            for spelling in key.split(separator: "|") { lookup[String(spelling)] = key }
        }
        var seen: [String: String] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard let canonical = lookup[key], let handler = handlers[canonical] else {
                let known = handlers.keys.map { String($0.split(separator: "|")[0]) }.sorted().joined(separator: ", ")
                // The vendor's printed example has its credentials one level too far left.
                let misplaced = (key == "username" || key == "password") && handlers["auth"] != nil
                throw SyncError(.invalidConfig, "\(at(keyNode)): unknown key '\(full)'",
                                hint: misplaced ? "indent '\(key)' under 'auth:' (two more spaces)" : "known keys here: \(known)")
            }
            if let other = seen[canonical] {
                throw SyncError(.invalidConfig, "\(at(keyNode)): '\(full)' is given twice (also as '\(other)')")
            }
            seen[canonical] = key
            if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                continue  // `key:` with no value is the default
            }
            try handler(value)
        }
    }

    func string(_ node: Node, _ name: String) throws -> String {
        guard let scalar = node.scalar else {
            throw SyncError(.invalidConfig, "\(at(node)): '\(name)' must be a string")
        }
        return scalar.string
    }

    func bool(_ node: Node, _ name: String) throws -> Bool {
        guard let value = node.bool else {
            throw SyncError(.invalidConfig, "\(at(node)): '\(name)' must be true or false")
        }
        return value
    }

    func strings(_ node: Node, _ name: String) throws -> [String] {
        guard let sequence = node.sequence else {
            throw SyncError(.invalidConfig, "\(at(node)): '\(name)' must be a list")
        }
        return try sequence.map { try string($0, name) }
    }

    func auth(_ node: Node, _ path: String) throws -> SyncConfig.Auth {
        var auth = SyncConfig.Auth()
        try fields(node, path, [
            "username": { auth.username = try string($0, "username") },
            "password": { auth.password = try string($0, "password") },
            "registry": { auth.registry = try string($0, "registry") },
        ])
        return auth
    }

    func kind(_ node: Node, _ path: String) throws -> SyncConfig.Kind {
        let text = try string(node, "kind")
        if let kind = SyncConfig.Kind(rawValue: text) { return kind }
        if let number = Int(text), let kind = SyncConfig.Kind.numbers[number] { return kind }
        if text == "JFROG" || text == "6" {
            throw SyncError(.unsupported, "\(at(node)): \(path).kind JFROG (a DaoCloud fork extension) is not supported by Ferry",
                            hint: "publish to JFrog through its OCI support with kind: OCI")
        }
        throw SyncError(.invalidConfig, "\(at(node)): unsupported repo kind '\(text)' in \(path).kind",
                        hint: "use one of HELM, CHARTMUSEUM, HARBOR, OCI, LOCAL (names are upper case) or 1–5")
    }

    func repo(_ node: Node, _ path: String) throws -> SyncConfig.Repo {
        var repo = SyncConfig.Repo()
        try fields(node, path, [
            "url": { repo.url = try string($0, "url") },
            "kind": { repo.kind = try kind($0, path) },
            "auth": { repo.auth = try auth($0, "\(path).auth") },
            "path": { repo.path = try string($0, "path") },
            "chartsIndex|charts_index": { repo.chartsIndex = try string($0, "chartsIndex") },
            "useChartsIndex|use_charts_index": { repo.useChartsIndex = try bool($0, "useChartsIndex") },
            "disableChartsIndex|disable_charts_index": { repo.disableChartsIndex = try bool($0, "disableChartsIndex") },
        ])
        return repo
    }

    func containers(_ node: Node, _ path: String) throws -> SyncConfig.Containers {
        var containers = SyncConfig.Containers()
        try fields(node, path, [
            "auth": { containers.auth = try auth($0, "\(path).auth") },
            "kind": { containers.kind = try string($0, "kind") },
        ])
        return containers
    }

    func source(_ node: Node) throws -> SyncConfig.Source {
        var source = SyncConfig.Source()
        try fields(node, "source", [
            "repo": { source.repo = try repo($0, "source.repo") },
            "intermediateBundlesPath|intermediate_bundles_path": { source.intermediateBundlesPath = try string($0, "intermediateBundlesPath") },
            "containers": { source.containers = try containers($0, "source.containers") },
        ])
        return source
    }

    func target(_ node: Node) throws -> SyncConfig.Target {
        var target = SyncConfig.Target()
        try fields(node, "target", [
            "repo": { target.repo = try repo($0, "target.repo") },
            "intermediateBundlesPath|intermediate_bundles_path": { target.intermediateBundlesPath = try string($0, "intermediateBundlesPath") },
            "containerRegistry|container_registry": { target.containerRegistry = try string($0, "containerRegistry") },
            "containerRepository|container_repository": { target.containerRepository = try string($0, "containerRepository") },
            "repoName|repo_name": { target.repoName = try string($0, "repoName") },
            "containers": { target.containers = try containers($0, "target.containers") },
            "containerPrefixRegistry|container_prefix_registry": { target.containerPrefixRegistry = try string($0, "containerPrefixRegistry") },
            "containerPrefixRepository|container_prefix_repository": { target.containerPrefixRepository = try string($0, "containerPrefixRepository") },
            "appendOriginRegistry|append_origin_registry": { target.appendOriginRegistry = try bool($0, "appendOriginRegistry") },
        ])
        return target
    }

    func selectors(_ node: Node) throws -> [SyncConfig.ChartSelector] {
        guard let sequence = node.sequence else {
            throw SyncError(.invalidConfig, "\(at(node)): 'charts' must be a list")
        }
        return try sequence.map { item in
            if let name = item.scalar?.string { return SyncConfig.ChartSelector(name: name) }
            var selector = SyncConfig.ChartSelector(name: "")
            try fields(item, "charts[]", [
                "name": { selector.name = try string($0, "name") },
                "versions": { selector.versions = try strings($0, "versions") },
                "skipImages|skip_images": { selector.skipImages = try bool($0, "skipImages") },
            ])
            guard !selector.name.isEmpty else {
                throw SyncError(.invalidConfig, "\(at(item)): a 'charts' entry needs a name")
            }
            return selector
        }
    }
}
