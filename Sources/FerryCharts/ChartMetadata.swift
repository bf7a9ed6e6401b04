import Foundation
import Yams

/// The fields of `Chart.yaml` that identify a chart.
package struct ChartMetadata: Sendable, Equatable, Codable {
    package var name: String
    package var version: String
    package var appVersion: String?
    package var description: String?

    package init(name: String, version: String, appVersion: String? = nil, description: String? = nil) {
        self.name = name
        self.version = version
        self.appVersion = appVersion
        self.description = description
    }

    /// Parses `Chart.yaml`; `origin` names the file in messages.
    package init(yaml bytes: [UInt8], origin: String) throws {
        let node = try SafeYAML.load(String(decoding: bytes, as: UTF8.self), origin: origin, code: .invalidChart)
        guard let map = node as? [String: Any] else {
            throw ChartsError(.invalidChart, "\(origin) is not a YAML mapping")
        }
        func text(_ key: String) -> String? {
            switch map[key] {
            case let value as String: return value
            case let value as Int: return String(value)
            case let value as Double: return String(value)
            default: return nil
            }
        }
        guard let name = text("name"), !name.isEmpty else {
            throw ChartsError(.invalidChart, "\(origin) has no 'name'")
        }
        guard let version = text("version"), !version.isEmpty else {
            throw ChartsError(.invalidChart, "\(origin) has no 'version'")
        }
        try Self.validate(name: name, version: version, origin: origin)
        self.init(name: name, version: version, appVersion: text("appVersion"), description: text("description"))
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
