import Foundation
import Yams

/// The fields of `Chart.yaml` that identify a chart.
public struct ChartMetadata: Sendable, Equatable, Codable {
    public var name: String
    public var version: String
    public var appVersion: String?
    public var description: String?

    public init(name: String, version: String, appVersion: String? = nil, description: String? = nil) {
        self.name = name
        self.version = version
        self.appVersion = appVersion
        self.description = description
    }

    /// Parses `Chart.yaml`; `origin` names the file in messages.
    public init(yaml bytes: [UInt8], origin: String) throws {
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
        self.init(name: name, version: version, appVersion: text("appVersion"), description: text("description"))
    }
}
