/// How a command reaches and authenticates to registries and chart repositories: TLS and
/// certificates, proxies, and where credentials come from. Built once from the access options.
package struct RegistryAccess: Sendable {
    package var security: TransportSecurity
    package var proxies: ProxySettings
    package var credentials: CredentialResolver

    package init(security: TransportSecurity, proxies: ProxySettings = ProxySettings(), credentials: CredentialResolver) {
        self.security = security
        self.proxies = proxies
        self.credentials = credentials
    }

    /// Runs `body` with a transport for this access, shut down afterwards.
    package func withTransport<T: Sendable>(connectionsPerHost: Int = 8, _ body: (HTTPTransport) async throws -> T) async throws -> T {
        try await HTTPTransport.with(security: security, proxies: proxies, connectionsPerHost: connectionsPerHost, body)
    }
}
