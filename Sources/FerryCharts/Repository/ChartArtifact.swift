import FerryOCI
import Foundation

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

    package init(metadata: ChartMetadata, package: [UInt8]) throws {
        var fields = metadata.fields
        fields["name"] = .string(metadata.name)
        fields["version"] = .string(metadata.version)
        var parts: [String] = []
        for field in Self.fieldOrder {
            guard let value = fields[field], !value.isNull, value != .string("") else { continue }  // Go's null and "": Helm leaves the field out
            let json = try JSONSerialization.data(withJSONObject: Self.jsonSafe(value), options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
            parts.append("\"\(field)\":" + String(decoding: json, as: UTF8.self))
        }
        config = Array("{\(parts.joined(separator: ","))}".utf8)
        self.package = package
        tag = ChartTag.tag(forVersion: metadata.version)
        var annotations: [String: String] = ["org.opencontainers.image.title": metadata.name, "org.opencontainers.image.version": metadata.version]
        if let description = metadata.description, !description.isEmpty {
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

    /// JSON has no NaN or infinity: such a YAML number is written as its text.
    static func jsonSafe(_ value: YAMLValue) -> Any {
        switch value {
        case .double(let number) where !number.isFinite: return "\(number)"
        case .list(let items): return items.map(jsonSafe)
        case .map(let map): return map.mapValues(jsonSafe)
        default: return value.any
        }
    }
}
