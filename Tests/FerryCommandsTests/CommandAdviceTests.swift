import FerryCommands
import FerryTestSupport
import Foundation
import Testing

/// Each command words its own advice: run against an untrusted TLS registry, a wrong password over
/// plain HTTP, an unknown host and a missing chart repository, every `--flag` a hint names must be
/// one that command accepts, and no message shows a library's internals.
@Suite struct CommandAdviceTests {
    static let unknownHost = "ferry-no-such-registry.invalid:5000"

    /// The options a command accepts, from its own `--help`.
    static func accepted(by command: String) async -> Set<String> {
        let help = await CLIRunner.run([command, "--help"])
        return flags(in: help.stdout + help.stderr)
    }

    static func flags(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "--[a-z][a-z0-9-]*")
        let range = NSRange(text.startIndex..., in: text)
        return Set(regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    /// The text of every `hint:` line.
    static func hints(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            line.range(of: "hint: ").map { String(line[$0.upperBound...]) }
        }
    }

    /// Checks the hints against the command's options and the output for library internals.
    func expectOwnAdvice(_ command: String, _ result: CLIRunner.Result, _ scenario: String) async {
        let output = result.stdout + result.stderr
        let named = Self.flags(in: Self.hints(output).joined(separator: "\n"))
        let accepted = await Self.accepted(by: command)
        #expect(accepted.count > 3, "\(command) --help lists its options")
        #expect(named.isSubset(of: accepted), "\(command), \(scenario): hints name \(named.subtracting(accepted).sorted()): \(output)")
        for leak in ["/checkouts/", ".cc:", "BoringSSL", "NIOSSLError", "HTTPClientError", "NSCocoaErrorDomain"] {
            #expect(!output.contains(leak), "\(command), \(scenario): \(leak) in \(output)")
        }
    }

    func archive(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.file("images.tar")
        try ArchiveFixture.write([TestImage.make("r.io/team/app:1", layerSizes: [300])], style: .ggcr, to: path)
        return path
    }

    @Test func pushWordsItsAdviceInItsOwnOptions() async throws {
        let dir = try TemporaryDirectory("advice")
        let source = try archive(dir)
        let env = ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache"), "HOME": dir.path]
        func push(_ host: String, _ extra: [String], stdin: String? = nil) async -> CLIRunner.Result {
            await CLIRunner.run(["push", source, "--registry", host, "--repository", "p"] + extra, environment: env, stdin: stdin)
        }

        let tls = try LiveRegistry.start(.tls)
        let untrusted = await push(tls.host, ["--username", tls.username, "--password-stdin"], stdin: tls.password + "\n")
        #expect(untrusted.exitCode == 3)
        #expect(untrusted.stderr.contains("not trusted") && untrusted.stderr.contains("--ca-file"), "\(untrusted.stderr)")
        await expectOwnAdvice("push", untrusted, "untrusted TLS")

        // A plain-HTTP registry on loopback needs no --plain-http: HTTPS is tried, then plain HTTP.
        let basic = try LiveRegistry.start(.basicAuth)
        let noFlag = await push(basic.host, ["--username", basic.username, "--password-stdin"], stdin: basic.password + "\n")
        #expect(noFlag.exitCode == 0 && noFlag.stdout.contains("Done: 1 pushed"), "\(noFlag.stderr)")

        // Over plain HTTP, a wrong password is reported as the 401 it is.
        let wrong = await push(basic.host, ["--plain-http", "--username", basic.username, "--password-stdin"], stdin: "wrong-Pa55word\n")
        #expect(wrong.exitCode == 3)
        #expect(wrong.stderr.contains("refused access as user '\(basic.username)'"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains("TLS") && !wrong.stderr.contains("WRONG_VERSION") && !wrong.stderr.contains("wrong-Pa55word"), "\(wrong.stderr)")
        #expect(Self.hints(wrong.stderr).contains { $0.contains("check the user name and password") }, "\(wrong.stderr)")
        await expectOwnAdvice("push", wrong, "wrong password over HTTP")
        let anonymous = await push(basic.host, ["--plain-http"])
        #expect(anonymous.exitCode == 3 && anonymous.stderr.contains("--username"), "\(anonymous.stderr)")
        await expectOwnAdvice("push", anonymous, "no credentials")

        let unknown = await push(Self.unknownHost, [])
        #expect(unknown.exitCode == 3 && unknown.stderr.contains("ferry-no-such-registry.invalid"), "\(unknown.stderr)")
        await expectOwnAdvice("push", unknown, "unknown host")
        let asJSON = await push(Self.unknownHost, ["--output", "json"])
        let failure = try #require(try Documents.lines(CommandFailure.self, asJSON.stdout, event: "error").first, "\(asJSON.stdout)")
        #expect(failure.code == "unreachable" && failure.exitCode == 3 && failure.message.contains("ferry-no-such-registry.invalid"), "\(failure)")
        // (A missing repository is created by the registry on push; sync's chart repository below.)
    }

