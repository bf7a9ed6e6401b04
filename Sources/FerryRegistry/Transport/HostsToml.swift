import Foundation

/// The parts of containerd's `certs.d/HOST/hosts.toml` that say how to trust a host: `ca` (a path or
/// a list), `client` (a path, a list of paths, or a list of `[cert, key]` pairs) and `skip_verify`, at
/// the top level (for `server`) or under `[host."https://HOST"]`. Other keys are ignored; this is a
/// reader of that file's shape, not of TOML in general.
struct HostsToml: Equatable {
    struct Entry: Equatable {
        var ca: [String] = []
        /// (certificate, key); a lone certificate file holds its key too.
        var client: [(String, String?)] = []
        var skipVerify = false

        static func == (a: Entry, b: Entry) -> Bool {
            a.ca == b.ca && a.skipVerify == b.skipVerify && a.client.map(\.0) == b.client.map(\.0) && a.client.map(\.1) == b.client.map(\.1)
        }
    }

    var server: String?
    /// The top-level entry, which applies to `server`.
    var top = Entry()
    /// `[host."URL"]` tables, by URL.
    var hosts: [String: Entry] = [:]

    /// What applies to `authority` (`host[:port]`): its `[host."…"]` tables, then the top level
    /// when `server` names it (or is absent).
    func entry(for authority: String) -> Entry {
        var merged = Entry()
        var used = false
        for (url, entry) in hosts where AuthFile.host(ofKey: url) == authority {
            merged.ca += entry.ca
            merged.client += entry.client
            merged.skipVerify = merged.skipVerify || entry.skipVerify
            used = true
        }
        if server == nil || server.map(AuthFile.host(ofKey:)) == authority || !used {
            merged.ca += top.ca
            merged.client += top.client
            merged.skipVerify = merged.skipVerify || top.skipVerify
        }
        return merged
    }

    /// Parses the file; `path` names it in errors, with the line.
    static func parse(_ text: String, path: String) throws -> HostsToml {
        var result = HostsToml()
        var current: String?
        var lines = text.components(separatedBy: "\n").enumerated().makeIterator()
        while let (index, raw) = lines.next() {
            var line = stripComment(raw).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[") {
                current = try table(line, path: path, line: index + 1)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw RegistryError(.tls, "\(path):\(index + 1): expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            // An array may span lines: read until the brackets balance.
            while depth(line) > 0, let (_, more) = lines.next() { line += " " + stripComment(more) }
            let value = try Value.parse(String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces),
                                        path: path, line: index + 1)
            try result.set(key, value, table: current, path: "\(path):\(index + 1)")
        }
        return result
    }

    /// `[host."https://h:5000"]` → the URL; other tables are kept apart under their own name.
    static func table(_ line: String, path: String, line number: Int) throws -> String? {
        guard line.hasSuffix("]") else { throw RegistryError(.tls, "\(path):\(number): unterminated table header") }
        let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        guard name.hasPrefix("host.") else { return "other:" + name }
        return String(name.dropFirst(5)).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    }

    mutating func set(_ key: String, _ value: Value, table: String?, path: String) throws {
        if table?.hasPrefix("other:") == true { return }
        var entry = table.map { hosts[$0] ?? Entry() } ?? top
        switch key {
        case "server" where table == nil:
            server = try value.string(key, path)
        case "ca":
            entry.ca = try value.strings(key, path)
        case "client":
            entry.client = try value.clientPairs(path)
        case "skip_verify":
            guard case .bool(let flag) = value else { throw RegistryError(.tls, "\(path): skip_verify must be true or false") }
            entry.skipVerify = flag
        default:
            return
        }
        if let table { hosts[table] = entry } else { top = entry }
    }

    static func stripComment(_ line: String) -> String {
        var inString = false
        for (offset, character) in line.enumerated() {
            if character == "\"" { inString.toggle() }
            if character == "#" && !inString { return String(line.prefix(offset)) }
        }
        return line
    }

    static func depth(_ text: String) -> Int {
        var depth = 0, inString = false
        for character in text {
            if character == "\"" { inString.toggle() }
            if inString { continue }
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
        }
        return depth
    }

    /// A TOML value of the kinds hosts.toml uses: strings, booleans and (nested) arrays of them.
    indirect enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case array([Value])

        static func parse(_ text: String, path: String, line: Int) throws -> Value {
            var scanner = Substring(text)
            let value = try read(&scanner, path: path, line: line)
            guard scanner.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw RegistryError(.tls, "\(path):\(line): unexpected text after the value")
            }
            return value
        }

        static func read(_ text: inout Substring, path: String, line: Int) throws -> Value {
            text = text.drop { $0 == " " || $0 == "\t" }
            if text.hasPrefix("true") { text = text.dropFirst(4); return .bool(true) }
            if text.hasPrefix("false") { text = text.dropFirst(5); return .bool(false) }
            if let quote = text.first, quote == "\"" || quote == "'" {
                text = text.dropFirst()
                guard let end = text.firstIndex(of: quote) else { throw RegistryError(.tls, "\(path):\(line): unterminated string") }
                let value = String(text[..<end])
                text = text[text.index(after: end)...]
                return .string(value)
            }
            guard text.first == "[" else { throw RegistryError(.tls, "\(path):\(line): expected a string, a boolean or an array") }
            text = text.dropFirst()
            var items: [Value] = []
            while true {
                text = text.drop { $0 == " " || $0 == "\t" || $0 == "," }
                if text.first == "]" { text = text.dropFirst(); return .array(items) }
                guard !text.isEmpty else { throw RegistryError(.tls, "\(path):\(line): unterminated array") }
                items.append(try read(&text, path: path, line: line))
            }
        }

        func string(_ key: String, _ path: String) throws -> String {
            guard case .string(let text) = self else { throw RegistryError(.tls, "\(path): \(key) must be a string") }
            return text
        }

        func strings(_ key: String, _ path: String) throws -> [String] {
            switch self {
            case .string(let text): return [text]
            case .array(let items): return try items.map { try $0.string(key, path) }
            case .bool: throw RegistryError(.tls, "\(path): \(key) must be a path or a list of paths")
            }
        }

        func clientPairs(_ path: String) throws -> [(String, String?)] {
            switch self {
            case .string(let cert): return [(cert, nil)]
            case .bool: throw RegistryError(.tls, "\(path): client must be a path, a list of paths or of [cert, key] pairs")
            case .array(let items):
                return try items.map { item in
                    if case .string(let cert) = item { return (cert, nil) }
                    let pair = try item.strings("client", path)
                    guard pair.count == 2 else { throw RegistryError(.tls, "\(path): each client pair is [certificate, key]") }
                    return (pair[0], pair[1])
                }
            }
        }
    }
}
