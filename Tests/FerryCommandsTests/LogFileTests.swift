import FerryTestSupport
import Foundation
import Testing

/// `--log-file`: a full debug log with timestamps for support cases, on every command, with no
/// secret in it; `--verbose` notes go through the same logging.
@Suite struct LogFileTests {
    @Test func aPushLogsEveryRequestWithTimestampsAndNoSecret() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let dir = try TemporaryDirectory("logfile")
        let source = dir.file("images.tar")
        try ArchiveFixture.write([TestImage.make("r.io/team/app:1", layerSizes: [300])], style: .ggcr, to: source)
        let env = ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache"), "HOME": dir.path]
        let result = await CLIRunner.run(["push", source, "--registry", registry.host, "--repository", "p", "--plain-http",
                                          "--username", registry.username, "--password-stdin", "--log-file", "support.log"],
                                         environment: env, stdin: registry.password + "\n")
        #expect(result.exitCode == 0, "\(result.stderr)")
        let log = try String(contentsOfFile: dir.file("support.log"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        // Every line starts with an ISO 8601 timestamp and a level.
        #expect(!lines.isEmpty && lines.allSatisfy { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (trace|debug|info|notice|warning|error|critical) "#,
                                                                options: .regularExpression) != nil }, "\(log)")
        #expect(log.contains("ferry push started") && log.contains("ferry push finished exit=0"), "\(log)")
        #expect(log.contains("PUT http://\(registry.host)/v2/p/app/manifests/1 → 201"), "\(log)")
        #expect(log.contains("GET http://\(registry.host)/v2/p/app/manifests/1 → 404"), "\(log)")
        // Upload state and credentials stay out.
        #expect(!log.contains(registry.password) && !log.contains("_state=") && !log.contains("Authorization"), "\(log)")
        // Owner-only: a support log names hosts and users.
        let mode = try #require(FileManager.default.attributesOfItem(atPath: dir.file("support.log"))[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // A failing run appends its error, with its code and exit code.
        let failed = await CLIRunner.run(["verify", dir.file("missing.tar"), "--log-file", "support.log"], environment: env)
        #expect(failed.exitCode == 2)
        let after = try String(contentsOfFile: dir.file("support.log"), encoding: .utf8)
        #expect(after.hasPrefix(log) && after.contains("ferry verify started") && after.contains(" error ferry: ") && after.contains("exit=2"), "\(after)")
    }

    @Test func verboseNotesGoThroughTheLogToo() async throws {
        let dir = try TemporaryDirectory("logfile")
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/team/app:1")])
        _ = try dir.write("offline/README.txt", "not a bundle")
        let env = ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")]
        let verbose = await CLIRunner.run(["inspect", dir.file("offline"), "--verbose", "--log-file", "l.log"], environment: env)
        #expect(verbose.exitCode == 0)
        #expect(verbose.stderr.contains("note: ") && verbose.stderr.contains("README.txt"), "\(verbose.stderr)")
        #expect(try String(contentsOfFile: dir.file("l.log"), encoding: .utf8).contains("README.txt"))
        // Without --verbose the note is only in the log (the warning names --verbose).
        let quiet = await CLIRunner.run(["inspect", dir.file("offline")], environment: env)
        #expect(!quiet.stderr.contains("note: "), "\(quiet.stderr)")
    }
}
