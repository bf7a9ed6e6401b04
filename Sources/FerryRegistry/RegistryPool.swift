/// One client per registry host, connected on first use and shared by every task after it (a
/// command that pulls from several registries: `ferry bundle`, `ferry copy`).
package actor RegistryPool {
    private let transport: HTTPTransport
    private let credentials: CredentialResolver
    private let retry: RetryPolicy
    /// Credentials for particular registries that win over the resolver (a config file's).
    private let overrides: [String: Credentials]
    private var clients: [String: Task<RegistryClient, any Error>] = [:]

    package init(transport: HTTPTransport, credentials: CredentialResolver, retry: RetryPolicy, overrides: [String: Credentials] = [:]) {
        self.transport = transport
        self.credentials = credentials
        self.retry = retry
        self.overrides = overrides
    }

    /// The client for `registry` as a reference names it (`docker.io` is served by `registry-1.docker.io`).
    package func client(for registry: String) async throws -> RegistryClient {
        if let existing = clients[registry] { return try await existing.value }
        let (transport, credentials, retry, override) = (self.transport, self.credentials, self.retry, overrides[registry])
        let task = Task {
            let host = registry == "docker.io" ? "registry-1.docker.io" : registry
            var found = credentials.explicit == nil ? override : nil
            if found == nil { found = try await credentials.credentials(for: registry) }
            return try await RegistryClient.connect(host: host, transport: transport, credentials: found, retry: retry)
        }
        clients[registry] = task
        return try await task.value
    }
}
