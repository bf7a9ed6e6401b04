import FerryCharts
import FerryOCI
import Foundation
import Yams

/// The new values of a release: its current user values with every image registry set to the
/// target. The paths come from the chart's hints, plus `global.imageRegistry` and every
/// `*.image.registry`; a path the user values have is edited as text, one they lack is set with
/// `--set-string` (the chart's default would otherwise stay).
struct RegistryRewrite {
    var values: ValuesFile
    var edits: [ValueEdit] = []
    /// `path=value` pairs for `--set-string`.
    var sets: [(path: [String], value: String)] = []

    init(userValues: String, origin: String, chart: ChartTree, hints: [ImageTemplate], registry: String) throws {
        let text = ["null", "{}", ""].contains(userValues.trimmingCharacters(in: .whitespacesAndNewlines)) ? "" : userValues
        values = try ValuesFile(text: text, origin: origin)
        let defaults = try chart.values()
        var wanted: [([String], String)] = []
        func defaultValue(_ path: [String]) -> String? { chart.defaultValue(at: path) }
        for hint in hints {
            if let path = hint.registryPath {
                wanted.append((path, registry))
            } else if let path = hint.referencePath, let current = values.scalar(at: path) ?? defaultValue(path),
                      let reference = try? Reference(parsing: current) {
                // One value holds registry and repository: swap only the registry.
                let rest = current.hasPrefix(reference.registry + "/") ? String(current.dropFirst(reference.registry.count + 1))
                    : reference.repository + (reference.tag.map { ":\($0)" } ?? "")
                wanted.append((path, "\(registry)/\(rest)"))
            }
        }
        if values.contains(["global", "imageRegistry"]) || defaults.contains(["global", "imageRegistry"]) {
            wanted.append((["global", "imageRegistry"], registry))
        }
        for path in Self.imageRegistryPaths(in: text) { wanted.append((path, registry)) }

        var seen = Set<[String]>()
        for (path, value) in wanted where seen.insert(path).inserted {
            if values.contains(path) {
                let old = values.scalar(at: path) ?? ""
                guard old != value else { continue }
                try values.set(path, to: value)
                edits.append(ValueEdit(file: origin, path: path, old: old, new: value))
            } else {
                sets.append((path, value))
            }
        }
    }

    /// Every `…image.registry` string in a values document.
    static func imageRegistryPaths(in text: String) -> [[String]] {
        var found: [[String]] = []
        func walk(_ node: Any?, _ path: [String]) {
            guard let map = node as? [String: Any] else { return }
            for key in map.keys.sorted() {
                let next = path + [key]
                if key == "registry", path.last == "image", map[key] is String { found.append(next) }
                walk(map[key], next)
            }
        }
        walk(try? SafeYAML.load(text, origin: "values"), [])
        return found
    }
}
