import Foundation
import Yams

/// `Chart.yaml`, read once: the fields that identify a chart, and every field as written, for
/// the index entry and the OCI config that copy them.
package struct ChartMetadata: Sendable, Equatable, Codable {
    package var name: String
    package var version: String
    package var appVersion: String?
    package var description: String?
    /// Every top-level field of the file as read (`null` ones included, as Go writes them).
    package var fields: [String: YAMLValue]

    enum CodingKeys: String, CodingKey { case name, version, appVersion, description }

    package init(name: String, version: String, appVersion: String? = nil, description: String? = nil,
                 fields: [String: YAMLValue] = [:]) {
        self.name = name
        self.version = version
        self.appVersion = appVersion
        self.description = description
        self.fields = fields
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name), version: try container.decode(String.self, forKey: .version),
                  appVersion: try container.decodeIfPresent(String.self, forKey: .appVersion),
                  description: try container.decodeIfPresent(String.self, forKey: .description))
    }

    /// Parses `Chart.yaml`; `origin` names the file in messages.
    package init(yaml bytes: [UInt8], origin: String) throws {
        let node = try SafeYAML.load(String(decoding: bytes, as: UTF8.self), origin: origin, code: .invalidChart)
        guard let map = node as? [String: Any] else {
            throw ChartsError(.invalidChart, "\(origin) is not a YAML mapping")
        }
        let fields = map.mapValues { YAMLValue($0) }
        func text(_ key: String) -> String? {
            guard let value = fields[key], case .bool = value else { return fields[key]?.text }
            return nil
        }
        guard let name = text("name"), !name.isEmpty else {
            throw ChartsError(.invalidChart, "\(origin) has no 'name'")
        }
        guard let version = text("version"), !version.isEmpty else {
            throw ChartsError(.invalidChart, "\(origin) has no 'version'")
        }
        try Self.validate(name: name, version: version, origin: origin)
        self.init(name: name, version: version, appVersion: text("appVersion"), description: text("description"), fields: fields)
    }

    /// At least as strict as Helm's `Metadata.Validate`: the name and version become file names
    /// (`<name>-<version>.tgz`, `charts/<name>/`), so neither may hold a path separator, `..`, a
    /// control character or white space, and the version must be semantic.
    package static func validate(name: String, version: String, origin: String) throws {
        func unsafe(_ text: String) -> Bool {
            text.contains("/") || text.contains("\\") || text == "." || text == ".." || text.hasPrefix(".")
                || text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.isWhitespace }
        }
        guard !unsafe(name) else {
            throw ChartsError(.invalidChart, "\(origin): chart name '\(printable(name))' is not valid: a chart name may not hold '/', '\\', control characters or spaces, nor start with '.'")
        }
        guard !unsafe(version), SemanticVersion(version) != nil else {
            throw ChartsError(.invalidChart, "\(origin): chart version '\(printable(version))' is not a semantic version (e.g. 1.2.3)")
        }
    }

    /// A name as it may be printed: control characters shown escaped.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
    }
}
