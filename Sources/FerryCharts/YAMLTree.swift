// libyaml, as the Yams package builds it. Values files are read from its events into Ferry's own
// compact tree: Yams's composer builds a class-backed node per scalar and hashes every mapping key
// through regular expressions, which made a 10 MiB values.yaml take seconds to read.
import CYaml
import Yams

/// A YAML document as a flat tree of nodes, read once, with the limits of `SafeYAML`: at most
/// `maximumBytes` of text, `maximumNodes` nodes as aliases would expand it, `maximumDepth` levels.
/// An alias is a link to its anchor's node (nothing is copied), so a "billion laughs" costs only
/// its own size to find. Mapping keys must be scalars; a repeated key is read as Helm reads it
/// (the last one wins). Plain scalars are kept as text; `isString` types one when asked.
struct YAMLTree: Sendable {
    enum Kind: UInt8, Sendable { case scalar, mapping, sequence }
    enum Style: UInt8, Sendable { case plain, singleQuoted, doubleQuoted, literal, folded, block, flow }

    struct Node: Sendable {
        var kind: Kind
        var style: Style
        /// Where the node starts: 1-based, the column counted in Unicode scalars (as libyaml counts).
        var line: Int
        var column: Int
        /// A scalar's text.
        var value: String
        /// An explicit tag, resolved (`!!str` is `tag:yaml.org,2002:str`).
        var tag: String?
        /// Children in `links`: a sequence's items; a mapping's key, value, key, value…
        var children: Range<Int>
    }

    private(set) var nodes: [Node] = []
    private(set) var links: [Int] = []
    /// The document's root; nil for an empty document.
    private(set) var root: Int?

    init(_ text: String, origin: String) throws {
        try self.init(bytes: Array(text.utf8), origin: origin)
    }

    /// The document in `bytes` (UTF-8; libyaml refuses anything else by byte offset).
    init(bytes: [UInt8], origin: String) throws {
        let count = bytes.count
        guard count <= SafeYAML.maximumBytes else {
            throw ChartsError(.invalidValues, "\(origin) is \(count) bytes, more than the \(SafeYAML.maximumBytes >> 20) MiB Ferry reads as YAML")
        }
        guard count > 0 else { return }
        var bytes = bytes
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ChartsError(.invalidValues, "\(origin): the YAML reader could not start (out of memory)")
        }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            try read(&parser, origin: origin)
        }
    }

    private mutating func read(_ parser: inout yaml_parser_t, origin: String) throws {
        var builder = YAMLTreeBuilder(origin: origin)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                // libyaml stops at 1,000 open flow levels, sooner than the events reach ours.
                if let problem = parser.problem, String(cString: problem).hasPrefix("Maximum nesting level") { throw builder.refuse() }
                throw ChartsError(.invalidValues, "\(origin) is not valid YAML: \(Self.describe(parser))")
            }
            defer { yaml_event_delete(&event) }
            if try builder.take(event) { break }
        }
        (nodes, links, root) = (builder.nodes, builder.links, builder.root)
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// libyaml's error as one line: what and where, never the text of the line (it may hold a secret).
    static func describe(_ parser: yaml_parser_t) -> String {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        if parser.error == YAML_READER_ERROR {
            return "byte \(parser.problem_offset): \(problem)"
        }
        let what = [parser.context.map { String(cString: $0) }, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        return "line \(parser.problem_mark.line + 1), column \(parser.problem_mark.column + 1): \(what)"
    }

    // MARK: - Reading

    /// The value under `key` in the mapping `node` (the last one, if repeated).
    func child(of node: Int, key: String) -> Int? {
        let mapping = nodes[node]
        guard mapping.kind == .mapping else { return nil }
        var i = mapping.children.upperBound - 2
        while i >= mapping.children.lowerBound {
            let k = nodes[links[i]]
            if k.kind == .scalar && k.value == key { return links[i + 1] }
            i -= 2
        }
        return nil
    }

    /// The node at `path` from the root, if every key along it exists.
    func node(at path: [String]) -> Int? {
        guard var current = root else { return nil }
        for key in path {
            guard let next = child(of: current, key: key) else { return nil }
            current = next
        }
        return current
    }

    /// The path of every string scalar reached through mappings whose path ends with `suffix`,
    /// keys sorted at each level (a repeated key counted once, as its last occurrence).
    func stringPaths(endingWith suffix: [String]) -> [[String]] {
        guard let root, !isEmpty else { return [] }
        var found: [[String]] = []
        var budget = SafeYAML.maximumNodes
        func walk(_ node: Int, _ path: [String]) {
            budget -= 1
            guard budget >= 0, nodes[node].kind == .mapping else { return }
            var last: [String: Int] = [:]
            for i in stride(from: nodes[node].children.lowerBound, to: nodes[node].children.upperBound, by: 2)
            where nodes[links[i]].kind == .scalar {
                last[nodes[links[i]].value] = links[i + 1]
            }
            for key in last.keys.sorted() {
                let next = path + [key], value = last[key]!
                if next.count >= suffix.count, Array(next.suffix(suffix.count)) == suffix, isString(value) { found.append(next) }
                walk(value, next)
            }
        }
        walk(root, [])
        return found
    }

    /// Whether the node is a string as Helm reads it: quoted or block text, `!!str`, or a plain
    /// scalar that is not a number, boolean, null or timestamp (YAML 1.1's rules, as Yams has them).
    func isString(_ index: Int) -> Bool {
        let node = nodes[index]
        guard node.kind == .scalar else { return false }
        if let tag = node.tag { return tag == "tag:yaml.org,2002:str" || tag == "!" }
        guard node.style == .plain else { return true }
        return Resolver.default.resolveTag(of: Yams.Node(node.value)) == .str
    }

    /// True when the document is empty or a plain null (`~`, `null`): Helm reads it as no values.
    var isEmpty: Bool {
        guard let root else { return true }
        let node = nodes[root]
        return node.kind == .scalar && node.style == .plain && node.tag == nil && ["", "~", "null", "Null", "NULL"].contains(node.value)
    }
}
