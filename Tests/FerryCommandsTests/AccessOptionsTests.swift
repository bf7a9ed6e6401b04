import FerryTestSupport
import Foundation
import Testing

/// One set of access options, with one meaning, on every command that talks to a registry.
@Suite struct AccessOptionsTests {
    static let options = ["--username", "--password-stdin", "--authfile", "--ca-file", "--cert-file", "--key-file", "--cert-dir",
                          "--insecure", "--plain-http"]

    @Test(arguments: ["push", "sync", "upgrade", "login"])
    func everyRegistryCommandHasTheAccessOptions(_ command: String) async {
        let help = await CLIRunner.run([command, "--help"])
        #expect(help.exitCode == 0)
        for option in Self.options { #expect(help.stdout.contains(option), "\(command) --help lacks \(option)") }
        if command == "push" || command == "sync" {
            #expect(help.stdout.contains("--auto-create-repository") && help.stdout.contains("--project-public"))
        }
    }

    @Test func syncFlagsWinOverTheConfigFileWhichNamesItselfWhenRefused() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let dir = try TemporaryDirectory("access")
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/team/app:1", layerSizes: [300])])
        let config = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry.host)
              containerRepository: release/mod
              repo: {kind: LOCAL, path: ./repo}
              containers: {auth: {username: \(registry.username), password: "stale-Pa55"}}
            """)
        let env = ["PWD": dir.path, "HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
        let fromFile = await CLIRunner.run(["sync", "-c", config], environment: env)
        #expect(fromFile.exitCode == 3, "\(fromFile.stdout)")
        #expect(fromFile.stderr.contains("user '\(registry.username)' (from target.containers.auth in \(config))"), "\(fromFile.stderr)")
        let flagged = await CLIRunner.run(["sync", "-c", config, "--username", registry.username, "--password-stdin"],
                                          environment: env, stdin: registry.password + "\n")
        #expect(flagged.exitCode == 0, "\(flagged.stdout)\(flagged.stderr)")
        for result in [fromFile, flagged] { #expect(!(result.stdout + result.stderr).contains(registry.password)) }
    }
}
