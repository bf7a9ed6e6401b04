import Foundation
import Synchronization

/// A stand-in for Harbor (which cannot run here) in front of a real registry: exactly the project
/// endpoints Ferry uses (`GET`/`POST /api/v2.0/projects`, Harbor's fuzzy `name` match and its error
/// bodies, Basic auth), and Harbor's refusal of a repository whose project does not exist. The
/// registry API is forwarded to the real registry. Written in Python (stdlib only).
package final class FakeHarbor: Sendable {
    package let host: String
    package let username = "harbor-admin"
    package let password = "Harbor-12345"
    private let directory: TemporaryDirectory
    private let process: Mutex<Process?>

    /// `projects`: those that exist at the start (public).
    package init(before registry: LiveRegistry, projects: [String]) throws {
        directory = try TemporaryDirectory("harbor")
        let port = try LiveRegistry.freePort()
        host = "127.0.0.1:\(port)"
        let script = try directory.write("fake_harbor.py", TestResources.text("fake_harbor.py"))
        process = Mutex(try startServer(try Subprocess.require("python3"),
                                        [script, String(port), registry.host, username, password, projects.joined(separator: ",")],
                                        port: port, log: directory.file("log"), what: "the fake Harbor"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }

    /// One line per request: `METHOD PATH STATUS [note]`.
    package var log: String {
        (try? String(contentsOfFile: directory.file("log"), encoding: .utf8)) ?? ""
    }
}
