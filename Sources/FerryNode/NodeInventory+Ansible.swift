import FerryCharts
import Foundation

/// Ansible's two inventory formats, as far as Ferry reads them: hosts, groups, children and vars.
extension NodeInventory {
    /// INI: `[group]` lines of `host key=value…`, `[group:children]` lines of group names,
    /// `[group:vars]` lines of `key=value`; hosts before any section are ungrouped.
    static func parseINI(_ lines: [String], origin: String) throws -> NodeInventory {
        var inventory = NodeInventory(origin: origin)
        var section = "ungrouped", kind = "hosts"
        for line in lines {
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw NodeError(.invalidInput, "\(origin): '\(line)' is not a section header") }
                let header = line.dropFirst().dropLast()
                let parts = header.split(separator: ":", maxSplits: 1).map(String.init)
                section = parts.first ?? ""
                kind = parts.count > 1 ? parts[1] : "hosts"
                guard !section.isEmpty, ["hosts", "children", "vars"].contains(kind) else {
                    throw NodeError(.invalidInput, "\(origin): section [\(header)] is not a group, :children or :vars")
                }
                inventory.groups[section, default: Group()] = inventory.groups[section] ?? Group()
                continue
            }
            switch kind {
            case "children":
                inventory.groups[section, default: Group()].children.append(line)
                inventory.groups[line, default: Group()] = inventory.groups[line] ?? Group()
            case "vars":
                let (key, value) = try pair(line, origin: origin)
                inventory.groups[section, default: Group()].vars[key] = value
            default:
                // What follows " #" is a comment, as Ansible reads host lines.
                let content = line.range(of: " #").map { String(line[..<$0.lowerBound]) } ?? line
                var tokens = content.split(whereSeparator: \.isWhitespace).map(String.init)
                let name = tokens.removeFirst()
                if name.contains("[") && name.contains(":") {
                    throw NodeError(.invalidInput, "\(origin): host range '\(name)' is not supported; list the hosts one per line")
                }
                var vars: [String: String] = [:]
                for token in tokens {
                    let (key, value) = try pair(token, origin: origin)
                    vars[key] = value
                }
                inventory.add(host: name, vars: vars, to: section)
            }
        }
        return inventory
    }

    static func pair(_ text: String, origin: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else {
            throw NodeError(.invalidInput, "\(origin): '\(text)' is not key=value")
        }
        var value = String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
            value = String(value.dropFirst().dropLast())
        }
        return (String(text[..<equals]).trimmingCharacters(in: .whitespaces), value)
    }

    /// YAML: `all:` (or any top-level groups) with `hosts:` (host → its vars), `children:`
    /// (group → the same shape) and `vars:`.
    static func parseYAML(_ text: String, origin: String) throws -> NodeInventory {
        let document: Any?
        do {
            document = try SafeYAML.load(text, origin: origin)
        } catch {
            throw NodeError(.invalidInput, "\(origin) is not a YAML inventory: \(SafeYAML.describe(error))")
        }
        guard let top = document as? [String: Any] else {
            throw NodeError(.invalidInput, "\(origin): an inventory is a mapping of groups (all:, kube_node:, …)")
        }
        var inventory = NodeInventory(origin: origin)
        for name in top.keys.sorted() { try inventory.readGroup(name, top[name], depth: 0) }
        return inventory
    }

    mutating func readGroup(_ name: String, _ body: Any?, depth: Int) throws {
        guard depth < 32 else { throw NodeError(.invalidInput, "\(origin): groups nest deeper than 32 levels") }
        groups[name, default: Group()] = groups[name] ?? Group()
        guard let body, !(body is NSNull) else { return }  // `kube_node:` with nothing under it
        guard let fields = body as? [String: Any] else {
            throw NodeError(.invalidInput, "\(origin): group \(name) is not a mapping of hosts, children and vars")
        }
        if let hosts = fields["hosts"] as? [String: Any] {
            // Keys in file order are lost by the YAML mapping; sorted, so runs are repeatable.
            for host in hosts.keys.sorted() { add(host: host, vars: Self.strings(hosts[host] ?? nil), to: name) }
        }
        groups[name]!.vars.merge(Self.strings(fields["vars"] ?? nil)) { _, new in new }
        if let children = fields["children"] as? [String: Any] {
            for child in children.keys.sorted() {
                if !groups[name]!.children.contains(child) { groups[name]!.children.append(child) }
                try readGroup(child, children[child] ?? nil, depth: depth + 1)
            }
        }
    }

    /// Scalar variables as text (`ansible_port: 22` is a number in YAML).
    static func strings(_ value: Any?) -> [String: String] {
        guard let map = value as? [String: Any] else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in map {
            switch value {
            case let text as String: result[key] = text
            case let number as Int: result[key] = String(number)
            case let other as CustomStringConvertible where !(other is [Any]) && !(other is [String: Any]): result[key] = other.description
            default: continue
            }
        }
        return result
    }
}
