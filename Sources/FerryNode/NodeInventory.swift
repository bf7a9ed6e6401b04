import FerryCharts
import Foundation

/// The nodes of `--nodes-file`: a plain list of `user@host[:port]`, or an Ansible inventory as
/// kubespray and kubean keep them, INI or YAML, with groups, `children`, group `vars` and the
/// connection variables (`ansible_host`, `ansible_user`, `ansible_port`; the older
/// `ansible_ssh_*` names too). Nothing else of Ansible is read.
package struct NodeInventory: Sendable {
    package struct Host: Sendable, Equatable {
        package var name: String
        package var address: String
        package var user: String?
        package var port: Int?

        /// What ssh is given: `user@address:port`, the parts it has.
        package var destination: String {
            (user.map { "\($0)@" } ?? "") + address + (port.map { ":\($0)" } ?? "")
        }
    }

    struct Group: Sendable {
        var hosts: [String] = []
        var children: [String] = []
        var vars: [String: String] = [:]
    }

    /// Host names in the order the file first names them, with their own variables.
    var order: [String] = []
    var hostVars: [String: [String: String]] = [:]
    var groups: [String: Group] = [:]
    let origin: String

    init(origin: String) { self.origin = origin }

    /// Reads `text` (from `origin`, for messages) in whichever of the three forms it is.
    package static func parse(_ text: String, origin: String) throws -> NodeInventory {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let meaningful = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix(";") }
        if meaningful.contains(where: { $0.hasPrefix("[") }) || meaningful.contains(where: { $0.contains("=") }) {
            return try parseINI(meaningful, origin: origin)
        }
        if meaningful.contains(where: { $0.hasSuffix(":") || $0.contains(": ") }) {
            return try parseYAML(text, origin: origin)
        }
        var inventory = NodeInventory(origin: origin)
        for line in meaningful {
            guard !line.contains(where: \.isWhitespace) else {
                throw NodeError(.invalidInput, "\(origin): '\(line)' is not user@host[:port]")
            }
            inventory.add(host: line, vars: [:], to: "ungrouped")
        }
        return inventory
    }

    mutating func add(host: String, vars: [String: String], to group: String) {
        if hostVars[host] == nil {
            order.append(host)
            hostVars[host] = [:]
        }
        hostVars[host]!.merge(vars) { _, new in new }
        if !(groups[group]?.hosts.contains(host) ?? false) { groups[group, default: Group()].hosts.append(host) }
    }

    /// The hosts of `names` (groups, with their children, or single hosts), each once, in file
    /// order; every host when `names` is empty. A name the inventory lacks is an error listing its groups.
    package func hosts(in names: [String]) throws -> [Host] {
        var wanted = Set<String>()
        if names.isEmpty {
            wanted = Set(order)
        } else {
            for name in names {
                if name == "all" {
                    wanted.formUnion(order)
                } else if groups[name] != nil {
                    wanted.formUnion(members(of: name, seen: []))
                } else if hostVars[name] != nil {
                    wanted.insert(name)
                } else {
                    let known = groups.keys.filter { $0 != "ungrouped" }.sorted()
                    throw NodeError(.invalidInput, "\(origin) has no group or host '\(name)'; its groups: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
                }
            }
        }
        return try order.filter(wanted.contains).map(host)
    }

    func members(of group: String, seen: Set<String>) -> Set<String> {
        guard let entry = groups[group], !seen.contains(group) else { return [] }
        var result = Set(entry.hosts)
        for child in entry.children { result.formUnion(members(of: child, seen: seen.union([group]))) }
        return result
    }

    /// A host's variables: its own, then the groups it is in, nearest first, then `all`.
    func variable(_ names: [String], of host: String) -> String? {
        for name in names { if let value = hostVars[host]?[name] { return value } }
        // `all` is the farthest group of every host, whatever lists the host in it.
        var level = groups.filter { $0.key != "all" && $0.value.hosts.contains(host) }.map(\.key).sorted()
        var visited: Set<String> = ["all"]
        while !level.isEmpty {
            for group in level { for name in names { if let value = groups[group]?.vars[name] { return value } } }
            visited.formUnion(level)
            level = groups.filter { entry in !visited.contains(entry.key) && entry.value.children.contains(where: level.contains) }.map(\.key).sorted()
        }
        for name in names { if let value = groups["all"]?.vars[name] { return value } }
        return nil
    }

    func host(_ name: String) throws -> Host {
        let address = variable(["ansible_host", "ansible_ssh_host"], of: name) ?? name
        let user = variable(["ansible_user", "ansible_ssh_user"], of: name)
        var port: Int?
        if let text = variable(["ansible_port", "ansible_ssh_port"], of: name) {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw NodeError(.invalidInput, "\(origin): host \(name) has ansible_port '\(text)', which is not a port")
            }
            port = value
        }
        return Host(name: name, address: address, user: user, port: port)
    }
}
