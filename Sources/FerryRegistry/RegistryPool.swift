/// One client per registry host, connected on first use and shared by every task after it (a
/// command that pulls from several registries: `ferry bundle`, `ferry copy`).
package actor RegistryPool {
    private let transport: HTTPTransport
    private let credentials: CredentialResolver
    private let retry: RetryPolicy
    private var clients: [String: Task<RegistryClient, any Error>] = [:]

    package init(transport: HTTPTransport, credentials: CredentialResolver, retry: RetryPolicy) {
        self.transport = transport
        self.credentials = credentials
        self.retry = retry
    }

    /// The client for `registry` as a reference names it (`docker.io` is served by `registry-1.docker.io`).
    package func client(for registry: String) async throws -> RegistryClient {
        if let existing = clients[registry] { return try await existing.value }
        let (transport, credentials, retry) = (self.transport, self.credentials, self.retry)
        let task = Task {
            let host = registry == "docker.io" ? "registry-1.docker.io" : registry
            return try await RegistryClient.connect(host: host, transport: transport,
                                                    credentials: try await credentials.credentials(for: registry), retry: retry)
        }
        clients[registry] = task
        return try await task.value
    }
}
