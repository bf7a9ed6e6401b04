import Foundation
import Synchronization

/// A forwarding proxy on loopback for tests of `HTTPS_PROXY`/`HTTP_PROXY`: it tunnels CONNECT
/// requests, can require Basic proxy credentials, and maps test-only host names (which resolve
/// nowhere) to 127.0.0.1, so traffic to such a name arrives only if the proxy carried it. Each
/// tunnel is logged (`CONNECT host:port`). Written in Python (stdlib only): the proxies Debian
/// packages resolve names through the system, which the test cannot extend.
package final class ConnectProxy: Sendable {
    package let port: Int
    package let logFile: String
    private let process: Mutex<Process?>
    private let directory: TemporaryDirectory

    /// `names`: host names the proxy sends to 127.0.0.1. `credentials`: `user:password` it requires.
    package init(names: [String], credentials: String? = nil) throws {
        directory = try TemporaryDirectory("connect-proxy")
        port = try LiveRegistry.freePort()
        let script = try directory.write("connect_proxy.py", TestResources.text("connect_proxy.py"))
        logFile = directory.file("proxy.log")
        let mapping = names.map { "\($0)=127.0.0.1" }.joined(separator: ",")
        process = Mutex(try startServer(try Subprocess.require("python3"), [script, String(port), mapping, credentials ?? ""],
                                        port: port, log: logFile, what: "the CONNECT proxy"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }

    /// `http://127.0.0.1:PORT`, with `user:password@` when given.
    package func url(credentials: String? = nil) -> String {
        "http://" + (credentials.map { $0 + "@" } ?? "") + "127.0.0.1:\(port)"
    }

    /// One line per request: `CONNECT host:port`, `DENIED …`, `FAILED …`.
    package var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }
}
