import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Synchronization

/// Every connection a command opens goes through one transport: it chooses, per URL, the proxy
/// (or none) and the TLS settings of that host (flags, then the host's certificate directories),
/// and keeps one HTTP client per proxy so connections are pooled and reused across registries.
package final class HTTPTransport: Sendable {
    package let security: TransportSecurity
    package let proxies: ProxySettings
    let connectionsPerHost: Int
    private let clients = Mutex<[ProxySettings.Proxy?: HTTPClient]>([:])
    private let tlsByHost = Mutex<[String: TLSConfiguration]>([:])

    package init(security: TransportSecurity, proxies: ProxySettings = ProxySettings(), connectionsPerHost: Int = 8) throws {
        if let caFile = security.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw RegistryError(.tls, "the CA file \(caFile) (--ca-file) cannot be read")
        }
        if let pair = security.clientCertificate {
            for (file, flag) in [(pair.certificate, "--cert-file"), (pair.key, "--key-file")]
            where !FileManager.default.isReadableFile(atPath: file) {
                throw RegistryError(.tls, "the client certificate file \(file) (\(flag)) cannot be read")
            }
        }
        self.security = security
        self.proxies = proxies
        self.connectionsPerHost = max(8, connectionsPerHost)
    }

    /// Runs `body` with a transport, shutting its clients down afterwards whatever happens.
    package static func with<T: Sendable>(security: TransportSecurity, proxies: ProxySettings = ProxySettings(),
                                         connectionsPerHost: Int = 8, _ body: (HTTPTransport) async throws -> T) async throws -> T {
        let transport = try HTTPTransport(security: security, proxies: proxies, connectionsPerHost: connectionsPerHost)
        let result: T
        do {
            result = try await body(transport)
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        return result
    }

    package func shutdown() async {
        let all = clients.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    /// Sends `request` the way its URL's host is reached.
    package func execute(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var request = request
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw RegistryError(.protocolViolation, "'\(request.url)' is not a valid URL")
        }
        let authority = Self.authority(host: host, port: url.port)
        if scheme == "https" { request.tlsConfiguration = try tls(for: authority) }
        return try await client(for: proxies.proxy(scheme: scheme, host: authority)).execute(request, timeout: timeout)
    }

    /// The proxy a URL goes through, for messages.
    package func proxy(for url: String) -> ProxySettings.Proxy? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else { return nil }
        return proxies.proxy(scheme: scheme, host: Self.authority(host: host, port: parsed.port))
    }

    static func authority(host: String, port: Int?) -> String {
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return port.map { "\(name):\($0)" } ?? name
    }

    /// The TLS configuration for a host: verification as asked, the CA file and client certificate
    /// of the flags, and whatever the host's certificate directories hold.
    package func tls(for authority: String) throws -> TLSConfiguration {
        if let known = tlsByHost.withLock({ $0[authority] }) { return known }
        let material = try security.certificates?.material(for: authority) ?? CertificateLookup.Material()
        var tls = TLSConfiguration.makeClientConfiguration()
        if security.mode == .httpsUnverified || material.skipVerify { tls.certificateVerification = .none }
        let roots = (security.caFile.map { [$0] } ?? []) + material.caFiles
        tls.additionalTrustRoots = roots.map { .file($0) }
        if let pair = security.clientCertificate ?? material.clientPairs.first {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(pair.certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: pair.key, format: .pem))
            } catch {
                throw RegistryError(.tls, "the client certificate \(pair.certificate) or its key \(pair.key) cannot be loaded: \(error)")
            }
        }
        tlsByHost.withLock { $0[authority] = tls }
        return tls
    }

    private func client(for proxy: ProxySettings.Proxy?) -> HTTPClient {
        clients.withLock { clients in
            if let existing = clients[proxy] { return existing }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(proxy: proxy))
            clients[proxy] = client
            return client
        }
    }

    private func configuration(proxy: ProxySettings.Proxy?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: TLSConfiguration.makeClientConfiguration(),
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            // The read timeout backs up the per-request watch (see `RegistryClient.perform`).
            timeout: .init(connect: .seconds(15), read: .seconds(600)),
            decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: .seconds(60),
                                             concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerHost)
        // Fail fast on a refused connection or a TLS error: RetryPolicy decides what is worth retrying,
        // and a certificate problem must be reported at once, not after the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy {
            let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
            configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
        }
        return configuration
    }
}
