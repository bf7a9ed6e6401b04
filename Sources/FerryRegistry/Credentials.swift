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

/// Finds credentials for a registry host, in this order: explicit ones (`--username`), the
/// environment (`FERRY_REGISTRY_USERNAME` / `FERRY_REGISTRY_PASSWORD`), the auth file named by
/// `--authfile` or `REGISTRY_AUTH_FILE`, podman's and skopeo's `auth.json`
/// (`$XDG_RUNTIME_DIR/containers/auth.json`, then `~/.config/containers/auth.json`), then the
/// `auths` of Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`).
/// The first file with an entry for the host wins.
package struct CredentialResolver: Sendable {
    package static let usernameVariable = "FERRY_REGISTRY_USERNAME"
    package static let passwordVariable = "FERRY_REGISTRY_PASSWORD"

    package var explicit: Credentials?
    package var environment: [String: String]
    /// `--authfile`: an auth file (podman's format, Docker's `auths`) read before the others.
    package var authFile: String?

    package init(explicit: Credentials? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                 authFile: String? = nil) {
        self.explicit = explicit
        self.environment = environment
        self.authFile = authFile
    }

    package func credentials(for host: String) throws -> Credentials? {
        if let explicit { return explicit }
        if let user = environment[Self.usernameVariable], !user.isEmpty {
            guard let password = environment[Self.passwordVariable], !password.isEmpty else {
                throw RegistryError(.invalidCredentials, "\(Self.usernameVariable) is set but \(Self.passwordVariable) is empty")
            }
            return Credentials(username: user, password: password, origin: Self.usernameVariable)
        }
        for path in authFiles {
            if let found = try fileCredentials(for: host, in: path) { return found }
        }
        return nil
    }

    /// The files read, in order: a named one is required to exist; the usual places are optional.
    var authFiles: [String] {
        var files: [String] = []
        if let authFile { files.append(authFile) }
        if let named = environment["REGISTRY_AUTH_FILE"], !named.isEmpty { files.append(named) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { files.append(runtime + "/containers/auth.json") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        files.append((environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config") + "/containers/auth.json")
        files.append(dockerConfigPath)
        return files
    }

    var dockerConfigPath: String {
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.docker/config.json"
    }

    /// The `auths` entry for `host` in an auth file (podman's `auth.json` and Docker's `config.json`
    /// share the format).
    func fileCredentials(for host: String, in path: String) throws -> Credentials? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if path == authFile { throw RegistryError(.invalidCredentials, "the auth file \(path) (--authfile) cannot be read") }
            return nil
        }
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
