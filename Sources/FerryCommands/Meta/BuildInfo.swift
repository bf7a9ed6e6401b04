import Synchronization

/// What `ferry version` reports: Ferry's version, the commit the executable was built from (the
/// executable sets it at start from what its build recorded), and the Swift that compiled it.
package enum BuildInfo {
    package static let version = "0.1.0"

    private static let recordedCommit = Mutex("unknown")
    package static var commit: String {
        get { recordedCommit.withLock { $0 } }
        set { recordedCommit.withLock { $0 = newValue } }
    }

    package static var swiftVersion: String {
        #if compiler(>=6.5)
        "6.5 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }
}
