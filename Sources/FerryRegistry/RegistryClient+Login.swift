/// Checking credentials before they are stored (`ferry login`).
extension RegistryClient {
    /// What the registry said about the credentials.
    package enum LoginCheck: Sendable, Equatable {
        /// The registry accepted them (Basic at the ping, or a token issued for them).
        case accepted
        /// The registry asks for no authentication at all.
        case notRequired
    }

    /// Proves the credentials: a Basic registry checked them at the ping already; a token
    /// registry must issue a token for them (no scope, the account named), as `docker login` asks.
    package func checkLogin() async throws -> LoginCheck {
        switch await authenticator.mode {
        case .anonymous:
            return .notRequired
        case .basic:
            return .accepted
        case .bearer(let realm, let service):
            _ = try await Authenticator.fetchToken(realm: realm, service: service, scopes: [], credentials: authenticator.credentials,
                                                   host: host, transport: transport)
            return .accepted
        }
    }
}