    @Test func loginWordsItsAdviceInItsOwnOptions() async throws {
        let dir = try TemporaryDirectory("advice")
        let env = ["HOME": dir.path, "DOCKER_CONFIG": dir.file("docker")]
        func login(_ host: String, _ extra: [String], password: String) async -> CLIRunner.Result {
            await CLIRunner.run(["login", host, "--username", "ferry-user", "--password-stdin"] + extra, environment: env, stdin: password + "\n")
        }
        let tls = try LiveRegistry.start(.tls)
        let untrusted = await login(tls.host, [], password: tls.password)
        #expect(untrusted.exitCode == 3 && untrusted.stderr.contains("--ca-file"), "\(untrusted.stderr)")
        await expectOwnAdvice("login", untrusted, "untrusted TLS")
        let wrong = await login(tls.host, ["--ca-file", tls.caFile!], password: "wrong-Pa55word")
        #expect(wrong.exitCode == 3 && wrong.stderr.contains("refused access as user 'ferry-user'"), "\(wrong.stderr)")
        await expectOwnAdvice("login", wrong, "wrong password")
        #expect(!FileManager.default.fileExists(atPath: dir.file("docker/config.json")), "nothing is stored for refused credentials")
        let unknown = await login(Self.unknownHost, [], password: "x")
        #expect(unknown.exitCode == 3 && unknown.stderr.contains("ferry-no-such-registry.invalid"), "\(unknown.stderr)")
        await expectOwnAdvice("login", unknown, "unknown host")
    }

