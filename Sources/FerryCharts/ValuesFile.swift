import Foundation
import Yams

/// A YAML values file that can be edited as text: a scalar is replaced where it stands, so
/// comments, key order, indentation and the quoting style of the value all stay as they were.
public struct ValuesFile: Sendable {
    public private(set) var text: String
    /// The file, for messages (e.g. `demo-1.0.0.bundle.tar!original-chart/values.yaml`).
    public let origin: String

    public init(text: String, origin: String) throws {
        self.text = text
        self.origin = origin
        _ = try root()
    }

    /// The document's root mapping (an empty file is an empty mapping).
    func root() throws -> Node? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ChartsError(.invalidValues, "\(origin) is not valid YAML: \(error)")
        }
        guard let node else { return nil }
        guard node.mapping != nil else {
            throw ChartsError(.invalidValues, "\(origin) is not a YAML mapping")
        }
        return node
    }

    /// The node at `path`, if every key along it exists.
    func node(at path: [String]) -> Node? {
        guard var current = try? root() else { return nil }
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

    /// The value at `path` as YAML types resolve it (a plain `1.2` is a number, not a string).
    func loadedValue(at path: [String]) -> Any? {
        var current: Any? = try? Yams.load(yaml: text)
        for key in path {
            current = (current as? [String: Any])?[key]
        }
        return current
    }

    /// Sets the string scalar at `path` to `value`, keeping its quoting style.
    public mutating func set(_ path: [String], to value: String) throws {
        let dotted = path.joined(separator: ".")
        guard let parentPath = path.dropLast().isEmpty ? [] : Optional(Array(path.dropLast())),
              let parent = parentPath.isEmpty ? try root() : node(at: parentPath), let mapping = parent.mapping else {
            throw ChartsError(.valuesKeyMissing, "\(origin) has no map '\(path.dropLast().joined(separator: "."))' for '\(dotted)'")
        }
        guard let target = mapping[path.last!] else {
            throw ChartsError(.valuesKeyMissing, "\(origin) has no key '\(dotted)'")
        }
        guard let scalar = target.scalar, loadedValue(at: path) is String else {
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' is not a string value, so Ferry will not rewrite it")
        }
        guard let mark = target.mark else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        if scalar.string == value { return }
        // Yams does not report a mapping's style: a flow mapping is one whose text starts with '{'.
        let flow = parent.mark.map { Self.character(in: text, line: $0.line, column: $0.column) == "{" } ?? false
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard mark.line - 1 < lines.count else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        var scalars = Array(lines[mark.line - 1].unicodeScalars)
        let start = mark.column - 1
        guard start <= scalars.count else {
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
        let unquoted = try? Yams.load(yaml: "k: " + found) as? [String: Any]
        guard let unquotedValue = unquoted?["k"].map({ "\($0)" }), unquotedValue == scalar.string else {
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' spans several lines; Ferry rewrites only one-line values")
        }
        scalars.replaceSubrange(start..<end, with: replacement.unicodeScalars)
        lines[mark.line - 1] = String(String.UnicodeScalarView(scalars))
        let edited = lines.joined(separator: "\n")
        var check = self
        check.text = edited
        guard check.scalar(at: path) == value else {
            throw ChartsError(.invalidValues, "\(origin): rewriting '\(dotted)' did not give the expected value; the file was left as it was")
        }
        text = edited
    }

    static func character(in text: String, line: Int, column: Int) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
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
        while i > start && (s[i - 1] == " " || s[i - 1] == "\t") { i -= 1 }
        return i
    }

    /// True when `value` written plain reads back as the same string.
    static func isPlainSafe(_ value: String) -> Bool {
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._/:@-".unicodeScalars.contains($0) }),
              let first = value.unicodeScalars.first, !"-:@".unicodeScalars.contains(first) else { return false }
        return (try? Yams.load(yaml: value)) as? String == value
    }
}
