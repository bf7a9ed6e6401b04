import FerryOCI
import Foundation
import Yams

/// A classic chart repository's `index.yaml`, read into typed entries and kept current as
/// `helm repo index --merge` would: existing entries stay as read, a new version is added with its
/// digest, creation time and URL. Only fields Helm's strict parser knows are written.
package struct ChartRepositoryIndex: Sendable {
    /// One version of one chart.
    package struct Entry: Sendable, Equatable {
        package var name: String
        package var version: String
        /// Where the package is, absolute or relative to the repository's URL.
        package var urls: [String]
        /// The package's SHA-256 (hex), when the index records it.
        package var digest: String?
        /// Every field as read or written, so a merge loses nothing Helm wrote.
        package var fields: [String: YAMLValue]

        init(fields: [String: YAMLValue], origin: String) throws {
            guard let name = fields["name"]?.text, let version = fields["version"]?.text else {
                throw ChartsError(.invalidIndex, "\(origin): an entry has no name or version")
            }
            self.name = name
            self.version = version
            if case .list(let urls)? = fields["urls"] { self.urls = urls.compactMap(\.text) } else { self.urls = [] }
            digest = fields["digest"]?.text
            self.fields = fields
        }
    }

    /// Chart.yaml fields Helm copies into an index entry.
    static let chartFields = ["apiVersion", "name", "version", "kubeVersion", "description", "type", "keywords", "home",
                              "sources", "maintainers", "icon", "appVersion", "deprecated", "annotations", "condition", "tags",
                              "dependencies"]
    static let topLevelKeys: Set<String> = ["apiVersion", "entries", "generated", "serverInfo", "publicKeys", "annotations"]

    /// Versions by chart name, newest first.
    package private(set) var entries: [String: [Entry]]
    package let origin: String

    package init() {
        entries = [:]
        origin = "index.yaml"
    }

    /// Parses an existing index; unknown top-level keys are an error, as for Helm.
    package init(yaml bytes: [UInt8], origin: String) throws {
        self.origin = origin
        let loaded = try SafeYAML.load(String(decoding: bytes, as: UTF8.self), origin: origin, code: .invalidIndex)
        guard let map = loaded as? [String: Any], map["apiVersion"] != nil else {
            throw ChartsError(.invalidIndex, "\(origin) is not a chart repository index (no apiVersion)")
        }
        if let key = map.keys.sorted().first(where: { !Self.topLevelKeys.contains($0) }) {
            throw ChartsError(.invalidIndex, "\(origin) has an unknown key '\(key)'")
        }
        var entries: [String: [Entry]] = [:]
        // Helm is written in Go: an empty list or map may be `null`.
        for (name, list) in (map["entries"] as? [String: Any]) ?? [:] {
            switch YAMLValue(list) {
            case .null:
                entries[name] = []
            case .list(let versions):
                // As Helm does, an entry that is not a chart version (null, no name or version) is skipped.
                entries[name] = versions.compactMap { version in
                    guard case .map(let fields) = version else { return nil }
                    return try? Entry(fields: fields, origin: "\(origin): entries.\(name)")
                }
            default:
                throw ChartsError(.invalidIndex, "\(origin): entries.\(name) is not a list of chart versions")
            }
        }
        self.entries = entries
    }

    /// The versions listed for `name`, as written.
    package func versions(of name: String) -> [String] {
        (entries[name] ?? []).map(\.version)
    }

    package func entry(name: String, version: String) -> Entry? {
        entries[name]?.first { $0.version == version }
    }

    package func contains(name: String, version: String) -> Bool {
        entry(name: name, version: version) != nil
    }

    /// Adds (or replaces) the entry for a chart package.
    package mutating func add(_ chart: ChartMetadata, package: [UInt8], url: String, created: Date) throws {
        var fields: [String: YAMLValue] = [:]
        for field in Self.chartFields {
            if let value = chart.fields[field], !value.isNull { fields[field] = value }
        }
        fields["name"] = .string(chart.name)
        fields["version"] = .string(chart.version)
        fields["apiVersion"] = fields["apiVersion"] ?? .string("v1")
        fields["urls"] = .list([.string(url)])
        fields["created"] = .string(Self.timestamp(created))
        fields["digest"] = .string(FerryOCI.Digest.of(package).hex)
        var list = (entries[chart.name] ?? []).filter { $0.version != chart.version }
        list.append(try Entry(fields: fields, origin: origin))
        // Newest first, as Helm sorts them.
        list.sort { a, b in
            switch (SemanticVersion(a.version), SemanticVersion(b.version)) {
            case let (x?, y?): return x > y
            default: return a.version > b.version
            }
        }
        entries[chart.name] = list
    }

    package func yaml(generated: Date) throws -> String {
        let document: [String: Any] = ["apiVersion": "v1", "entries": entries.mapValues { $0.map { YAMLValue.map($0.fields).any } },
                                       "generated": Self.timestamp(generated)]
        return try Yams.dump(object: document, sortKeys: true)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
