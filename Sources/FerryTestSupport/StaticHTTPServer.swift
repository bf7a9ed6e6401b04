import Foundation
import Synchronization

/// Serves a directory over plain HTTP on a free loopback port (Python's http.server), as a
/// classic chart repository is served: `index.yaml` and the packages beside it.
public final class StaticHTTPServer: Sendable {
    public let url: String
    private let process: Mutex<Process?>

    public init(directory: String) throws {
        let port = try LiveRegistry.freePort()
        url = "http://127.0.0.1:\(port)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Subprocess.require("python3"))
        process.arguments = ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = Mutex(process)
        for _ in 0..<200 {
            if LiveRegistry.canConnect(port: port) { return }
            usleep(50_000)
        }
        process.stopForTest()
        throw TestSupportError("python3 -m http.server did not start")
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }
}
