import Yams

/// YAML from outside the site (hints, values, Chart.yaml, index.yaml) read with limits: composing
/// keeps an alias as a reference to its anchor, and the document as aliases would expand it is
/// counted against a budget before anything walks it, so a "billion laughs" is refused by name
/// instead of expanding for ever.
package enum SafeYAML {
    /// Far above any real chart file (values files run to a few hundred KiB).
    package static let maximumBytes = 32 << 20
    /// Nodes of the expanded document; a 10 MiB values file has about a million.
    package static let maximumNodes = 4_000_000
    package static let maximumDepth = 256

    /// The document's root node, checked against the limits.
    package static func compose(_ text: String, origin: String, code: ChartsError.Code = .invalidValues) throws -> Node? {
        guard text.utf8.count <= maximumBytes else {
            throw ChartsError(code, "\(origin) is \(text.utf8.count) bytes, more than the \(maximumBytes >> 20) MiB Ferry reads as YAML")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: stripBOM(text))
        } catch {
            throw ChartsError(code, "\(origin) is not valid YAML: \(describe(error))")
        }
        if let root {
            var budget = maximumNodes
            switch check(root, budget: &budget, depth: 0) {
            case .ok:
                break
            case .tooLarge:
                throw ChartsError(code,
                                  "\(origin) expands to more than \(maximumNodes) YAML nodes or nests deeper than \(maximumDepth) (aliases that multiply, a \"billion laughs\"); Ferry refuses it")
            case .complexKey(let line):
                // Helm reads only string keys; a mapping or list used as a key is refused (YAML allows it).
                throw ChartsError(code, "\(origin)\(line.map { ":\($0)" } ?? ""): a mapping key must be a plain value, not a mapping or a list")
            }
        }
        return root
    }

    /// The document as Swift values (`[String: Any]`, `[Any]`, scalars), checked against the limits.
    package static func load(_ text: String, origin: String, code: ChartsError.Code = .invalidValues) throws -> Any? {
        try compose(text, origin: origin, code: code)?.any
    }

    enum Check { case ok, tooLarge, complexKey(line: Int?) }

    /// Walks the document as aliases expand it, within the budget and the depth.
    static func check(_ node: Node, budget: inout Int, depth: Int) -> Check {
        budget -= 1
        guard budget >= 0, depth <= maximumDepth else { return .tooLarge }
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard key.scalar != nil else { return .complexKey(line: key.mark?.line) }
                budget -= 1
                let result = check(value, budget: &budget, depth: depth + 1)
                guard case .ok = result else { return result }
            }
        case .sequence(let sequence):
            for item in sequence {
                let result = check(item, budget: &budget, depth: depth + 1)
                guard case .ok = result else { return result }
            }
        default:
            break
        }
        return .ok
    }

    /// A UTF-8 byte order mark is not part of the document.
    package static func stripBOM(_ text: String) -> String {
        text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }

    /// A YAML error as one line: what is wrong and where, never the offending line's text (which
    /// may hold a secret).
    package static func describe(_ error: any Error) -> String {
        guard let yaml = error as? YamlError else { return "\(error)" }
        switch yaml {
        case let .reader(problem, offset, _, _):
            return "byte \(offset ?? 0): \(problem)"
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return "line \(mark.line), column \(mark.column): \(what)"
        case let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return "line \(mark.line), column \(mark.column): \(what)"
        default:
            // Other cases carry no excerpt of the document.
            return "\(yaml)"
        }
    }
}
