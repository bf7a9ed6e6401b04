import Foundation

/// A real credential store for Docker's credential-helper protocol: `pass` with a throwaway gpg
/// key made for the test, so `docker-credential-pass` (Debian's golang-docker-credential-helpers)
/// stores and reads secrets as it does on a workstation. Everything lives in the test's directory;
/// `environment` points gpg and pass at it.
package final class PassStore: Sendable {
    package let directory: TemporaryDirectory
    package let environment: [String: String]

    package init() throws {
        directory = try TemporaryDirectory("pass")
        _ = try Subprocess.require("docker-credential-pass")
        let gnupg = directory.file("gnupg")
        try FileManager.default.createDirectory(atPath: gnupg, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        environment = ["GNUPGHOME": gnupg, "PASSWORD_STORE_DIR": directory.file("store")]
        let key = "ferry-test@example.invalid"
        try run(try Subprocess.require("gpg"), ["--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                                                "--quick-gen-key", key, "default", "default", "never"])
        try run(try Subprocess.require("pass"), ["init", key])
    }

    deinit {
        _ = try? Subprocess.run("gpgconf", ["--kill", "gpg-agent"], environment: fullEnvironment)
    }

    /// This process's environment with gpg and pass pointed at the store.
    package var fullEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }

    /// What the helper holds for `server`: (user, secret), nil when nothing.
    package func get(_ server: String) throws -> (String, String)? {
        let output = try Subprocess.run(try Subprocess.require("docker-credential-pass"), ["get"], stdin: server, environment: fullEnvironment)
        guard output.status == 0, let data = output.stdout.data(using: .utf8),
              let answer = try JSONSerialization.jsonObject(with: data) as? [String: String],
              let user = answer["Username"], let secret = answer["Secret"], !user.isEmpty else { return nil }
        return (user, secret)
    }

    /// Stores a secret through the helper, as `docker login` would.
    package func store(_ server: String, user: String, secret: String) throws {
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: ["ServerURL": server, "Username": user, "Secret": secret]),
                             as: UTF8.self)
        try run(try Subprocess.require("docker-credential-pass"), ["store"], stdin: payload)
    }

    private func run(_ program: String, _ arguments: [String], stdin: String? = nil) throws {
        let output = try Subprocess.run(program, arguments, stdin: stdin, environment: fullEnvironment)
        guard output.status == 0 else { throw TestSupportError("\(program) \(arguments.joined(separator: " ")): \(output.stderr)") }
    }
}
