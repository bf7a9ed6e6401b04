import FerryCharts
import FerryOCI
import Foundation

/// The new values of a release: its current user values with every image registry set to the
/// target. The paths come from the chart's hints, plus `global.imageRegistry` and every
/// `*.image.registry` of the user values and of the chart's defaults; a path the user values have is
/// edited as text, one they lack is set with `--set-string` unless the chart's default is already the
/// target (it would otherwise stay).
package struct RegistryRewrite {
    package var values: ValuesFile
    package var edits: [ValueEdit] = []
    /// `path=value` pairs for `--set-string`.
    package var sets: [(path: [String], value: String)] = []

    package init(userValues: String, origin: String, chart: ChartTree, hints: [ImageTemplate], registry: String) throws {
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
        // Every `*.image.registry` of the user values, and of the chart's defaults (a vendor chart
        // upgraded from a directory still names the vendor's registries).
        for path in values.stringPaths(endingWith: ["image", "registry"]) + defaults.stringPaths(endingWith: ["image", "registry"]) {
            wanted.append((path, registry))
        }

        var seen = Set<[String]>()
        for (path, value) in wanted where seen.insert(path).inserted {
            if values.contains(path) {
                let old = values.scalar(at: path) ?? ""
                guard old != value else { continue }
                try values.set(path, to: value)
                edits.append(ValueEdit(file: origin, path: path, old: old, new: value))
            } else if defaultValue(path) != value {
                sets.append((path, value))
            }
        }
    }
}
