import ArgumentParser
import FerryRegistry
import Foundation

extension Ferry {
    /// `ferry login REGISTRY`: checks credentials against the registry, then stores them where
    /// docker, podman and Ferry look.
    package struct Login: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Check credentials against a registry, then store them where docker, podman and Ferry find them.",
            discussion: """
                The credentials are checked first (a token registry must issue a token for them); nothing is \
                stored when the registry refuses them. They go to the credential helper the auth file names for \
                the registry (credHelpers, else credsStore: docker-credential-NAME store), else to its auths. The \
                auth file is --authfile when given, else Docker's config.json ($DOCKER_CONFIG, else ~/.docker), \
                created with mode 0600 when missing. The password is never printed.

                Examples:
                  echo "$PASSWORD" | ferry login harbor.example.com \\
                      --username admin --password-stdin
                  ferry login 10.0.0.5:5000 --username ci --password-stdin \\
                      --authfile ./auth.json < secret.txt
                """)

        @Argument(help: ArgumentHelp("The registry: host or host:port.", valueName: "registry"))
        package var registry: String

        @OptionGroup(title: "Registry") package var registryOptions: RegistryOptions
        @OptionGroup(title: "Link") package var transport: TransportOptions
        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func validate() throws {
            try Login.validateHost(registry)
        }

        static func validateHost(_ registry: String) throws {
            guard !registry.isEmpty, !registry.contains("/"), !registry.contains("://") else {
                throw ValidationError("REGISTRY is a host or host:port, such as harbor.example.com or 10.0.0.5:5000")
            }
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .login) { try await execute() }
        }

        func execute() async throws {
            let console = Console.current
            let access = try registryOptions.access(console: console)
            guard let credentials = try access.credentials.given() else {
                throw ValidationError("pass --username with --password-stdin (or set \(CredentialResolver.usernameVariable) and \(CredentialResolver.passwordVariable))")
            }
            let check = try await access.withTransport { link in
                let client = try await RegistryClient.connect(host: registry, transport: link, credentials: credentials, retry: transport.retry)
                return try await client.checkLogin()
            }
            let destination = try await access.credentials.store(credentials, for: registry)
            if output.output == .json {
                console.out(JSONLines.event("login", LoginDocument(registry: registry, username: credentials.username,
                                                           storedIn: destination.description, required: check == .accepted)))
                return
            }
            if check == .notRequired {
                console.err("warning: \(registry) asks for no authentication; the credentials were not checked")
            }
            console.out("Login succeeded: user '\(credentials.username)' for \(registry), stored in \(destination)")
        }
    }

    /// `ferry logout REGISTRY`: removes what `ferry login` (or docker login) stored.
    package struct Logout: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Remove a registry's stored credentials from the credential helper and the auth file.",
            discussion: """
                Removes the registry's entry from the credential helper the auth file names for it (docker-credential-NAME \
                erase) and from the file's auths. The auth file is --authfile when given, else Docker's config.json.

                Examples:
                  ferry logout harbor.example.com
                  ferry logout 10.0.0.5:5000 --authfile ./auth.json
                """)

        @Argument(help: ArgumentHelp("The registry: host or host:port.", valueName: "registry"))
        package var registry: String

        @Option(name: .long, help: ArgumentHelp("The auth file to remove the entry from (default: Docker's config.json).", valueName: "file"))
        package var authfile: String?

        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func validate() throws {
            try Login.validateHost(registry)
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .login) { try await execute() }
        }

        func execute() async throws {
            let console = Console.current
            let file = authfile.map { $0.hasPrefix("/") ? $0 : (console.workingDirectory as NSString).appendingPathComponent($0) }
            let resolver = CredentialResolver(environment: console.environment, authFile: file)
            let removed = try await resolver.erase(for: registry)
            if output.output == .json {
                console.out(JSONLines.event("logout", LogoutDocument(registry: registry, removedFrom: removed)))
            } else if removed.isEmpty {
                console.out("Not logged in to \(registry): no stored credentials in \(file ?? resolver.dockerConfigPath)")
            } else {
                console.out("Removed the credentials for \(registry) from \(removed.joined(separator: " and "))")
            }
        }
    }
}
