import Foundation
import Yams

/// A YAML values file that can be edited as text: a scalar is replaced where it stands, so
/// comments, key order, indentation and the quoting style of the value all stay as they were.
public struct ValuesFile: Sendable {
    /// The text as edited, with line feeds; `text` gives it back with the file's own line ends.
    private var body: String
    /// The file used CR LF line ends (edited as LF, written back as CR LF).
    private let crlf: Bool
    public var text: String { crlf ? body.replacingOccurrences(of: "\n", with: "\r\n") : body }
    /// The file, for messages (e.g. `demo-1.0.0.bundle.tar!original-chart/values.yaml`).
    public let origin: String
    /// The parsed document, made once per version of the text: lookups never parse again.
    private var parsed: ParsedYAML

    public init(text: String, origin: String) throws {
        let plain = SafeYAML.stripBOM(text)
        crlf = plain.contains("\r\n")
        body = crlf ? plain.replacingOccurrences(of: "\r\n", with: "\n") : plain
        self.origin = origin
        self.parsed = try ParsedYAML(body, origin: origin)
    }

    /// The document's root mapping (an empty file is an empty mapping).
    func root() -> Node? { parsed.root }

    /// The node at `path`, if every key along it exists.
    func node(at path: [String]) -> Node? {
        guard var current = parsed.root else { return nil }
        for key in path {
            guard let mapping = current.mapping, let next = mapping[key] else { return nil }
            current = next
        }
        return current
    }

    /// The scalar at `path` as text; nil if absent or not a scalar.
    public func scalar(at path: [String]) -> String? {
        guard let node = node(at: path), let scalar = node.scalar else { return nil }
        return scalar.string
    }

    public func contains(_ path: [String]) -> Bool { node(at: path) != nil }

    /// Sets the string scalar at `path` to `value`, keeping its quoting style.
    public mutating func set(_ path: [String], to value: String) throws {
        try set([(path, value)])
    }

    /// Sets several string scalars at once: the text is parsed once before and once after, however
    /// many values change, so a large values file relocates in one pass.
    public mutating func set(_ changes: [(path: [String], value: String)]) throws {
        var replacements: [(line: Int, start: Int, end: Int, text: String)] = []
        var wanted: [([String], String)] = []
        let original = body.split(separator: "\n", omittingEmptySubsequences: false)
        for (path, value) in changes {
            guard let replacement = try replacement(path, value, lines: original) else { continue }
            replacements.removeAll { $0.line == replacement.line && $0.start == replacement.start }
            replacements.append(replacement)
            wanted.append((path, value))
        }
        guard !replacements.isEmpty else { return }
        var lines = original.map(String.init)
        // From the end backwards, so earlier columns stay valid.
        for r in replacements.sorted(by: { ($0.line, $0.start) > ($1.line, $1.start) }) {
            var scalars = Array(lines[r.line].unicodeScalars)
            scalars.replaceSubrange(r.start..<r.end, with: r.text.unicodeScalars)
            lines[r.line] = String(String.UnicodeScalarView(scalars))
        }
        let edited = lines.joined(separator: "\n")
        let check = try ParsedYAML(edited, origin: origin)
        var after = self
        after.body = edited
        after.parsed = check
        for (path, value) in wanted where after.scalar(at: path) != value {
            throw ChartsError(.invalidValues, "\(origin): rewriting '\(path.joined(separator: "."))' did not give the expected value; the file was left as it was")
        }
        self = after
    }

