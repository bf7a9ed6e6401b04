import FerryTestSupport
import Foundation
import Testing

/// Credentials from the files operators' other tools write: an auth file `podman login` wrote,
/// named by `--authfile`, by `REGISTRY_AUTH_FILE`, or found where podman keeps it.
@Suite struct AuthFileTests {
    @Test func podmanLoginCredentialsAreUsedFromEveryPlacePodmanKeepsThem() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let dir = try TemporaryDirectory("authfile")
        let authFile = dir.file("auth.json")
        let login = try Subprocess.run(try Subprocess.require("podman"),
                                       ["login", "--tls-verify=false", "--authfile", authFile, "-u", registry.username, "--password-stdin", registry.host],
                                       stdin: registry.password + "\n")
        #expect(login.status == 0, "podman login: \(login.stderr)")
        let archive = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [500])], style: .ggcr, to: archive)
        // HOME points at an empty directory: no other credentials anywhere.
        let base = ["HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
        func push(_ extra: [String], _ environment: [String: String]) async -> CLIRunner.Result {
            await CLIRunner.run(["push", archive, "--registry", registry.host, "--repository", "p", "--plain-http"] + extra,
                                environment: base.merging(environment) { $1 })
        }

        let flagged = await push(["--authfile", authFile], [:])
        #expect(flagged.exitCode == 0, "\(flagged.stdout)\(flagged.stderr)")
        let named = await push([], ["REGISTRY_AUTH_FILE": authFile])
        #expect(named.exitCode == 0, "\(named.stdout)\(named.stderr)")
        try FileManager.default.createDirectory(atPath: dir.file("run/containers"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: authFile, toPath: dir.file("run/containers/auth.json"))
        let found = await push([], ["XDG_RUNTIME_DIR": dir.file("run")])
        #expect(found.exitCode == 0, "\(found.stdout)\(found.stderr)")
        for result in [flagged, named, found] { #expect(!(result.stdout + result.stderr).contains(registry.password)) }

        // Without any of them the registry refuses, and a missing --authfile is named.
        let none = await push([], [:])
        #expect(none.exitCode == 3, "\(none.stdout)\(none.stderr)")
        let missing = await push(["--authfile", dir.file("nope.json")], [:])
        #expect(missing.exitCode != 0 && missing.stderr.contains("nope.json"), "\(missing.stderr)")
    }
}
