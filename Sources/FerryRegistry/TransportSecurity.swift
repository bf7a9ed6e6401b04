/// How Ferry talks to a registry: HTTPS (verified against the system roots or a CA file, or not
/// verified at all), or plain HTTP.
package struct TransportSecurity: Sendable, Equatable {
    package enum Mode: Sendable, Equatable {
        /// HTTPS with certificate verification (the default).
        case https
        /// HTTPS without verification (`--insecure`).
        case httpsUnverified
        /// Plain HTTP (`--plain-http`).
        case plainHTTP
    }

    package var mode: Mode
    /// A PEM file of extra CA certificates (`--ca-file`).
    package var caFile: String?
    /// Try HTTPS, and fall back to plain HTTP when the host is loopback or a private address and
    /// HTTPS cannot be spoken there (charts-syncer's behaviour, kept for its configs).
    package var allowsPrivateHTTPFallback: Bool

    package init(mode: Mode = .https, caFile: String? = nil, allowsPrivateHTTPFallback: Bool = false) {
        self.mode = mode
        self.caFile = caFile
        self.allowsPrivateHTTPFallback = allowsPrivateHTTPFallback
    }

    package var scheme: String { mode == .plainHTTP ? "http" : "https" }

    /// Loopback, `localhost`, `*.local`, or an RFC 1918 address.
    package static func isPrivate(host: String) -> Bool {
        var name = host
        if name.hasPrefix("[") {
            return name.hasPrefix("[::1]")
        }
        if let colon = name.lastIndex(of: ":") { name = String(name[..<colon]) }
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".local") { return true }
        let octets = name.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4, name.split(separator: ".").count == 4, octets.allSatisfy({ (0...255).contains($0) }) else {
            return false
        }
        switch (octets[0], octets[1]) {
        case (127, _), (10, _), (192, 168): return true
        case (172, let b) where (16...31).contains(b): return true
        default: return false
        }
    }
}
