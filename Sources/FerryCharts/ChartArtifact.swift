import FerryOCI
import Foundation
import Yams

/// A chart as an OCI artifact, laid out as `helm push` writes it: the config is the Chart.yaml
/// metadata as JSON, the one layer is the package, and the tag is the version with `+` as `_`.
package struct ChartArtifact: Sendable {
    package let config: [UInt8]
    package let package: [UInt8]
    package let manifest: ManifestDocument
    package let tag: String

    /// Field order of Helm's metadata struct, so the config reads as Helm's does.
    static let fieldOrder = ["name", "home", "sources", "version", "description", "keywords", "maintainers", "icon",
                             "apiVersion", "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion",
                             "dependencies", "type"]

    package init(chartYAML: [UInt8], package: [UInt8], origin: String) throws {
        guard let chart = try SafeYAML.load(String(decoding: chartYAML, as: UTF8.self), origin: "\(origin)/Chart.yaml", code: .invalidChart) as? [String: Any],
              let name = chart["name"].map({ "\($0)" }), let version = chart["version"].map({ "\($0)" }) else {
            throw ChartsError(.invalidChart, "\(origin)/Chart.yaml has no name or version")
        }
        var parts: [String] = []
        for field in Self.fieldOrder {
            guard let value = chart[field] ?? (field == "name" ? name : nil) else { continue }
            if let text = value as? String, text.isEmpty { continue }
            if value is NSNull { continue }  // Go's null: Helm leaves the field out
            let json = try JSONSerialization.data(withJSONObject: Self.jsonSafe(value), options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
            parts.append("\"\(field)\":" + String(decoding: json, as: UTF8.self))
        }
        config = Array("{\(parts.joined(separator: ","))}".utf8)
        self.package = package
        tag = version.replacingOccurrences(of: "+", with: "_")
        var annotations: [String: String] = ["org.opencontainers.image.title": name, "org.opencontainers.image.version": version]
        if let description = chart["description"] as? String, !description.isEmpty {
            annotations["org.opencontainers.image.description"] = description
        }
        let manifest: [String: Any] = [
            "schemaVersion": 2,
            "mediaType": MediaType.ociManifest,
            "config": ["mediaType": MediaType.helmConfig, "digest": Digest.of(config).string, "size": config.count],
            "layers": [["mediaType": MediaType.helmChart, "digest": Digest.of(package).string, "size": package.count]],
            "annotations": annotations,
        ]
        let bytes = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .withoutEscapingSlashes])
        self.manifest = ManifestDocument(bytes: Array(bytes), mediaType: MediaType.ociManifest)
    }

    /// YAML-loaded values as JSON-encodable ones (dates and other scalars become strings).
    static func jsonSafe(_ value: Any) -> Any {
        switch value {
        case let map as [String: Any]: return map.mapValues(jsonSafe)
        case let list as [Any]: return list.map(jsonSafe)
        case let bool as Bool: return bool
        case let int as Int: return int
        case let double as Double: return double
        case let string as String: return string
        default: return "\(value)"
        }
    }
}
