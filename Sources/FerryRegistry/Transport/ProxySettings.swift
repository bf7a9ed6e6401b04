import Foundation

/// Proxies from the environment, read as curl and Go read them: `HTTPS_PROXY` for HTTPS URLs,
/// `HTTP_PROXY` for plain HTTP ones (each also in lower case, the lower case winning as in Go),
/// and `NO_PROXY` for the hosts reached directly. Loopback (`localhost`, 127.0.0.0/8, `::1`) is never
/// proxied, as in Go, whatever the variables say. Ferry tunnels through the proxy with CONNECT.
package struct ProxySettings: Sendable, Equatable {
    package struct Proxy: Sendable, Hashable, CustomStringConvertible {
        package var host: String
        package var port: Int
        package var username: String?
        package var password: String?
        /// The variable it came from, for messages.
        package var origin: String

        /// `host:port (from HTTPS_PROXY)`: never the proxy's password.
        package var description: String { "proxy \(host):\(port) (from \(origin))" }
    }

    package var https: Proxy?
    package var http: Proxy?
    /// `NO_PROXY` entries: `*`, host names (`example.com` and `.example.com` match it and its
    /// subdomains), IP addresses and CIDR ranges, each optionally with `:port`.
    package var noProxy: [String]

    package init(https: Proxy? = nil, http: Proxy? = nil, noProxy: [String] = []) {
        self.https = https
        self.http = http
        self.noProxy = noProxy
    }

    package init(environment: [String: String]) throws {
        func value(_ name: String) -> (String, String)? {
            for key in [name.lowercased(), name] {
                if let text = environment[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return (key, text) }
            }
            return nil
        }
        https = try value("HTTPS_PROXY").map { try Self.parse($0.1, origin: $0.0) }
        http = try value("HTTP_PROXY").map { try Self.parse($0.1, origin: $0.0) }
        noProxy = (value("NO_PROXY")?.1 ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// `http://[user:password@]host[:port]`, the scheme optional; `https://` and SOCKS proxies are refused
    /// by name rather than used wrongly.
    static func parse(_ text: String, origin: String) throws -> Proxy {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty else {
            throw RegistryError(.invalidCredentials, "\(origin) is not a proxy URL (expected http://host:port)")
        }
        guard components.scheme?.lowercased() == "http" else {
            throw RegistryError(.invalidCredentials, "\(origin): \(components.scheme ?? "") proxies are not supported; use an http:// proxy")
        }
        return Proxy(host: host, port: components.port ?? 80, username: components.user?.removingPercentEncoding,
                     password: components.password?.removingPercentEncoding, origin: origin)
    }

    /// The proxy for a URL of `scheme` to `host` (`name[:port]` or `[v6]:port`), or nil to connect directly.
    package func proxy(scheme: String, host: String) -> Proxy? {
        guard let proxy = scheme == "https" ? https : http else { return nil }
        let (name, port) = Self.split(host)
        if Self.isLoopback(name) { return nil }
        let effectivePort = port ?? (scheme == "https" ? 443 : 80)
        for entry in noProxy where Self.matches(entry: entry, name: name, port: effectivePort) { return nil }
        return proxy
    }

    static func matches(entry: String, name: String, port: Int) -> Bool {
        if entry == "*" { return true }
        var (pattern, entryPort) = split(entry)
        if let entryPort, entryPort != port { return false }
        if pattern.contains("/") { return CIDR(pattern)?.contains(name) ?? false }
        if pattern.hasPrefix("*.") { pattern.removeFirst() }
        let bare = pattern.hasPrefix(".") ? String(pattern.dropFirst()) : pattern
        return name == bare || name.hasSuffix("." + bare)
    }

    static func isLoopback(_ name: String) -> Bool {
        name == "localhost" || name.hasSuffix(".localhost") || name == "::1" || name.hasPrefix("127.")
            && name.split(separator: ".").count == 4 && name.split(separator: ".").allSatisfy { Int($0) != nil }
    }

    /// `name` and `port` of `host[:port]`, `[v6][:port]` or a bare IPv6 address; the name lower-cased, brackets removed.
    static func split(_ host: String) -> (String, Int?) {
        let text = host.lowercased()
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let name = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            return (name, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        if text.filter({ $0 == ":" }).count > 1 { return (text, nil) }
        if let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) {
            return (String(text[..<colon]), port)
        }
        return (text, nil)
    }

    /// An IPv4 or IPv6 range in CIDR notation.
    struct CIDR {
        var network: [UInt8]
        var bits: Int

        init?(_ text: String) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let bits = Int(parts[1]), let network = IPAddress.bytes(String(parts[0])),
                  (0...(network.count * 8)).contains(bits) else { return nil }
            self.network = network
            self.bits = bits
        }

        func contains(_ name: String) -> Bool {
            guard let address = IPAddress.bytes(name), address.count == network.count else { return false }
            var remaining = bits
            for (a, b) in zip(address, network) where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if a & mask != b & mask { return false }
                remaining -= 8
            }
            return true
        }
    }
}

/// IP address literals as bytes (4 for IPv4, 16 for IPv6), for address ranges.
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
