import FerryOCI

/// One edit of a values file: `path` in `file` goes from `old` to `new`.
package struct ValueEdit: Sendable, Equatable, Codable {
    /// The values file, relative to the chart root (`values.yaml`, `charts/<sub>/values.yaml`).
    package var file: String
    package var path: [String]
    package var old: String
    package var new: String

    package var description: String { "\(file): \(path.joined(separator: ".")): \(old) → \(new)" }

    package init(file: String, path: [String], old: String, new: String) {
        self.file = file
        self.path = path
        self.old = old
        self.new = new
    }
}

/// What one image hint becomes: the image as the chart names it, where it is pushed, and the
/// values edits that make the chart name it there.
package struct ImageRelocation: Sendable {
    package var hint: String
    package var original: Reference
    /// Where the image is pushed: relocated registry and repository, original tag.
    package var target: Reference
    package var edits: [ValueEdit]
}

/// Relocates a chart by relok8s's rule (the library charts-syncer is built on):
/// - each hint is rendered against the chart's values (subcharts at any depth, by chart name, a
///   parent's non-empty value winning) and parsed into registry and repository;
/// - the rule gives the new registry and repository; without a tag or digest placeholder the
///   repository gets `@<digest>`, so the chart names the image immutably;
/// - only the parts whose parsed value changed are written: a registry placeholder when the
///   registry changed, a repository placeholder when the repository changed, a single combined
///   placeholder (`registry/repository`) when either did;
/// - the image is pushed where the chart now names it: the hint rendered again with the new
///   values, with the original tag (or, without one, the digest).
/// Values files are edited as text; tags and digests in values are never changed.
package enum ChartRelocation {
    package struct Result: Sendable {
        package var images: [ImageRelocation]
        package var chart: ChartTree
    }

    /// `imageDigest` finds the image a rendered reference names (in the bundle's images.tar) and
    /// returns its manifest digest; it throws when the image is missing. `pushedDigest`, when the
    /// image is pushed under another digest (one platform of an index), gives that digest: a hint
    /// that pins the digest then has its digest value rewritten to it, and only then.
    package static func relocate(_ chart: ChartTree, hints: [ImageTemplate], rule: RelocationRule,
                                imageDigest: (Reference, ImageTemplate) throws -> Digest,
                                pushedDigest: ((Reference, Digest) throws -> Digest)? = nil) throws -> Result {
        var values = try ChartValues(chart)
        var images: [ImageRelocation] = []
        var pending: [ValueEdit] = []
        for hint in hints {
            let image = try relocate(hint, values: values, rule: rule, imageDigest: imageDigest, pushedDigest: pushedDigest)
            pending += image.edits
            images.append(image)
        }
        // Apply after every hint has been rendered from the original values.
        try values.apply(pending)
        var relocated = chart
        for (directory, file) in values.files {
            relocated.files[ChartValues.valuesPath(directory)] = Array(file.text.utf8)
        }
        return Result(images: images, chart: relocated)
    }

    /// The images a chart's hints name, rendered against its values as relocation renders them:
    /// each as written (`name`) and parsed.
    package static func images(_ chart: ChartTree, hints: [ImageTemplate]) throws -> [(hint: String, name: String, reference: Reference)] {
        let values = try ChartValues(chart)
        return try hints.map { hint in
            let rendered = try hint.render { values.lookup($0) }
            let text = rendered.hasSuffix(":") ? String(rendered.dropLast()) : rendered
            return (hint.raw, text, try reference(hint, rendered: rendered))
        }
    }

    static func relocate(_ hint: ImageTemplate, values: ChartValues, rule: RelocationRule,
                         imageDigest: (Reference, ImageTemplate) throws -> Digest,
                         pushedDigest: ((Reference, Digest) throws -> Digest)?) throws -> ImageRelocation {
        let original = try reference(hint, rendered: try hint.render { values.lookup($0) })
        let source = try imageDigest(original, hint)
        let digest = try pushedDigest?(original, source) ?? source
        var actions = rewrites(hint, original: original, digest: digest, rule: rule)
        if digest != source, original.digest != nil {
            // The chart pins the source's digest; it must name what is pushed instead.
            guard let path = hint.digestPath else {
                throw ChartsError(.hintNotRendered, "hint '\(hint.raw)' pins \(source) in the hint itself, but the image is pushed as \(digest) (--platform); the digest cannot be rewritten",
                                  hint: "push every platform (no --platform), or pin the digest through a values key")
            }
            actions.append((path, digest.string))
        }

        // Where the chart will name the image once the values are edited.
        let overlay = Dictionary(actions.map { ($0.path, $0.value) }, uniquingKeysWith: { _, last in last })
        let rewritten = try reference(hint, rendered: try hint.render { overlay[$0] ?? values.lookup($0) })
        let target: Reference
        do {
            target = try Reference(registry: rewritten.registry, repository: rewritten.repository,
                                   tag: original.tag, digest: original.tag == nil ? digest : nil)
        } catch {
            throw ChartsError(.hintNotRendered, "hint '\(hint.raw)': relocated name \(rewritten.name) is not valid: \(error)")
        }

        var edits: [ValueEdit] = []
        for action in actions {
            let places = values.locations(action.path)
            guard !places.isEmpty else {
                throw ChartsError(.valuesKeyMissing, "hint '\(hint.raw)': the values have no '\(action.path.joined(separator: "."))'")
            }
            for (file, inner) in places {
                let old = values.scalar(file: file, path: inner) ?? ""
                guard old != action.value else { continue }
                edits.append(ValueEdit(file: file, path: inner, old: old, new: action.value))
            }
        }
        return ImageRelocation(hint: hint.raw, original: original, target: target, edits: edits)
    }

    /// The values paths the rule changes, with their new values; registry first, as relok8s emits them.
    static func rewrites(_ hint: ImageTemplate, original: Reference, digest: Digest,
                         rule: RelocationRule) -> [(path: [String], value: String)] {
        var (registry, repository) = rule.relocate(original)
        if !hint.hasTagOrDigest { repository += "@\(digest)" }
        let registryChanged = registry != original.registry
        let repositoryChanged = repository != original.repository
        if let path = hint.referencePath {
            guard registryChanged || repositoryChanged else { return [] }
            // A combined value always carries the registry, named as relok8s's parser names it.
            let written = registry == Reference.dockerHub ? "index.docker.io" : registry
            return [(path, "\(written)/\(repository)")]
        }
        var result: [(path: [String], value: String)] = []
        if registryChanged, let path = hint.registryPath { result.append((path, registry)) }
        if repositoryChanged, let path = hint.repositoryPath { result.append((path, repository)) }
        return result
    }

    static func reference(_ hint: ImageTemplate, rendered: String) throws -> Reference {
        // An empty tag value (`tag: ""`, common in `helm create` charts) means `latest`, as for relok8s.
        let text = rendered.hasSuffix(":") ? String(rendered.dropLast()) : rendered
        do {
            return try Reference(parsing: text)
        } catch {
            throw ChartsError(.hintNotRendered, "hint '\(hint.raw)' renders to '\(rendered)', which is not an image reference")
        }
    }
}
