import Foundation

/// A directory that exists for one test and is removed afterwards.
package final class TemporaryDirectory: Sendable {
    package let path: String

    package init(_ label: String = "ferry-test") throws {
        let base = ProcessInfo.processInfo.environment["FERRY_TEST_TMP"] ?? NSTemporaryDirectory()
        path = (base as NSString).appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    package func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    package func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let full = file(name)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: full, contents: Data(bytes)) else {
            throw TestSupportError("cannot write \(full)")
        }
        return full
    }

    package func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }
}

/// A failure of the test harness itself (a tool missing, a server that would not start).
package struct TestSupportError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
