import CYaml

/// Builds a `YAMLTree` from libyaml's events, one at a time, enforcing `SafeYAML`'s limits as it
/// goes: nodes are appended when complete (children before parents), so the size and depth a
/// node has once aliases are expanded are known from its children, and a bomb is refused early.
struct YAMLTreeBuilder {
    typealias Node = YAMLTree.Node

    let origin: String
    private(set) var nodes: [Node] = []
    private(set) var links: [Int] = []
    private(set) var root: Int?

    /// An open collection while its children are read; its children so far are `pending[start...]`.
    private struct Open {
        var node: Node
        var anchor: String?
        var start: Int
    }

    private var open: [Open] = []
    private var pending: [Int] = []
    private var anchors: [String: Int] = [:]
    /// Per node: nodes and depth as aliases would expand it, capped so nothing overflows.
    private var sizes: [Int] = []
    private var heights: [Int] = []
    private var documents = 0

    init(origin: String) { self.origin = origin }

    func refuse() -> ChartsError {
        ChartsError(.invalidValues,
                    "\(origin) expands to more than \(SafeYAML.maximumNodes) YAML nodes or nests deeper than \(SafeYAML.maximumDepth) (aliases that multiply, a \"billion laughs\"); Ferry refuses it")
    }

    /// Takes one event; true at the end of the stream.
    mutating func take(_ event: yaml_event_t) throws -> Bool {
        let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            guard documents == 1 else {
                throw ChartsError(.invalidValues, "\(origin):\(line): a second YAML document (after '---'); a values file holds one")
            }
        case YAML_SCALAR_EVENT:
            try scalar(event, line: line, column: column)
        case YAML_ALIAS_EVENT:
            let name = YAMLTree.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw ChartsError(.invalidValues, "\(origin) is not valid YAML: line \(line), column \(column): alias '*\(name)' names no anchor before it")
            }
            try attach(target, line: line)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            try start(event, line: line, column: column)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            var closed = open.removeLast()
            closed.node.children = links.count..<(links.count + pending.count - closed.start)
            links += pending[closed.start...]
            pending.removeSubrange(closed.start...)
            try attach(try append(closed.node, anchor: closed.anchor), line: closed.node.line)
        default:
            break
        }
        return false
    }

    private mutating func scalar(_ event: yaml_event_t, line: Int, column: Int) throws {
        let data = event.data.scalar
        let value = String(decoding: UnsafeBufferPointer(start: data.value, count: Int(data.length)), as: UTF8.self)
        let style: YAMLTree.Style = switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
        let node = Node(kind: .scalar, style: style, line: line, column: column, value: value,
                        tag: YAMLTree.string(data.tag), children: links.count..<links.count)
        try attach(try append(node, anchor: YAMLTree.string(data.anchor)), line: line)
    }

    private mutating func start(_ event: yaml_event_t, line: Int, column: Int) throws {
        guard open.count < SafeYAML.maximumDepth else { throw refuse() }
        let mapping = event.type == YAML_MAPPING_START_EVENT
        let flow = mapping ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                           : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
        let tag = mapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
        let anchor = mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
        let node = Node(kind: mapping ? .mapping : .sequence, style: flow ? .flow : .block, line: line, column: column,
                        value: "", tag: YAMLTree.string(tag), children: 0..<0)
        open.append(Open(node: node, anchor: YAMLTree.string(anchor), start: pending.count))
    }

    /// Makes `index` the next child of the open collection (or the root).
    private mutating func attach(_ index: Int, line: Int) throws {
        guard let top = open.last else { root = index; return }
        if top.node.kind == .mapping, (pending.count - top.start) % 2 == 0, nodes[index].kind != .scalar {
            // Helm reads only string keys; a mapping or list used as a key is refused (YAML allows it).
            throw ChartsError(.invalidValues, "\(origin):\(line): a mapping key must be a plain value, not a mapping or a list")
        }
        pending.append(index)
    }

    /// Adds a complete node, checked against the limits as aliases would expand it.
    private mutating func append(_ node: Node, anchor: String?) throws -> Int {
        var size = 1, height = 1
        for child in links[node.children] {
            size = min(size + sizes[child], SafeYAML.maximumNodes + 1)
            height = max(height, heights[child] + 1)
        }
        guard size <= SafeYAML.maximumNodes, height <= SafeYAML.maximumDepth + 1 else { throw refuse() }
        nodes.append(node)
        sizes.append(size)
        heights.append(height)
        if let anchor { anchors[anchor] = nodes.count - 1 }
        return nodes.count - 1
    }
}
