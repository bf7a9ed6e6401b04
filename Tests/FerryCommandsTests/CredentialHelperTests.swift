import FerryTestSupport
import Foundation
import Testing

/// Credentials kept the way docker keeps them: a real credential helper (`docker-credential-pass`
/// over `pass` and a throwaway gpg key), named by `credsStore` or per registry by `credHelpers`,
/// and identity tokens; `ferry login` and `ferry logout` checking and storing through them.
@Suite struct CredentialHelperTests {
    struct Site {
        let dir: TemporaryDirectory
        let archive: String
        var environment: [String: String]

        init(extra: [String: String] = [:]) throws {
            dir = try TemporaryDirectory("helper")
            archive = dir.file("a.tar")
            try ArchiveFixture.write([TestImage.make("r.io/a/app:1", layerSizes: [400])], style: .ggcr, to: archive)
            // HOME is empty: no credentials but those the test puts in place.
            environment = ["HOME": dir.path, "DOCKER_CONFIG": dir.file("docker"), "FERRY_CACHE_DIR": dir.file("cache"),
                           "XDG_RUNTIME_DIR": dir.file("run")].merging(extra) { $1 }
        }

        func dockerConfig(_ json: String) throws {
            try FileManager.default.createDirectory(atPath: dir.file("docker"), withIntermediateDirectories: true)
            _ = try dir.write("docker/config.json", json)
        }

        func ferry(_ arguments: [String], stdin: String? = nil, _ extra: [String: String] = [:]) async -> CLIRunner.Result {
            await CLIRunner.run(arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
        }

        func push(_ registry: LiveRegistry, _ extra: [String] = []) async -> CLIRunner.Result {
            await ferry(["push", archive, "--registry", registry.host, "--repository", "p"] + extra)
        }
    }

