import ArgumentParser
import FerryRegistry
import Foundation

/// How to reach and authenticate to registries and chart repositories: the same options, with the
/// same meaning, on every command that talks to one.
package struct RegistryOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("User name (default: $FERRY_REGISTRY_USERNAME, then the auth files and credential helpers).",
                                           valueName: "user"))
    package var username: String?

    @Flag(name: .long, help: "Read the password or token for --username from the first line of standard input (default: $FERRY_REGISTRY_PASSWORD).")
    package var passwordStdin = false

    @Option(name: .long, help: ArgumentHelp("Auth file read first (podman's auth.json or Docker's config.json format; default: $REGISTRY_AUTH_FILE, then podman's and Docker's own files).",
                                           valueName: "file"))
    package var authfile: String?

    @Option(name: .long, help: ArgumentHelp("PEM file of CA certificates to trust, in addition to the system's and the registry's certs.d directory.", valueName: "file"))
    package var caFile: String?

    @Option(name: .long, help: ArgumentHelp("Client certificate (PEM) for registries that require one; needs --key-file.", valueName: "file"))
    package var certFile: String?

    @Option(name: .long, help: ArgumentHelp("Private key (PEM) of --cert-file.", valueName: "file"))
    package var keyFile: String?

    @Option(name: .long, help: ArgumentHelp("Read certificates from this directory (*.crt CAs, NAME.cert + NAME.key client pairs) instead of /etc/docker/certs.d, /etc/containers/certs.d and /etc/containerd/certs.d.",
                                           valueName: "dir"))
    package var certDir: String?

    @Flag(name: .long, help: "Use HTTPS without verifying the server's certificate.")
    package var insecure = false

    @Flag(name: .long, help: "Use plain HTTP (loopback and private addresses fall back to it without this flag).")
    package var plainHTTP = false

    package init() {}

    package func validate() throws {
        if insecure && plainHTTP { throw ValidationError("--insecure and --plain-http cannot be used together") }
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
        if (certFile == nil) != (keyFile == nil) { throw ValidationError("--cert-file and --key-file go together") }
    }

    /// TLS and certificates as the flags and the certificate directories say.
    package func security(console: Console) -> TransportSecurity {
        let client = certFile.map { ClientCertificate(certificate: absolute($0, console), key: absolute(keyFile ?? $0, console)) }
        return TransportSecurity(mode: plainHTTP ? .plainHTTP : (insecure ? .httpsUnverified : .https),
                                 caFile: caFile.map { absolute($0, console) }, clientCertificate: client,
                                 certificates: .standard(environment: console.environment, directory: certDir.map { absolute($0, console) }))
    }

    /// Everything the flags and the environment say about reaching registries.
    package func access(console: Console) throws -> RegistryAccess {
        RegistryAccess(security: security(console: console), proxies: try ProxySettings(environment: console.environment),
                       credentials: try credentials(console: console))
    }

    /// Explicit credentials, reading the password from stdin when asked to.
    func credentials(console: Console) throws -> CredentialResolver {
        var explicit: Credentials?
        if let username {
            var password = console.environment[CredentialResolver.passwordVariable]
            if passwordStdin {
                guard let line = console.readLine(), !line.isEmpty else {
                    throw ValidationError("--password-stdin was given but standard input is empty")
                }
                password = line.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let password, !password.isEmpty else {
                throw ValidationError("--username needs a password: pass --password-stdin or set \(CredentialResolver.passwordVariable)")
            }
            explicit = Credentials(username: username, password: password, origin: passwordStdin ? "--username and --password-stdin" : "--username and \(CredentialResolver.passwordVariable)")
        }
        return CredentialResolver(explicit: explicit, environment: console.environment, authFile: authfile.map { absolute($0, console) })
    }

    func absolute(_ path: String, _ console: Console) -> String {
        path.hasPrefix("/") ? path : (console.workingDirectory as NSString).appendingPathComponent(path)
    }
}