    /// Where the scalar at `path` stands in the text and what replaces it; nil when it has the value already.
    private func replacement(_ path: [String], _ value: String,
                             lines: [Substring]) throws -> (line: Int, start: Int, end: Int, text: String)? {
        let dotted = path.joined(separator: ".")
        let parentPath = Array(path.dropLast())
        guard let parent = parentPath.isEmpty ? root() : node(at: parentPath), let mapping = parent.mapping else {
            throw ChartsError(.valuesKeyMissing, "\(origin) has no map '\(parentPath.joined(separator: "."))' for '\(dotted)'")
        }
        guard let target = mapping[path.last!] else {
            throw ChartsError(.valuesKeyMissing, "\(origin) has no key '\(dotted)'")
        }
        guard let scalar = target.scalar, target.any is String else {
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' is not a string value, so Ferry will not rewrite it")
        }
        if scalar.string == value { return nil }
        guard let mark = target.mark else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        // Yams does not report a mapping's style: a flow mapping is one whose text starts with '{'.
        let flow = parent.mark.map { Self.character(in: lines, line: $0.line, column: $0.column) == "{" } ?? false
        guard mark.line - 1 < lines.count else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        let start = mark.column - 1
        guard start >= 0, start <= scalars.count else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        let end: Int
        let replacement: String
        switch scalar.style {
        case .doubleQuoted:
            end = try Self.endOfQuoted(scalars, from: start, quote: "\"", origin: origin, key: dotted)
            replacement = "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .singleQuoted:
            end = try Self.endOfQuoted(scalars, from: start, quote: "'", origin: origin, key: dotted)
            replacement = "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
        case .plain:
            end = Self.endOfPlain(scalars, from: start, flow: flow)
            replacement = Self.isPlainSafe(value) ? value : "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        default:
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' is a block scalar; Ferry rewrites only one-line values")
        }
        // The text found must be the whole value: a value spread over several lines is refused.
        let found = String(String.UnicodeScalarView(scalars[start..<end]))
        guard let unquoted = (try? Yams.compose(yaml: "k: " + found))?.mapping?["k"]?.scalar?.string, unquoted == scalar.string else {
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' spans several lines; Ferry rewrites only one-line values")
        }
        return (mark.line - 1, start, end, replacement)
    }

    static func character(in lines: [Substring], line: Int, column: Int) -> Unicode.Scalar? {
        guard line - 1 < lines.count else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars)
        return column - 1 < scalars.count && column >= 1 ? scalars[column - 1] : nil
    }

    static func endOfQuoted(_ s: [Unicode.Scalar], from start: Int, quote: Unicode.Scalar, origin: String, key: String) throws -> Int {
        var i = start + 1
        while i < s.count {
            if quote == "\"" && s[i] == "\\" { i += 2; continue }
            if s[i] == quote {
                if quote == "'" && i + 1 < s.count && s[i + 1] == "'" { i += 2; continue }
                return i + 1
            }
            i += 1
        }
        throw ChartsError(.invalidValues, "\(origin): '\(key)' spans several lines; Ferry rewrites only one-line values")
    }

    static func endOfPlain(_ s: [Unicode.Scalar], from start: Int, flow: Bool) -> Int {
        var i = start
        while i < s.count {
            if s[i] == "#" && i > start && (s[i - 1] == " " || s[i - 1] == "\t") { break }
            if flow && (s[i] == "," || s[i] == "}" || s[i] == "]") { break }
            i += 1
        }
        while i > start && (s[i - 1] == " " || s[i - 1] == "\t" || s[i - 1] == "\r") { i -= 1 }
        return i
    }

    /// True when `value` written plain reads back as the same string.
    static func isPlainSafe(_ value: String) -> Bool {
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._/:@-".unicodeScalars.contains($0) }),
              let first = value.unicodeScalars.first, !"-:@".unicodeScalars.contains(first) else { return false }
        guard let node = try? Yams.compose(yaml: value), let scalar = node.scalar else { return false }
        return node.any is String && scalar.string == value
    }
}

/// A parsed YAML document, shared between copies of a `ValuesFile`. Yams's nodes are immutable
/// values once composed, so sharing them across tasks is safe.
final class ParsedYAML: @unchecked Sendable {
    let root: Node?

    init(_ text: String, origin: String) throws {
        let node = try SafeYAML.compose(text, origin: origin)
        if let node, node.mapping == nil {
            throw ChartsError(.invalidValues, "\(origin) is not a YAML mapping")
        }
        root = node
    }
}