    @Test func loginStoresThroughTheCredsStoreHelperAndPushReadsItBack() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let pass = try PassStore()
        let site = try Site(extra: pass.environment)
        try site.dockerConfig(#"{"credsStore": "pass", "HttpHeaders": {"X-Site": "kept"}}"#)

        // A wrong password is refused by the registry and stored nowhere.
        let wrong = await site.ferry(["login", registry.host, "--username", registry.username, "--password-stdin"], stdin: "wrong-Pa55\n")
        #expect(wrong.exitCode == 3 && wrong.stderr.contains("refused access as user '\(registry.username)'"), "\(wrong.stderr)")
        #expect(try pass.get(registry.host) == nil)

        let login = await site.ferry(["login", registry.host, "--username", registry.username, "--password-stdin"], stdin: registry.password + "\n")
        #expect(login.exitCode == 0, "\(login.stderr)")
        #expect(login.stdout.contains("docker-credential-pass") && login.stdout.contains("credsStore"), "\(login.stdout)")
        // The helper holds them (read back by the helper itself), and config.json holds no secret.
        let stored = try #require(try pass.get(registry.host))
        #expect(stored.0 == registry.username && stored.1 == registry.password)
        let config = try String(contentsOfFile: site.dir.file("docker/config.json"), encoding: .utf8)
        #expect(!config.contains(registry.password) && config.contains("X-Site"))

        let push = await site.push(registry)
        #expect(push.exitCode == 0, "\(push.stderr)")
        for result in [wrong, login, push] { #expect(!(result.stdout + result.stderr).contains(registry.password)) }

        let logout = await site.ferry(["logout", registry.host])
        #expect(logout.exitCode == 0 && logout.stdout.contains("docker-credential-pass"), "\(logout.stdout)\(logout.stderr)")
        #expect(try pass.get(registry.host) == nil)
        let again = await site.ferry(["logout", registry.host])
        #expect(again.exitCode == 0 && again.stdout.contains("Not logged in"), "\(again.stdout)\(again.stderr)")
        let anonymous = await site.push(registry)
        #expect(anonymous.exitCode == 3 && anonymous.stderr.contains("anonymously") && anonymous.stderr.contains("ferry login"), "\(anonymous.stderr)")
    }

    @Test func aPerRegistryHelperWinsOverAuthsAndItsFailuresAreShown() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let pass = try PassStore()
        try pass.store(registry.host, user: registry.username, secret: registry.password)
        let site = try Site(extra: pass.environment)
        let stale = Data("\(registry.username):old-password".utf8).base64EncodedString()
        try site.dockerConfig(#"{"auths": {"\#(registry.host)": {"auth": "\#(stale)"}}, "credHelpers": {"\#(registry.host)": "pass"}}"#)
        let push = await site.push(registry)
        #expect(push.exitCode == 0, "\(push.stderr)")

        // The helper cannot decrypt (its gpg key is gone from this GNUPGHOME): its own error is shown, named.
        let emptyKeys = try TemporaryDirectory("gnupg-empty")
        let broken = await site.ferry(["push", site.archive, "--registry", registry.host, "--repository", "p"], ["GNUPGHOME": emptyKeys.path])
        #expect(broken.exitCode != 0, "\(broken.stdout)")
        #expect(broken.stderr.contains("docker-credential-pass get failed") && broken.stderr.contains("credHelpers in"), "\(broken.stderr)")
        #expect(!broken.stderr.contains(registry.password))

        // A helper that is not installed is named with the file that names it.
        try site.dockerConfig(#"{"credHelpers": {"\#(registry.host)": "ferry-no-such-helper"}}"#)
        let missing = await site.push(registry)
        #expect(missing.exitCode != 0 && missing.stderr.contains("docker-credential-ferry-no-such-helper is not installed")
                && missing.stderr.contains(site.dir.file("docker/config.json")), "\(missing.stderr)")
    }

    @Test func loginWithoutAHelperWritesAuthsThatPodmanAndSkopeoRead() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        let site = try Site()
        let login = await site.ferry(["login", registry.host, "--username", registry.username, "--password-stdin"], stdin: registry.password + "\n")
        #expect(login.exitCode == 0 && login.stdout.contains("auths in \(site.dir.file("docker/config.json"))"), "\(login.stdout)\(login.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: site.dir.file("docker/config.json"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // podman reads the login back from the file Ferry wrote.
        let podman = try Subprocess.run(try Subprocess.require("podman"),
                                        ["login", "--get-login", "--authfile", site.dir.file("docker/config.json"), registry.host])
        #expect(podman.status == 0 && podman.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == registry.username, "\(podman.stderr)")

        // --authfile chooses the file; skopeo pushes nothing but lists tags with it after Ferry's push.
        let authFile = site.dir.file("site-auth.json")
        let named = await site.ferry(["login", registry.host, "--username", registry.username, "--password-stdin", "--authfile", authFile],
                                     stdin: registry.password + "\n")
        #expect(named.exitCode == 0 && named.stdout.contains(authFile), "\(named.stdout)\(named.stderr)")
        let push = await site.push(registry, ["--authfile", authFile])
        #expect(push.exitCode == 0, "\(push.stderr)")
        let tags = try Subprocess.run(try Subprocess.require("skopeo"),
                                      ["list-tags", "--tls-verify=false", "--authfile", authFile, "docker://\(registry.host)/p/app"])
        #expect(tags.status == 0 && tags.stdout.contains("\"1\""), "\(tags.stderr)")

        let logout = await site.ferry(["logout", registry.host, "--authfile", authFile])
        #expect(logout.exitCode == 0 && logout.stdout.contains(authFile), "\(logout.stdout)")
        let after = try String(contentsOfFile: authFile, encoding: .utf8)
        #expect(!after.contains(registry.host), "\(after)")
    }

    @Test func anIdentityTokenIsExchangedAtTheTokenService() async throws {
        let registry = try LiveRegistry.start(.token)
        let site = try Site()
        let token = FakeTokenServerIdentity.token(registry)
        try site.dockerConfig(#"{"auths": {"\#(registry.host)": {"auth": "", "identitytoken": "\#(token)"}}}"#)
        let push = await site.push(registry)
        #expect(push.exitCode == 0, "\(push.stderr)")
        #expect(registry.tokenLog.contains("POST 200 repository:p/app:pull,push"), "\(registry.tokenLog)")
        #expect(!(push.stdout + push.stderr).contains(token))

        try site.dockerConfig(#"{"auths": {"\#(registry.host)": {"identitytoken": "revoked-token"}}}"#)
        let refused = await site.push(registry)
        #expect(refused.exitCode == 3, "\(refused.stdout)")
        #expect(refused.stderr.contains("identity token (from \(site.dir.file("docker/config.json")))") && refused.stderr.contains("scope"),
                "\(refused.stderr)")
        #expect(!refused.stderr.contains("revoked-token"))

        // A token registry checks a login by issuing a token for it.
        let bad = await site.ferry(["login", registry.host, "--username", registry.username, "--password-stdin"], stdin: "nope\n")
        #expect(bad.exitCode == 3, "\(bad.stdout)")
        let good = await site.ferry(["login", registry.host, "--username", registry.username, "--password-stdin"], stdin: registry.password + "\n")
        #expect(good.exitCode == 0, "\(good.stderr)")
    }
}

/// The identity token the test token service accepts for a registry's user.
enum FakeTokenServerIdentity {
    static func token(_ registry: LiveRegistry) -> String { FakeTokenServer.identityToken(for: registry.username) }
}
