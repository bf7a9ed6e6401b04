import FerryCore
import Foundation

/// A Docker credential helper, `docker-credential-NAME`, spoken to as docker does: `get` with the
/// server on standard input answers JSON `{ServerURL, Username, Secret}`; `store` takes that JSON;
/// `erase` takes the server. The helper's own error text is shown; a secret never is.
package struct CredentialHelper: Sendable {
    package let name: String
    /// Where it was configured, for messages: `credsStore in /root/.docker/config.json`.
    package let configuredBy: String
    let environment: [String: String]

    package init(name: String, configuredBy: String, environment: [String: String]) {
        self.name = name
        self.configuredBy = configuredBy
        self.environment = environment
    }

    package var program: String { "docker-credential-" + name }
    package var origin: String { "credential helper \(program) (\(configuredBy))" }

    private struct Answer: Codable {
        var ServerURL: String?
        var Username: String
        var Secret: String
    }

    /// The helper's credentials for `host`, nil when it has none. Docker keys non-Hub registries by
    /// host name; some tools stored `https://host`, which is tried second.
    package func get(_ host: String) async throws -> Credentials? {
        for server in [host, "https://" + host] {
            let output = try await run("get", input: Data(server.utf8))
            if output.status != 0 {
                if Self.isNotFound(output) { continue }
                throw failure("get", output)
            }
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(output.stdout.utf8)) else {
                throw RegistryError(.invalidCredentials, "\(program) get answered something other than its JSON for \(host)")
            }
            // Some helpers (docker-credential-pass 0.6) answer an empty entry for a server they do not hold.
            if answer.Username.isEmpty && answer.Secret.isEmpty { continue }
            if answer.Username == Credentials.identityTokenUser {
                return Credentials(username: answer.Username, password: "", origin: origin, identityToken: answer.Secret)
            }
            return Credentials(username: answer.Username, password: answer.Secret, origin: origin)
        }
        return nil
    }

    package func store(_ credentials: Credentials, host: String) async throws {
        let payload = try JSONEncoder().encode(Answer(ServerURL: host, Username: credentials.username, Secret: credentials.password))
        let output = try await run("store", input: payload)
        guard output.status == 0 else { throw failure("store", output) }
    }

    /// Removes the helper's entry for `host`; false when it had none.
    package func erase(_ host: String) async throws -> Bool {
        let output = try await run("erase", input: Data(host.utf8))
        if output.status == 0 { return true }
        if Self.isNotFound(output) { return false }
        throw failure("erase", output)
    }

    func run(_ verb: String, input: Data) async throws -> ChildProcess.Output {
        guard let path = ChildProcess.find(program, environment: environment) else {
            throw RegistryError(.invalidCredentials, "\(program) is not installed (\(configuredBy) names it)",
                                hint: "install the helper, or remove '\(name)' from \(configuredBy)")
        }
        let environment = self.environment
        // A helper may ask gpg or a keyring for a passphrase: it runs on a thread of its own.
        return try await Blocking.waiting {
            try ChildProcess.run(path, [verb], environment: environment, stdin: { try $0.write(Array(input)) })
        }
    }

    /// docker-credential-helpers answer "credentials not found in native keychain" when they hold
    /// nothing (the pass helper, on erase: "… is not in the password store").
    static func isNotFound(_ output: ChildProcess.Output) -> Bool {
        let text = (output.stdout + output.stderr).lowercased()
        return text.contains("credentials not found") || text.contains("is not in the password store")
    }

    func failure(_ verb: String, _ output: ChildProcess.Output) -> RegistryError {
        let said = (output.stderr.isEmpty ? output.stdout : output.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        return RegistryError(.invalidCredentials, "\(program) \(verb) failed (exit \(output.status)): \(said.prefix(300))",
                             hint: "the helper is named by \(configuredBy)")
    }
}
