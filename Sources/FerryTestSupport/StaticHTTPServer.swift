import Foundation
import Synchronization

/// Serves a directory over plain HTTP on a free loopback port (Python's http.server), as a
/// classic chart repository is served: `index.yaml` and the packages beside it.
package final class StaticHTTPServer: Sendable {
    package let url: String
    private let process: Mutex<Process?>

    package init(directory: String) throws {
        let port = try LiveRegistry.freePort()
        url = "http://127.0.0.1:\(port)"
        process = Mutex(try startServer(try Subprocess.require("python3"),
                                        ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory],
                                        port: port, log: NSTemporaryDirectory() + "ferry-http-\(port).log", what: "python3 -m http.server"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }
}
