import ArgumentParser

/// The root command: `ferry <subcommand>`.
package struct Ferry: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Deliver Helm-packaged modules into air-gapped sites: sync bundles, push images, load nodes, upgrade releases.",
        discussion: """
            SOURCE is a vendor bundle (<name>.bundle.tar), a directory of bundles, a docker-save archive, or an \
            OCI image layout (a directory or a tar). Ferry reads archives in place: nothing is extracted.

            Credentials: --username with --password-stdin, else $FERRY_REGISTRY_USERNAME and \
            $FERRY_REGISTRY_PASSWORD, else the auth files (--authfile, $REGISTRY_AUTH_FILE, podman's auth.json, \
            Docker's config.json), each asking its credential helper first; ferry login stores them.
            Cache: uncompressed layers are gzipped once and kept in $FERRY_CACHE_DIR (default ~/.cache/ferry).

            ferry --version prints what ferry version does.

            \(ExitStatus.help)
            """,
        subcommands: [Sync.self, Push.self, Load.self, Retag.self, Upgrade.self, Inspect.self, Verify.self, Bundle.self, Copy.self, Login.self, Logout.self,
                      Version.self, Completion.self])

    package init() {}

    package func run() async throws {
        throw CleanExit.helpRequest(self)
    }
}
