import Foundation

/// Finds credentials for a registry host, in this order:
/// 1. explicit ones (`--username` with `--password-stdin`, or a config file's);
/// 2. the environment (`FERRY_REGISTRY_USERNAME` / `FERRY_REGISTRY_PASSWORD`);
/// 3. the auth files, first one with an answer wins: `--authfile`, `$REGISTRY_AUTH_FILE`,
///    `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json` (podman, skopeo), then
///    Docker's `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`). In each, the
///    credential helper for the host (`credHelpers`, else `credsStore`) is asked first, then `auths`.
package struct CredentialResolver: Sendable {
    package static let usernameVariable = "FERRY_REGISTRY_USERNAME"
    package static let passwordVariable = "FERRY_REGISTRY_PASSWORD"

    package var explicit: Credentials?
    package var environment: [String: String]
    /// `--authfile`: an auth file read before the others, which must exist.
    package var authFile: String?

    package init(explicit: Credentials? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                 authFile: String? = nil) {
        self.explicit = explicit
        self.environment = environment
        self.authFile = authFile
    }

    package func credentials(for host: String) async throws -> Credentials? {
        if let given = try given() { return given }
        for path in authFiles {
            guard let file = try AuthFile.read(path) else {
                if path == authFile { throw RegistryError(.invalidCredentials, "the auth file \(path) (--authfile) cannot be read") }
                continue
            }
            if let helper = helper(in: file, for: host), let found = try await helper.get(host) { return found }
            if let found = try file.credentials(for: host) { return found }
        }
        return nil
    }

    /// The credentials given for this run, as opposed to stored: explicit ones, else the environment's.
    package func given() throws -> Credentials? {
        if let explicit { return explicit }
        guard let user = environment[Self.usernameVariable], !user.isEmpty else { return nil }
        guard let password = environment[Self.passwordVariable], !password.isEmpty else {
            throw RegistryError(.invalidCredentials, "\(Self.usernameVariable) is set but \(Self.passwordVariable) is empty")
        }
        return Credentials(username: user, password: password, origin: Self.usernameVariable)
    }

    /// The helper `file` names for `host`, ready to run.
    package func helper(in file: AuthFile, for host: String) -> CredentialHelper? {
        file.helper(for: host).map { CredentialHelper(name: $0.name, configuredBy: "\($0.key) in \(file.path)", environment: environment) }
    }

    /// The files read, in order: a named one is required to exist; the usual places are optional.
    package var authFiles: [String] {
        var files: [String] = []
        if let authFile { files.append(authFile) }
        if let named = environment["REGISTRY_AUTH_FILE"], !named.isEmpty { files.append(named) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { files.append(runtime + "/containers/auth.json") }
        files.append(configHome + "/containers/auth.json")
        files.append(dockerConfigPath)
        return files
    }

    var configHome: String {
        environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
    }

    var home: String { environment["HOME"] ?? NSHomeDirectory() }

    package var dockerConfigPath: String {
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir + "/config.json" }
        return home + "/.docker/config.json"
    }

    // MARK: - Storing (ferry login)

    /// Where `ferry login` stores credentials for `host`: the `--authfile` when given, else Docker's
    /// config; in that file, its credential helper for the host when it names one, else `auths`.
    package enum Destination: Sendable, CustomStringConvertible {
        case helper(CredentialHelper, file: String)
        case auths(file: String)

        package var description: String {
            switch self {
            case .helper(let helper, _): return helper.origin
            case .auths(let file): return "auths in \(file)"
            }
        }
    }

    package func destination(for host: String) throws -> Destination {
        let path = authFile ?? dockerConfigPath
        if let file = try AuthFile.read(path), let helper = helper(in: file, for: host) {
            return .helper(helper, file: path)
        }
        return .auths(file: path)
    }

    package func store(_ credentials: Credentials, for host: String) async throws -> Destination {
        let destination = try destination(for: host)
        switch destination {
        case .helper(let helper, _): try await helper.store(credentials, host: host)
        case .auths(let file): try AuthFile.setAuth(credentials, host: host, in: file)
        }
        return destination
    }

    /// Removes the stored credentials for `host` from the destination `ferry login` uses, and from
    /// `auths` there; returns where something was removed.
    package func erase(for host: String) async throws -> [String] {
        var removed: [String] = []
        let destination = try destination(for: host)
        if case .helper(let helper, _) = destination, try await helper.erase(host) { removed.append(helper.origin) }
        let path = authFile ?? dockerConfigPath
        if let file = try AuthFile.read(path), file.entry(for: host) != nil {
            try AuthFile.setAuth(nil, host: host, in: path)
            removed.append("auths in \(path)")
        }
        return removed
    }
}
