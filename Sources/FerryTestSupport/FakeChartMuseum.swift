import Foundation
import Synchronization

/// A stand-in for ChartMuseum and for Harbor ≤ 2.7's chart repository (no real one is packaged
/// here). It implements the upload API Ferry uses and checks the multipart form exactly: one part,
/// field `chart`, a `.tgz` file name, a gzipped chart inside. It can also play a Harbor ≥ 2.8,
/// which answers 404 for every chart repository path.
package final class FakeChartMuseum: Sendable {
    package enum Flavor: String, Sendable {
        case chartmuseum
        case harbor
        /// Harbor 2.8 and later: no chart repository at all.
        case harbor28
    }

    package let flavor: Flavor
    package let host: String
    package let project = "library"
    package let username = "chart-user"
    package let password = "chart-Secret-77"
    package let storage: String
    private let directory: TemporaryDirectory
    private let process: Mutex<Process?>

    package init(_ flavor: Flavor) throws {
        self.flavor = flavor
        directory = try TemporaryDirectory("chartmuseum")
        storage = directory.file("charts")
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let port = try LiveRegistry.freePort()
        host = "127.0.0.1:\(port)"
        let script = try directory.write("fake_chartmuseum.py", Self.script)
        process = Mutex(try startServer(try Subprocess.require("python3"),
                                        [script, String(port), flavor.rawValue, project, username, password, storage],
                                        port: port, log: directory.file("log"), what: "the fake ChartMuseum"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }

    /// The repository URL a charts-syncer config names for this server.
    package var url: String {
        flavor == .chartmuseum ? "http://\(host)" : "http://\(host)/chartrepo/\(project)"
    }

    /// The packages stored, by file name.
    package var charts: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: storage)) ?? []).filter { $0.hasSuffix(".tgz") }.sorted()
    }

    /// One line per request: `METHOD PATH STATUS note`.
    package var log: String {
        (try? String(contentsOfFile: directory.file("log"), encoding: .utf8)) ?? ""
    }

    /// The program, from `Resources/fake_chartmuseum.py` (kept as a Python file so it can be read and linted as one).
    static let script = TestResources.text("fake_chartmuseum.py")
}
