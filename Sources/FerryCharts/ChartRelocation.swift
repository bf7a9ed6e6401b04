import FerryOCI

/// One edit of a values file: `path` in `file` goes from `old` to `new`.
public struct ValueEdit: Sendable, Equatable, Codable {
    /// The values file, relative to the chart root (`values.yaml`, `charts/<sub>/values.yaml`).
    public var file: String
    public var path: [String]
    public var old: String
    public var new: String

    public var description: String { "\(file): \(path.joined(separator: ".")): \(old) → \(new)" }

    public init(file: String, path: [String], old: String, new: String) {
        self.file = file
        self.path = path
        self.old = old
        self.new = new
    }
}

/// What one image hint becomes: the image as the chart names it, where it is pushed, and the
/// values edits that make the chart name it there.
public struct ImageRelocation: Sendable {
    public var hint: String
    public var original: Reference
    /// Where the image is pushed: relocated registry and repository, original tag.
    public var target: Reference
    public var edits: [ValueEdit]
}

/// Relocates a chart: renders each hint against the chart's values (subchart values merged under
/// the subchart's name, the parent's winning), computes the new registry and repository by the
/// rule, and edits the values files as text. Tags are never changed.
public enum ChartRelocation {
    public struct Result: Sendable {
        public var images: [ImageRelocation]
        public var chart: ChartTree
    }

    /// `imageDigest` finds the image a rendered reference names (in the bundle's images.tar) and
    /// returns its manifest digest; it throws when the image is missing.
    public static func relocate(_ chart: ChartTree, hints: [ImageTemplate], rule: RelocationRule,
                                imageDigest: (Reference, ImageTemplate) throws -> Digest) throws -> Result {
        var files = ["values.yaml": try chart.values()]
        var subchartFiles: [String: String] = [:]  // subchart name → values file path
        for sub in chart.subcharts {
            let path = "\(sub.directory)/values.yaml"
            files[path] = try ValuesFile(text: String(decoding: chart.files[path] ?? [], as: UTF8.self),
                                         origin: "\(chart.origin)/\(path)")
            subchartFiles[sub.name] = path
        }
        // Where a values path lives: the parent's full path, and a subchart's path without its name.
        func locations(_ path: [String]) -> [(file: String, path: [String])] {
            var found: [(String, [String])] = []
            if files["values.yaml"]!.contains(path) { found.append(("values.yaml", path)) }
            if path.count > 1, let sub = subchartFiles[path[0]], files[sub]!.contains(Array(path.dropFirst())) {
                found.append((sub, Array(path.dropFirst())))
            }
            return found
        }
        func lookup(_ path: [String]) -> String? {
            for (file, inner) in locations(path) {
                if let value = files[file]!.scalar(at: inner) { return value }
            }
            return nil
        }

        var images: [ImageRelocation] = []
        var pending: [ValueEdit] = []
        for hint in hints {
            let rendered = try hint.render(lookup)
            let original: Reference
            do {
                original = try Reference(parsing: rendered)
            } catch {
                throw ChartsError(.hintNotRendered, "hint '\(hint.raw)' renders to '\(rendered)', which is not an image reference")
            }
            let digest = try imageDigest(original, hint)
            let (registry, repository) = rule.relocate(original)
            // Without a tag or digest placeholder the chart could only name the image by digest.
            let valueRepository = hint.hasTagOrDigest ? repository : "\(repository)@\(digest)"
            let target: Reference
            do {
                let parsed = try Reference(parsing: "\(registry)/\(repository)")
                target = try Reference(registry: parsed.registry, repository: parsed.repository,
                                       tag: original.tag, digest: original.tag == nil ? digest : nil)
            } catch {
                throw ChartsError(.hintNotRendered, "hint '\(hint.raw)': relocated name \(registry)/\(repository) is not valid: \(error)")
            }
            var wanted: [([String], String)] = []
            if let path = hint.referencePath {
                wanted.append((path, "\(registry)/\(valueRepository)"))
            } else if let registryPath = hint.registryPath, let repositoryPath = hint.repositoryPath {
                wanted.append((registryPath, registry))
                wanted.append((repositoryPath, valueRepository))
            }
            var edits: [ValueEdit] = []
            for (path, value) in wanted {
                let places = locations(path)
                guard !places.isEmpty else {
                    throw ChartsError(.valuesKeyMissing, "hint '\(hint.raw)': the values have no '\(path.joined(separator: "."))'")
                }
                for (file, inner) in places {
                    let old = files[file]!.scalar(at: inner) ?? ""
                    guard old != value else { continue }
                    edits.append(ValueEdit(file: file, path: inner, old: old, new: value))
                }
            }
            pending += edits
            images.append(ImageRelocation(hint: hint.raw, original: original, target: target, edits: edits))
        }
        // Apply after every hint has been rendered from the original values.
        for edit in pending {
            try files[edit.file]!.set(edit.path, to: edit.new)
        }
        var relocated = chart
        for (path, file) in files { relocated.files[path] = Array(file.text.utf8) }
        return Result(images: images, chart: relocated)
    }
}
