import Foundation

/// A user name and password (or token) for a registry. Printing it never shows the secret.
package struct Credentials: Sendable, Equatable, CustomStringConvertible {
    package var username: String
    package var password: String
    /// Where they came from, for messages: `--username`, `FERRY_REGISTRY_USERNAME`, `~/.docker/config.json`…
    package var origin: String

    package init(username: String, password: String, origin: String) {
        self.username = username
        self.password = password
        self.origin = origin
    }

    package var description: String { "user '\(username)' (from \(origin))" }

    var basicHeader: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// Finds credentials for a registry host: explicit ones first, then the environment
/// (`FERRY_REGISTRY_USERNAME` / `FERRY_REGISTRY_PASSWORD`), then the `auths` of Docker's
/// `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`).
package struct CredentialResolver: Sendable {
    package static let usernameVariable = "FERRY_REGISTRY_USERNAME"
    package static let passwordVariable = "FERRY_REGISTRY_PASSWORD"

    package var explicit: Credentials?
    package var environment: [String: String]

    package init(explicit: Credentials? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.explicit = explicit
        self.environment = environment
    }

    package func credentials(for host: String) throws -> Credentials? {
        if let explicit { return explicit }
        if let user = environment[Self.usernameVariable], !user.isEmpty {
            guard let password = environment[Self.passwordVariable], !password.isEmpty else {
                throw RegistryError(.invalidCredentials, "\(Self.usernameVariable) is set but \(Self.passwordVariable) is empty")
            }
            return Credentials(username: user, password: password, origin: Self.usernameVariable)
        }
        return try dockerConfigCredentials(for: host)
    }

    var dockerConfigPath: String {
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.docker/config.json"
    }

    func dockerConfigCredentials(for host: String) throws -> Credentials? {
        let path = dockerConfigPath
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        struct Entry: Decodable {
            var auth: String?
            var username: String?
            var password: String?
        }
        struct Config: Decodable {
            var auths: [String: Entry]?
        }
        let config: Config
        do {
            config = try JSONDecoder().decode(Config.self, from: data)
        } catch {
            throw RegistryError(.invalidCredentials, "\(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let auths = config.auths else { return nil }
        // Exact key first, then legacy keys written with a scheme or path.
        let entry = auths[host] ?? auths.first(where: { Self.hostOf(key: $0.key) == host })?.value
        guard let entry else { return nil }
        if let user = entry.username, let password = entry.password, !user.isEmpty {
            return Credentials(username: user, password: password, origin: path)
        }
        guard let auth = entry.auth, !auth.isEmpty else { return nil }
        guard let decoded = Data(base64Encoded: auth).flatMap({ String(data: $0, encoding: .utf8) }),
              let colon = decoded.firstIndex(of: ":") else {
            throw RegistryError(.invalidCredentials, "\(path): the auth entry for \(host) is not base64 of user:password")
        }
        let password = String(decoded[decoded.index(after: colon)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\0"))
        return Credentials(username: String(decoded[..<colon]), password: password, origin: path)
    }

    static func hostOf(key: String) -> String {
        var text = Substring(key)
        if let range = text.range(of: "://") { text = text[range.upperBound...] }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        return String(text)
    }
}
