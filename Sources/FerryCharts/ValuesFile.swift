import Foundation

/// A YAML values file that can be edited as text: a scalar is replaced where it stands, so
/// comments, key order, indentation and the quoting style of the value all stay as they were.
package struct ValuesFile: Sendable {
    /// The text as edited, with line feeds; `text` gives it back with the file's own line ends.
    private var body: [UInt8]
    /// The file used CR LF line ends (edited as LF, written back as CR LF).
    private let crlf: Bool
    package var text: String { String(decoding: crlf ? Self.crlf(body) : body, as: UTF8.self) }
    /// The file, for messages (e.g. `demo-1.0.0.bundle.tar!original-chart/values.yaml`).
    package let origin: String
    /// The parsed document, made once per version of the text: lookups never parse again.
    private var tree: YAMLTree

    package init(text: String, origin: String) throws {
        let plain = Array(SafeYAML.stripBOM(text).utf8)
        crlf = Self.hasCRLF(plain)
        body = crlf ? Self.lf(plain) : plain
        self.origin = origin
        tree = try Self.parse(body, origin: origin)
    }

    static func parse(_ body: [UInt8], origin: String) throws -> YAMLTree {
        let tree = try YAMLTree(bytes: body, origin: origin)
        if !tree.isEmpty, let root = tree.root, tree.nodes[root].kind != .mapping {
            throw ChartsError(.invalidValues, "\(origin) is not a YAML mapping")
        }
        return tree
    }

    /// The node at `path`, if every key along it exists.
    func node(at path: [String]) -> Int? {
        tree.isEmpty ? nil : tree.node(at: path)
    }

    /// The scalar at `path` as text; nil if absent or not a scalar.
    package func scalar(at path: [String]) -> String? {
        guard let node = node(at: path), tree.nodes[node].kind == .scalar else { return nil }
        return tree.nodes[node].value
    }

    package func contains(_ path: [String]) -> Bool { node(at: path) != nil }

    /// Every string value whose path ends with `suffix` (`["image", "registry"]`), keys sorted.
    package func stringPaths(endingWith suffix: [String]) -> [[String]] {
        tree.stringPaths(endingWith: suffix)
    }

    /// Sets the string scalar at `path` to `value`, keeping its quoting style.
    package mutating func set(_ path: [String], to value: String) throws {
        try set([(path, value)])
    }

    /// Sets several string scalars at once: the text is parsed once before and once after, however
    /// many values change, so a large values file relocates in one pass.
    package mutating func set(_ changes: [(path: [String], value: String)]) throws {
        var replacements: [Replacement] = []
        var wanted: [([String], String)] = []
        let lines = LineIndex(body)
        for (path, value) in changes {
            guard let replacement = try replacement(path, value, lines: lines) else { continue }
            replacements.removeAll { $0.range == replacement.range }
            replacements.append(replacement)
            wanted.append((path, value))
        }
        guard !replacements.isEmpty else { return }
        // Byte ranges in order; copy what lies between them.
        var edited: [UInt8] = []
        edited.reserveCapacity(body.count + replacements.reduce(0) { $0 + $1.text.utf8.count })
        var at = 0
        for r in replacements.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            guard r.range.lowerBound >= at else {
                throw ChartsError(.invalidValues, "\(origin): two rewrites overlap; the file was left as it was")
            }
            edited += body[at..<r.range.lowerBound]
            edited += Array(r.text.utf8)
            at = r.range.upperBound
        }
        edited += body[at...]
        var after = self
        after.body = edited
        after.tree = try Self.parse(edited, origin: origin)
        for (path, value) in wanted where after.scalar(at: path) != value {
            throw ChartsError(.invalidValues, "\(origin): rewriting '\(path.joined(separator: "."))' did not give the expected value; the file was left as it was")
        }
        self = after
    }

    /// A scalar's bytes in `body` and the text that replaces them.
    struct Replacement {
        var range: Range<Int>
        var text: String
    }

    /// Where the scalar at `path` stands in the text and what replaces it; nil when it has the value already.
    private func replacement(_ path: [String], _ value: String, lines: LineIndex) throws -> Replacement? {
        let dotted = path.joined(separator: ".")
        let (parent, target) = try locate(path)
        let scalar = tree.nodes[target]
        if scalar.value == value { return nil }
        guard let lineRange = lines.range(ofLine: scalar.line) else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        let scalars = Array(String(decoding: body[lineRange], as: UTF8.self).unicodeScalars)
        let start = Self.valueStart(scalars, column: scalar.column)
        guard start >= 0, start <= scalars.count else {
            throw ChartsError(.invalidValues, "\(origin): cannot locate '\(dotted)' in the text")
        }
        let (end, replacement) = try written(value, replacing: scalar, in: scalars, from: start, flow: tree.nodes[parent].style == .flow, key: dotted)
        // The text found must be the whole value: a value spread over several lines is refused.
        let found = String(String.UnicodeScalarView(scalars[start..<end]))
        guard let check = try? YAMLTree("k: " + found, origin: origin), let k = check.node(at: ["k"]),
              check.nodes[k].kind == .scalar, check.nodes[k].value == scalar.value else {
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' spans several lines; Ferry rewrites only one-line values")
        }
        let from = lineRange.lowerBound + Self.utf8Count(scalars[..<start])
        return Replacement(range: from..<(from + Self.utf8Count(scalars[start..<end])), text: replacement)
    }

    /// The mapping that holds `path`'s last key and the string scalar it names.
    private func locate(_ path: [String]) throws -> (parent: Int, target: Int) {
        let dotted = path.joined(separator: ".")
        let parentPath = Array(path.dropLast())
        guard let parent = parentPath.isEmpty ? (tree.isEmpty ? nil : tree.root) : node(at: parentPath),
              tree.nodes[parent].kind == .mapping else {
            throw ChartsError(.valuesKeyMissing, "\(origin) has no map '\(parentPath.joined(separator: "."))' for '\(dotted)'")
        }
        guard let target = tree.child(of: parent, key: path.last!) else {
            throw ChartsError(.valuesKeyMissing, "\(origin) has no key '\(dotted)'")
        }
        guard tree.isString(target) else {
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' is not a string value, so Ferry will not rewrite it")
        }
        return (parent, target)
    }

    /// The node starts at its properties (`&anchor`, `!tag`), if any; the value follows them.
    static func valueStart(_ scalars: [Unicode.Scalar], column: Int) -> Int {
        var start = column - 1
        while start >= 0, start < scalars.count, scalars[start] == "&" || scalars[start] == "!" {
            while start < scalars.count && scalars[start] != " " && scalars[start] != "\t" { start += 1 }
            while start < scalars.count && (scalars[start] == " " || scalars[start] == "\t") { start += 1 }
        }
        return start
    }

    /// Where the old value ends on its line, and the new value written in the old one's style.
    private func written(_ value: String, replacing scalar: YAMLTree.Node, in scalars: [Unicode.Scalar], from start: Int,
                         flow: Bool, key dotted: String) throws -> (end: Int, text: String) {
        switch scalar.style {
        case .doubleQuoted:
            return (try Self.endOfQuoted(scalars, from: start, quote: "\"", origin: origin, key: dotted),
                    "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"")
        case .singleQuoted:
            return (try Self.endOfQuoted(scalars, from: start, quote: "'", origin: origin, key: dotted),
                    "'" + value.replacingOccurrences(of: "'", with: "''") + "'")
        case .plain:
            return (Self.endOfPlain(scalars, from: start, flow: flow),
                    Self.isPlainSafe(value) ? value : "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"")
        default:
            throw ChartsError(.invalidValues, "\(origin): '\(dotted)' is a block scalar; Ferry rewrites only one-line values")
        }
    }

    static func utf8Count(_ scalars: ArraySlice<Unicode.Scalar>) -> Int {
        scalars.reduce(0) { $0 + UTF8.width($1) }
    }

    /// Byte ranges of lines, found once per edit pass (without splitting the whole text into strings).
    struct LineIndex {
        let body: [UInt8]
        let starts: [Int]

        init(_ body: [UInt8]) {
            self.body = body
            var starts = [0]
            for (i, byte) in body.enumerated() where byte == 0x0A { starts.append(i + 1) }
            self.starts = starts
        }

        /// The bytes of 1-based line `line`, without its line feed.
        func range(ofLine line: Int) -> Range<Int>? {
            guard line >= 1, line <= starts.count else { return nil }
            let start = starts[line - 1]
            let end = line < starts.count ? starts[line] - 1 : body.count
            return start..<max(start, end)
        }
    }

    static func hasCRLF(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x0D && bytes[i + 1] == 0x0A { return true }
            i += 1
        }
        return false
    }

    /// CR LF → LF (a lone CR stays).
    static func lf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, byte) in bytes.enumerated() where !(byte == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) {
            out.append(byte)
        }
        return out
    }

    /// LF → CR LF.
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 16)
        for byte in bytes {
            if byte == 0x0A { out.append(0x0D) }
            out.append(byte)
        }
        return out
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
        guard let tree = try? YAMLTree(value, origin: "value"), let root = tree.root else { return false }
        return tree.isString(root) && tree.nodes[root].value == value
    }
}
