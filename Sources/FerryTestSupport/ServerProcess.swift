#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension Process {
    /// Kills a test server and waits briefly for it to go. SIGKILL, because a child of the test
    /// runner may inherit an ignored SIGTERM; no run loop, because this runs from deinit.
    func stopForTest() {
        guard isRunning else { return }
        kill(processIdentifier, SIGKILL)
        for _ in 0..<100 where isRunning {
            usleep(20_000)
        }
    }
}

/// Starts a server for a test, its output going to `log`, and waits until it accepts connections
/// on `port` (10 s at most); a server that exits or never listens is an error quoting its log.
func startServer(_ executable: String, _ arguments: [String], port: Int, log: String, what: String) throws -> Process {
    let process = try startDaemon(executable, arguments, log: log)
    for _ in 0..<200 {
        if LiveRegistry.canConnect(port: port) { return process }
        guard process.isRunning else { break }
        usleep(50_000)
    }
    process.stopForTest()
    throw TestSupportError("\(what) did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
}
