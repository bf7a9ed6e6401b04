#if canImport(Glibc)
import Glibc
#endif
import FerryCore
import Foundation
import Logging
import Synchronization

/// Ferry's logging: one swift-log handler, bootstrapped once by the executable (and by the
/// in-process test runner). What a handler does with a line depends on the command that is
/// running — its `LogSession`, carried as a task local: `--log-file` gets every line with a
/// timestamp, `--verbose` shows notes on standard error; secrets are redacted in both.
package enum FerryLogging {
    private static let bootstrapped = Mutex(false)

    /// Installs Ferry's handler for every `Logger`; later calls do nothing.
    package static func bootstrap() {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first { LoggingSystem.bootstrap { label in FerryLogHandler(label: label) } }
    }

    /// The logger for a command's own lines.
    static let commands = Logger(label: "ferry")
}

/// Where one command's log lines go.
package struct LogSession: Sendable {
    @TaskLocal package static var current: LogSession?

    let file: LogFile?
    /// Notes (`info` and above) shown on standard error, as `--verbose` asks.
    let console: Console?

    func emit(_ level: Logger.Level, _ line: String, message: String) {
        file?.write(line)
        if let console, level >= .info, level < .warning { console.err("note: \(message)") }
    }
}

/// An append-only log file, written one whole line at a time from any task.
package final class LogFile: Sendable {
    let path: String
    private let descriptor: Mutex<Int32>

    init(path: String) throws {
        // Owner-only: a debug log names hosts, users and paths.
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CoreError(.io, "cannot open the log file \(path): \(String(cString: strerror(errno)))", cause: SystemError(errno))
        }
        self.path = path
        descriptor = Mutex(fd)
    }

    deinit { descriptor.withLock { _ = close($0) } }

    func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        // A log line that cannot be written is dropped: logging never fails the command.
        descriptor.withLock { fd in _ = bytes.withUnsafeBytes { writeAll(fd, $0) } }
    }
}

/// Formats a log event and hands it to the running command's session (nothing without one).
struct FerryLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard let session = LogSession.current else { return }
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
        let message = "\(event.message)" + (fields.isEmpty ? "" : " \(fields)")
        let stamp = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        session.emit(event.level, Console.redact("\(stamp) \(event.level) \(label): \(message)"), message: message)
    }
}
