import Foundation
import Synchronization

/// A stand-in for a registry token service (Harbor's `/service/token`, Docker Hub's auth server):
/// no real one is packaged for this machine. It checks Basic credentials, then issues RS256 JWTs
/// that the real `docker-registry` verifies against the certificate it is given. Written in Python
/// (stdlib + the openssl command) and started on a free loopback port.
package final class FakeTokenServer: Sendable {
    package let realm: String
    package let certificate: String
    package let logFile: String
    private let process: Mutex<Process?>

    static func start(directory: TemporaryDirectory, username: String, password: String) throws -> FakeTokenServer {
        try FakeTokenServer(directory: directory, username: username, password: password)
    }

    private init(directory: TemporaryDirectory, username: String, password: String) throws {
        let key = directory.file("token.key"), cert = directory.file("token.crt")
        try Subprocess.check(try Subprocess.require("openssl"), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=ferry-token",
        ])
        certificate = cert
        let port = try LiveRegistry.freePort()
        realm = "http://127.0.0.1:\(port)/token"
        let script = try directory.write("token_server.py", Self.script)
        logFile = directory.file("token.log")
        process = Mutex(try startServer(try Subprocess.require("python3"), [script, String(port), key, cert, username, password],
                                        port: port, log: logFile, what: "the fake token server"))
    }

    package func stop() {
        process.withLock { process in
            process?.stopForTest()
            process = nil
        }
    }

    /// The identity token (OAuth2 refresh token) it accepts in place of the password.
    package static func identityToken(for username: String) -> String { "refresh-\(username)-identity" }

    /// Requests the token service has answered, one line each: `status scope…` (`POST status scope…` for the refresh grant).
    package var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The program, from `Resources/fake_token_server.py` (kept as a Python file so it can be read and linted as one).
    static let script = TestResources.text("fake_token_server.py")
}
