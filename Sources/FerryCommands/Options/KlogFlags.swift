/// charts-syncer's logging flags (klog) as its users' scripts pass them to `sync`: `-v 2`,
/// `-v=4`, `--v 3`, `--logtostderr=true`. Ferry's `-v` is `--verbose` and takes no value, so
/// before parsing these become the hidden `--klog-v N` and plain flags; `-v` alone stays verbose.
package enum KlogFlags {
    package static func rewrite(_ arguments: [String]) -> [String] {
        guard let command = arguments.firstIndex(where: { !$0.hasPrefix("-") }) else { return arguments }
        var out = Array(arguments[...command])
        var index = command + 1
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if token == "--" {
                out += arguments[(index - 1)...]
                break
            }
            if token == "-v" || token == "--v", index < arguments.count, Int(arguments[index]) != nil {
                out += ["--klog-v", arguments[index]]
                index += 1
            } else if let level = level(token) {
                out += ["--klog-v", level]
            } else if let (name, value) = boolean(token) {
                if value { out.append("--" + name) }
            } else {
                out.append(token)
            }
        }
        return out
    }

    /// `-v=N`, `--v=N`, `-vN`.
    static func level(_ token: String) -> String? {
        for prefix in ["--v=", "-v=", "-v"] where token.hasPrefix(prefix) {
            let rest = String(token.dropFirst(prefix.count))
            if Int(rest) != nil { return rest }
        }
        return nil
    }

    /// `--logtostderr=false` and the like: Go's boolean flags with a value.
    static func boolean(_ token: String) -> (String, Bool)? {
        for name in ["logtostderr", "alsologtostderr"] {
            for prefix in ["--\(name)=", "-\(name)="] where token.hasPrefix(prefix) {
                switch token.dropFirst(prefix.count).lowercased() {
                case "true", "1", "t": return (name, true)
                case "false", "0", "f": return (name, false)
                default: return nil
                }
            }
            if token == "-\(name)" { return (name, true) }
        }
        return nil
    }
}
