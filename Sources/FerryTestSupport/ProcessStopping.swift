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
