import Foundation
import Synchronization

/// Injected network faults, which nothing real produces on demand: an HTTP proxy in front of a
/// real registry that answers the first matching requests with an error status (and `Retry-After`,
/// in seconds or as a date), drops the connection, or stalls mid-body in either direction, then
/// forwards everything. Written in Python (stdlib only).
package final class FaultProxy: Sendable {
    package enum Fault: Sendable {
        /// Answer with this status (503, 429, 500…) and an optional `Retry-After` in seconds.
        case status(Int, retryAfter: Int?)
        /// Answer with this status and `Retry-After` as an HTTP date this many seconds ahead.
        case statusRetryAfterDate(Int, seconds: Int)
        /// Close the connection without answering.
        case reset
        /// Read half the request body, then stop reading and never answer.
        case stallRequest
        /// Send the response headers and half a body, then stop sending.
        case stallResponse
        /// Forward the headers and half the body to the registry, then drop both connections.
        case cutMidway
        /// Forward the request, send back the registry's headers and half its body, then drop the connection.
        case cutResponse
    }

    package let host: String
    package let logFile: String
    private let process: Mutex<Process?>
    private let directory: TemporaryDirectory

    /// Proxies to `registry`; of the requests whose method is `method` and whose path contains
    /// `pathContains`, the first `skip` pass, and the `count` after them get `fault`.
    package init(to registry: LiveRegistry, fault: Fault, count: Int, method: String, pathContains: String, skip: Int = 0) throws {
        directory = try TemporaryDirectory("fault-proxy")
        let port = try LiveRegistry.freePort()
        host = "127.0.0.1:\(port)"
        let script = try directory.write("fault_proxy.py", Self.script)
        logFile = directory.file("proxy.log")
        let faultArgument: String
        switch fault {
        case .status(let code, let retryAfter): faultArgument = "status:\(code):\(retryAfter.map(String.init) ?? "")"
        case .statusRetryAfterDate(let code, let seconds): faultArgument = "status:\(code):date+\(seconds)"
        case .reset: faultArgument = "reset"
        case .stallRequest: faultArgument = "stall-request"
        case .stallResponse: faultArgument = "stall-response"
        case .cutMidway: faultArgument = "cut-midway"
        case .cutResponse: faultArgument = "cut-response"
        }
        process = Mutex(try startServer(try Subprocess.require("python3"),
                                        [script, String(port), registry.host, faultArgument, String(count), method, pathContains, String(skip)],
                                        port: port, log: logFile, what: "the fault proxy"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }

    /// One line per request: `fault METHOD PATH` or `pass METHOD PATH STATUS RANGE`.
    package var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The program, from `Resources/fault_proxy.py` (kept as a Python file so it can be read and linted as one).
    static let script = TestResources.text("fault_proxy.py")
}