    func syncConfig(_ dir: TemporaryDirectory, registry: String, auth: (String, String)?, repo: String) throws -> String {
        let containers = auth.map { "\n  containers: {auth: {username: \($0.0), password: \"\($0.1)\"}}" } ?? ""
        return try dir.write("load-image-\(UUID().uuidString.prefix(8)).yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry)
              containerRepository: release/mod
              repo: \(repo)\(containers)
            """)
    }

    @Test func syncWordsItsAdviceInItsConfigAndFlags() async throws {
        let dir = try TemporaryDirectory("advice")
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/demo-1.2.3.bundle.tar"), images: [TestImage.make("r.io/team/app:1", layerSizes: [300])])
        let env = ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache"), "HOME": dir.path]
        let local = "{kind: LOCAL, path: ./repo}"
        func sync(_ config: String) async -> CLIRunner.Result {
            await CLIRunner.run(["sync", "-c", config], environment: env)
        }

        let tls = try LiveRegistry.start(.tls)
        let untrusted = await sync(try syncConfig(dir, registry: tls.host, auth: (tls.username, tls.password), repo: local))
        #expect(untrusted.exitCode == 3)
        #expect(untrusted.stderr.contains("not trusted") && untrusted.stderr.contains("--insecure") && untrusted.stderr.contains("--ca-file"), "\(untrusted.stderr)")
        await expectOwnAdvice("sync", untrusted, "untrusted TLS")

        let basic = try LiveRegistry.start(.basicAuth)
        let wrong = await sync(try syncConfig(dir, registry: basic.host, auth: (basic.username, "wrong-Pa55word"), repo: local))
        #expect(wrong.exitCode == 3)
        // sync falls back to plain HTTP for a private address: the 401 there is the error, not the TLS attempt.
        #expect(wrong.stderr.contains("refused access as user '\(basic.username)'") && !wrong.stderr.contains("TLS"), "\(wrong.stderr)")
        #expect(Self.hints(wrong.stderr).contains { $0.contains("target.containers.auth") }, "\(wrong.stderr)")
        #expect(!(wrong.stdout + wrong.stderr).contains("wrong-Pa55word"))
        await expectOwnAdvice("sync", wrong, "wrong password over HTTP")

        let unknown = await sync(try syncConfig(dir, registry: Self.unknownHost, auth: nil, repo: local))
        #expect(unknown.exitCode == 3 && unknown.stderr.contains("ferry-no-such-registry.invalid"), "\(unknown.stderr)")
        await expectOwnAdvice("sync", unknown, "unknown host")

        // A chart repository that is not there: the registry's own server answers 404 for it.
        let plain = try LiveRegistry.start(.plain)
        let missing = await sync(try syncConfig(dir, registry: plain.host, auth: nil,
                                                repo: "{kind: CHARTMUSEUM, url: \"http://\(plain.host)/no-such-chartrepo\"}"))
        #expect(missing.exitCode != 0)
        #expect((missing.stdout + missing.stderr).contains("no-such-chartrepo"), "\(missing.stdout)\(missing.stderr)")
        await expectOwnAdvice("sync", missing, "missing chart repository")
    }
}

extension CommandAdviceTests {
    @Test func upgradeWordsItsAdviceInItsOwnOptions() async throws {
        let dir = try TemporaryDirectory("advice")
        let chart = ChartFixture(name: "demo", version: "1.0.0", images: [("app", TestImage.make("r.io/team/app:1"))])
        for (name, bytes) in chart.files { _ = try dir.write("vendor/demo/\(name)", bytes) }
        let helm = try FakeHelm()
        var helmEnv = ProcessInfo.processInfo.environment
        for (key, value) in helm.environment { helmEnv[key] = value }
        let installed = try Subprocess.run(helm.binDirectory + "/helm", ["install", "demo", dir.file("vendor/demo"), "-n", "apps", "--create-namespace"],
                                           environment: helmEnv)
        #expect(installed.status == 0, "\(installed.stderr)")
        var env = helm.environment
        env["PWD"] = dir.path
        env["FERRY_CACHE_DIR"] = dir.file("cache")
        env["HOME"] = dir.path
        func upgrade(_ chart: String, _ extra: [String], stdin: String? = nil) async -> CLIRunner.Result {
            await CLIRunner.run(["upgrade", "demo", "-n", "apps", "--chart", chart, "--image-registry", "127.0.0.1:1", "--plan"] + extra,
                                environment: env, stdin: stdin)
        }

        let tls = try LiveRegistry.start(.tls)
        let untrusted = await upgrade("oci://\(tls.host)/charts/demo", ["--username", tls.username, "--password-stdin"], stdin: tls.password + "\n")
        #expect(untrusted.exitCode == 3)
        #expect(untrusted.stderr.contains("not trusted") && untrusted.stderr.contains("--ca-file"), "\(untrusted.stderr)")
        await expectOwnAdvice("upgrade", untrusted, "untrusted TLS")

        let basic = try LiveRegistry.start(.basicAuth)
        let wrong = await upgrade("oci://\(basic.host)/charts/demo", ["--plain-http", "--username", basic.username, "--password-stdin"],
                                  stdin: "wrong-Pa55word\n")
        #expect(wrong.exitCode == 3)
        #expect(wrong.stderr.contains("refused access as user '\(basic.username)'") && !wrong.stderr.contains("TLS"), "\(wrong.stderr)")
        #expect(Self.hints(wrong.stderr).contains { $0.contains("--username") }, "\(wrong.stderr)")
        #expect(!(wrong.stdout + wrong.stderr).contains("wrong-Pa55word"))
        await expectOwnAdvice("upgrade", wrong, "wrong password over HTTP")

        let unknown = await upgrade("oci://\(Self.unknownHost)/charts/demo", [])
        #expect(unknown.exitCode == 3 && unknown.stderr.contains("ferry-no-such-registry.invalid"), "\(unknown.stderr)")
        await expectOwnAdvice("upgrade", unknown, "unknown host")

        // Missing repositories: one helm does not know, one whose URL serves no index, an empty OCI one.
        let unnamed = await upgrade("nowhere/demo", [])
        #expect(unnamed.exitCode != 0 && Self.hints(unnamed.stderr).contains { $0.contains("--repo-url") }, "\(unnamed.stderr)")
        await expectOwnAdvice("upgrade", unnamed, "unknown repository name")
        let plain = try LiveRegistry.start(.plain)
        let noIndex = await upgrade("nowhere/demo", ["--repo-url", "http://\(plain.host)/no-such-chartrepo"])
        #expect(noIndex.exitCode == 3 && noIndex.stderr.contains("no-such-chartrepo/index.yaml"), "\(noIndex.stderr)")
        #expect(Self.hints(noIndex.stderr).contains { $0.contains("--repo-url") }, "\(noIndex.stderr)")
        await expectOwnAdvice("upgrade", noIndex, "a URL with no chart repository")
        let empty = await upgrade("oci://\(plain.host)/charts/demo", ["--plain-http"])
        #expect(empty.exitCode != 0 && empty.stderr.contains("oci://\(plain.host)/charts/demo"), "\(empty.stderr)")
        await expectOwnAdvice("upgrade", empty, "an empty OCI repository")
        #expect(!helm.calls.contains { $0.contains("upgrade") }, "nothing was upgraded")
    }
}
