/// `ferry login --output json`: where the checked credentials were stored.
package struct LoginDocument: Codable, Sendable {
    package var registry: String
    package var username: String
    /// `credential helper docker-credential-pass (…)` or `auths in /root/.docker/config.json`.
    package var storedIn: String
    /// False when the registry asks for no authentication (the credentials are stored all the same).
    package var required: Bool
}

/// `ferry logout --output json`: where credentials were removed from (none: there were none).
package struct LogoutDocument: Codable, Sendable {
    package var registry: String
    package var removedFrom: [String]
}
