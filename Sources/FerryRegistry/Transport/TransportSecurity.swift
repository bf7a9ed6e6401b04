import Foundation

/// How Ferry talks to a registry or chart repository: HTTPS (verified against the system roots,
/// CA files and the per-registry certificate directories, or not verified at all), or plain HTTP;
/// with or without a client certificate.
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
    /// `--cert-file` and `--key-file`: shown to every host that asks for a client certificate.
    package var clientCertificate: ClientCertificate?
    /// Where per-registry certificates are looked up; nil reads none (in-process callers that pass files).
    package var certificates: CertificateLookup?
    /// Try HTTPS, and fall back to plain HTTP when the host is loopback or a private address and
    /// HTTPS cannot be spoken there, as charts-syncer and go-containerregistry do.
    package var allowsPrivateHTTPFallback: Bool

    package init(mode: Mode = .https, caFile: String? = nil, clientCertificate: ClientCertificate? = nil,
                 certificates: CertificateLookup? = nil, allowsPrivateHTTPFallback: Bool = true) {
        self.mode = mode
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.certificates = certificates
        self.allowsPrivateHTTPFallback = allowsPrivateHTTPFallback
    }

    package var scheme: String { mode == .plainHTTP ? "http" : "https" }

    /// The schemes to try for `host`, in order.
    package func schemes(for host: String) -> [String] {
        guard mode != .plainHTTP else { return ["http"] }
        return allowsPrivateHTTPFallback && Self.isPrivate(host: host) ? ["https", "http"] : ["https"]
    }

    /// Loopback, `localhost`, `*.local`, an RFC 1918 address or an IPv6 unique local address (fc00::/7).
    package static func isPrivate(host: String) -> Bool {
        let (name, _) = ProxySettings.split(host)
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".local") { return true }
        guard let bytes = IPAddress.bytes(name) else { return false }
        if bytes.count == 16 {
            return bytes == Array(repeating: 0, count: 15) + [1] || bytes[0] & 0xFE == 0xFC
        }
        switch (bytes[0], bytes[1]) {
        case (127, _), (10, _), (192, 168): return true
        case (172, let b) where (16...31).contains(b): return true
        default: return false
        }
    }
}
