import FerryOCI
import Foundation
import Yams

/// A classic chart repository's `index.yaml`, kept current as `helm repo index --merge` would:
/// existing entries stay, a new version is added with its digest, creation time and URL.
/// Only fields Helm's strict parser knows are written.
package struct ChartRepositoryIndex {
    /// Chart.yaml fields Helm copies into an index entry.
    static let chartFields = ["apiVersion", "name", "version", "kubeVersion", "description", "type", "keywords", "home",
                              "sources", "maintainers", "icon", "appVersion", "deprecated", "annotations", "condition", "tags",
                              "dependencies"]

    package private(set) var entries: [String: [[String: Any]]]
    package let origin: String

    package init() {
        entries = [:]
        origin = "index.yaml"
    }

    /// Parses an existing index; unknown top-level keys are an error, as for Helm.
    package init(yaml bytes: [UInt8], origin: String) throws {
        self.origin = origin
        let loaded: Any?
        loaded = try SafeYAML.load(String(decoding: bytes, as: UTF8.self), origin: origin, code: .invalidIndex)
        guard let map = loaded as? [String: Any], map["apiVersion"] != nil else {
            throw ChartsError(.invalidIndex, "\(origin) is not a chart repository index (no apiVersion)")
        }
        for key in map.keys where !["apiVersion", "entries", "generated", "serverInfo", "publicKeys", "annotations"].contains(key) {
            throw ChartsError(.invalidIndex, "\(origin) has an unknown key '\(key)'")
        }
        var entries: [String: [[String: Any]]] = [:]
        // Helm is written in Go: an empty list or map may be `null`.
        for (name, list) in (map["entries"] as? [String: Any]) ?? [:] {
            if list is NSNull { entries[name] = []; continue }
            guard let versions = list as? [[String: Any]] else {
                throw ChartsError(.invalidIndex, "\(origin): entries.\(name) is not a list of chart versions")
            }
            entries[name] = versions
        }
        self.entries = entries
    }

    package func contains(name: String, version: String) -> Bool {
        (entries[name] ?? []).contains { "\($0["version"] ?? "")" == version }
    }

    /// Adds (or replaces) the entry for a chart package.
    package mutating func add(chartYAML: [UInt8], package: [UInt8], url: String, created: Date) throws {
        guard let chart = try SafeYAML.load(String(decoding: chartYAML, as: UTF8.self), origin: "Chart.yaml of \(url)", code: .invalidChart) as? [String: Any],
              let name = chart["name"].map({ "\($0)" }), let version = chart["version"].map({ "\($0)" }) else {
            throw ChartsError(.invalidChart, "Chart.yaml of \(url) has no name or version")
        }
        var entry: [String: Any] = [:]
        for field in Self.chartFields { if let value = chart[field], !(value is NSNull) { entry[field] = value } }
        entry["name"] = name
        entry["version"] = version
        entry["apiVersion"] = entry["apiVersion"] ?? "v1"
        entry["urls"] = [url]
        entry["created"] = Self.timestamp(created)
        entry["digest"] = FerryOCI.Digest.of(package).hex
        var list = (entries[name] ?? []).filter { "\($0["version"] ?? "")" != version }
        list.append(entry)
        // Newest first, as Helm sorts them.
        list.sort { a, b in
            let va = SemanticVersion("\(a["version"] ?? "")"), vb = SemanticVersion("\(b["version"] ?? "")")
            switch (va, vb) {
            case let (x?, y?): return x > y
            default: return "\(a["version"] ?? "")" > "\(b["version"] ?? "")"
            }
        }
        entries[name] = list
    }

    package func yaml(generated: Date) throws -> String {
        let document: [String: Any] = ["apiVersion": "v1", "entries": entries, "generated": Self.timestamp(generated)]
        return try Yams.dump(object: document, sortKeys: true)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
