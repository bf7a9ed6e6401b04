/// The values files of a chart and of every vendored subchart at any depth, addressed as hints
/// address them: `.a.b.image.repository` reads subchart `a`'s subchart `b` (by chart name, as
/// Helm and relok8s match them), with a parent's non-empty value winning over the subchart's own.
struct ChartValues {
    /// Values files by chart directory ("" for the root, `charts/a`, `charts/a/charts/b`).
    private(set) var files: [String: ValuesFile] = [:]
    /// Subchart directories by parent directory and chart name.
    private var children: [String: [String: String]] = [:]

    init(_ chart: ChartTree) throws {
        try load(chart, directory: "")
    }

    private mutating func load(_ chart: ChartTree, directory: String) throws {
        let path = Self.valuesPath(directory)
        files[directory] = try ValuesFile(text: String(decoding: chart.files[path] ?? [], as: UTF8.self),
                                          origin: "\(chart.origin)/\(path)")
        for sub in chart.subcharts(in: directory) {
            // The first subchart with a name wins, as in relok8s.
            if children[directory]?[sub.name] == nil { children[directory, default: [:]][sub.name] = sub.directory }
            try load(chart, directory: sub.directory)
        }
    }

    static func valuesPath(_ directory: String) -> String {
        directory.isEmpty ? "values.yaml" : "\(directory)/values.yaml"
    }

    /// The rendered value at `path`: the parent's when it has a non-empty one, else the subchart's.
    func lookup(_ path: [String], in directory: String = "") -> String? {
        let own = files[directory]?.scalar(at: path)
        if let own, !own.isEmpty { return own }
        if path.count > 1, let sub = children[directory]?[path[0]],
           let deeper = lookup(Array(path.dropFirst()), in: sub) {
            return deeper
        }
        return own
    }

    /// Every values file along the hint's route that holds the path, as (file, path inside it).
    /// relok8s edits only the deepest chart; a parent that overrides the value is edited too, so
    /// the override does not keep naming the old registry.
    func locations(_ path: [String], in directory: String = "") -> [(file: String, path: [String])] {
        var found: [(String, [String])] = []
        if files[directory]?.contains(path) == true { found.append((Self.valuesPath(directory), path)) }
        if path.count > 1, let sub = children[directory]?[path[0]] {
            found += locations(Array(path.dropFirst()), in: sub)
        }
        return found
    }

    func scalar(file: String, path: [String]) -> String? {
        files[Self.directory(ofValuesPath: file)]?.scalar(at: path)
    }

    /// Applies edits, each file rewritten in one pass.
    mutating func apply(_ edits: [ValueEdit]) throws {
        var byFile: [String: [(path: [String], value: String)]] = [:]
        for edit in edits { byFile[edit.file, default: []].append((edit.path, edit.new)) }
        for (file, changes) in byFile {
            try files[Self.directory(ofValuesPath: file)]?.set(changes)
        }
    }

    static func directory(ofValuesPath file: String) -> String {
        file == "values.yaml" ? "" : String(file.dropLast("/values.yaml".count))
    }
}

extension ChartTree {
    /// The chart's default value at a hint path, subcharts at any depth included (by chart name),
    /// a parent's non-empty value winning; nil when absent or the values cannot be read.
    package func defaultValue(at path: [String]) -> String? {
        (try? ChartValues(self))?.lookup(path)
    }
}
