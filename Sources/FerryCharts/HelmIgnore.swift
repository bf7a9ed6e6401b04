#if canImport(Glibc)
import Glibc
#endif

/// The rules of a chart's `.helmignore` as Helm applies them when it packages a directory: one
/// glob per line (`#` comments), matched against the path and against each path's base name; a
/// trailing `/` matches directories only; a leading `!` keeps what an earlier rule excluded.
/// Helm never packs files under `templates/` whose name starts with a dot either.
package struct HelmIgnore: Sendable {
    struct Rule: Sendable {
        var pattern: String
        var negated: Bool
        var directoryOnly: Bool
    }

    let rules: [Rule]

    package init(_ text: String) {
        rules = text.split(whereSeparator: \.isNewline).compactMap { line in
            var pattern = line.trimmingCharacters(in: .whitespaces)
            guard !pattern.isEmpty, !pattern.hasPrefix("#") else { return nil }
            let negated = pattern.hasPrefix("!")
            if negated { pattern.removeFirst() }
            let directoryOnly = pattern.hasSuffix("/")
            if directoryOnly { pattern.removeLast() }
            if pattern.hasPrefix("/") { pattern.removeFirst() }
            return pattern.isEmpty ? nil : Rule(pattern: pattern, negated: negated, directoryOnly: directoryOnly)
        }
    }

    /// True when the file at `path` (relative to the chart root) is left out.
    package func excludes(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        if parts.count >= 2, parts[0] == "templates", parts.last!.hasPrefix(".") { return true }
        var excluded = false
        for rule in rules {
            // The file itself, or any directory above it (a rule naming a directory takes its contents).
            var hit = false
            for end in 1...parts.count {
                let isDirectory = end < parts.count
                if rule.directoryOnly && !isDirectory { continue }
                let prefix = parts[0..<end].joined(separator: "/")
                if Self.matches(rule.pattern, prefix) || (!rule.pattern.contains("/") && Self.matches(rule.pattern, parts[end - 1])) {
                    hit = true
                    break
                }
            }
            if hit { excluded = !rule.negated }
        }
        return excluded
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, FNM_PATHNAME) == 0
    }
}
