import ArgumentParser
import FerryRegistry
import Foundation

/// How to reach and authenticate to a registry.
package struct RegistryOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("User name for the registry (default: $FERRY_REGISTRY_USERNAME, then ~/.docker/config.json).",
                                           valueName: "user"))
    package var username: String?

    @Flag(name: .long, help: "Read the password or token from the first line of standard input (default: $FERRY_REGISTRY_PASSWORD).")
    package var passwordStdin = false

    @Option(name: .long, help: ArgumentHelp("Auth file to read credentials from first (podman's auth.json format; default: $REGISTRY_AUTH_FILE, then podman's and Docker's own files).",
                                           valueName: "file"))
    package var authfile: String?

    @Option(name: .long, help: ArgumentHelp("PEM file of CA certificates to trust for HTTPS, in addition to the system's.", valueName: "file"))
    package var caFile: String?

    @Flag(name: .long, help: "Use HTTPS without verifying the registry's certificate.")
    package var insecure = false

    @Flag(name: .long, help: "Use plain HTTP instead of HTTPS.")
    package var plainHTTP = false

    package init() {}

    package func validate() throws {
        if insecure && plainHTTP { throw ValidationError("--insecure and --plain-http cannot be used together") }
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
    }

    package var security: TransportSecurity {
        TransportSecurity(mode: plainHTTP ? .plainHTTP : (insecure ? .httpsUnverified : .https), caFile: caFile)
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
            explicit = Credentials(username: username, password: password, origin: "--username")
        }
        let file = authfile.map { $0.hasPrefix("/") ? $0 : (console.workingDirectory as NSString).appendingPathComponent($0) }
        return CredentialResolver(explicit: explicit, environment: console.environment, authFile: file)
    }
}
