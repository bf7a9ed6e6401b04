import FerryTestSupport
import Foundation
import Testing

/// Harbor projects, against a stand-in for Harbor's project API in front of the real registry:
/// a missing project fails once, before any blob; `--auto-create-repository` creates it.
@Suite struct HarborProjectTests {
    func fixture() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory("harbor")
        let path = dir.file("a.tar")
        try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [300, 200, 100]),
                                  TestImage.make("r.io/a/web:2", layerSizes: [250, 150])], style: .ggcr, to: path)
        return (dir, path)
    }

    @Test func aMissingProjectFailsOnceAndIsCreatedWhenAsked() async throws {
        let registry = try LiveRegistry.start(.plain)
        let harbor = try FakeHarbor(before: registry, projects: ["library", "release-old"])
        let (dir, source) = try fixture()
        func push(_ extra: [String]) async -> CLIRunner.Result {
            await CLIRunner.run(["push", source, "--registry", harbor.host, "--repository", "release/mod",
                                 "--username", harbor.username, "--password-stdin"] + extra,
                                environment: ["HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache")], stdin: harbor.password + "\n")
        }
        let missing = await push([])
        #expect(missing.exitCode == 3, "\(missing.stdout)")
        // One line for the project (Harbor's fuzzy match on "release" found "release-old", which does not count).
        let lines = missing.stderr.components(separatedBy: "\n").filter { $0.contains("Harbor project 'release' does not exist") }
        #expect(lines.count == 1, "\(missing.stderr)")
        #expect(missing.stderr.contains("--auto-create-repository"), "\(missing.stderr)")
        #expect(!harbor.log.contains("/blobs/"), "no blob was tried: \(harbor.log)")

        let dryRun = await push(["--auto-create-repository", "--dry-run"])
        #expect(dryRun.exitCode == 0 && dryRun.stderr.contains("would create Harbor project 'release' (private)"), "\(dryRun.stderr)")
        #expect(!harbor.log.contains("POST /api/v2.0/projects"))

        let created = await push(["--auto-create-repository"])
        #expect(created.exitCode == 0, "\(created.stderr)")
        #expect(created.stderr.contains("created Harbor project 'release' (private)"), "\(created.stderr)")
        #expect(harbor.log.contains("POST /api/v2.0/projects 201 release public=false"), "\(harbor.log)")
        let tags = try Subprocess.run(try Subprocess.require("skopeo"), ["list-tags", "--tls-verify=false", "docker://\(registry.host)/release/mod/app"])
        #expect(tags.status == 0 && tags.stdout.contains("\"1\""), "\(tags.stderr)")
        // Next time the project is there: nothing is created again.
        let again = await push(["--auto-create-repository"])
        #expect(again.exitCode == 0 && !again.stderr.contains("created Harbor project"), "\(again.stderr)")
        #expect(harbor.log.components(separatedBy: "POST /api/v2.0/projects").count == 2, "\(harbor.log)")
    }

    @Test func creationNeedsTheRightAndIsANoOpOffHarbor() async throws {
        let registry = try LiveRegistry.start(.plain)
        let harbor = try FakeHarbor(before: registry, projects: [])
        let (dir, source) = try fixture()
        let env = ["HOME": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
        // Anonymous, the lookup sees public projects only: not taken as missing; the push finds out.
        let unseen = await CLIRunner.run(["push", source, "--registry", harbor.host, "--repository", "team/mod"], environment: env)
        #expect(unseen.exitCode != 0 && unseen.stderr.contains("could not be looked up"), "\(unseen.stderr)")
        #expect(unseen.stderr.contains("project team not found") && unseen.stderr.contains("--auto-create-repository"), "\(unseen.stderr)")
        // Anonymous: Harbor refuses to create the project; the refusal is named, and so is the fix.
        let anonymous = await CLIRunner.run(["push", source, "--registry", harbor.host, "--repository", "team/mod", "--auto-create-repository"],
                                            environment: env)
        #expect(anonymous.exitCode == 3 && anonymous.stderr.contains("refused to create Harbor project 'team'"), "\(anonymous.stderr)")

        // sync creates a public project when asked; the fork's flag is accepted.
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/team/app:1", layerSizes: [300])])
        let config = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(harbor.host)
              containerRepository: platform/mod
              repo: {kind: LOCAL, path: ./repo}
              containers: {auth: {username: \(harbor.username), password: "\(harbor.password)"}}
            """)
        let sync = await CLIRunner.run(["sync", "-c", config, "--auto-create-repository", "--project-public"],
                                       environment: env.merging(["PWD": dir.path]) { $1 })
        #expect(sync.exitCode == 0, "\(sync.stdout)\(sync.stderr)")
        #expect(harbor.log.contains("POST /api/v2.0/projects 201 platform public=true"), "\(harbor.log)")

        // The real registry alone has no Harbor API: the flag does nothing, and says so.
        let plain = await CLIRunner.run(["push", source, "--registry", registry.host, "--repository", "team/mod", "--auto-create-repository"],
                                        environment: env)
        #expect(plain.exitCode == 0 && plain.stderr.contains("has no Harbor API: --auto-create-repository does nothing there"), "\(plain.stderr)")
    }
}
