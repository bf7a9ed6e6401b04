#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Where a command writes and what it reads from its surroundings. The real process uses the
/// terminal; tests run commands in-process with a capturing console (`Console.$current`).
public final class Console: Sendable {
    @TaskLocal public static var current = Console.standard

    public static let standard = Console(
        writeOut: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
        writeErr: { text in FileHandle.standardError.write(Data(text.utf8)) },
        readLine: { Swift.readLine(strippingNewline: true) },
        environment: ProcessInfo.processInfo.environment,
        errIsTerminal: isatty(2) == 1)

    let writeOut: @Sendable (String) -> Void
    let writeErr: @Sendable (String) -> Void
    let readLineFunction: @Sendable () -> String?
    public let environment: [String: String]
    /// Progress bars are drawn only when stderr is a terminal.
    public let errIsTerminal: Bool

    public init(writeOut: @escaping @Sendable (String) -> Void, writeErr: @escaping @Sendable (String) -> Void,
                readLine: @escaping @Sendable () -> String?, environment: [String: String], errIsTerminal: Bool) {
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.readLineFunction = readLine
        self.environment = environment
        self.errIsTerminal = errIsTerminal
    }

    /// Results: stdout.
    public func out(_ text: String) { writeOut(Self.redact(text) + "\n") }
    /// Progress, notes and errors: stderr.
    public func err(_ text: String) { writeErr(Self.redact(text) + "\n") }
    func errRaw(_ text: String) { writeErr(Self.redact(text)) }

    /// Hides credentials written into URLs (`https://user:password@host/…` → `https://***@host/…`).
    /// Everything Ferry prints passes through here, so no message, plan or report can show one.
    public static func redact(_ text: String) -> String {
        guard text.contains("://") else { return text }
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            // The authority ends at the first '/', whitespace, quote or end of text.
            let end = rest.firstIndex { "/ \t\n\"'".contains($0) } ?? rest.endIndex
            if let at = rest[..<end].lastIndex(of: "@") {
                out += "***"
                rest = rest[at...]
            }
        }
        return out + rest
    }
    public func readLine() -> String? { readLineFunction() }
}

/// A console that keeps what was written, for tests and for the in-process runner.
public final class CapturingConsole: Sendable {
    private final class Buffers: Sendable {
        let state = Mutex<(out: String, err: String)>(("", ""))
    }

    private let buffers = Buffers()
    public let console: Console

    public init(environment: [String: String], stdin: String? = nil) {
        let buffers = self.buffers
        let lines = Mutex<[String]>(stdin.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? [])
        console = Console(
            writeOut: { text in buffers.state.withLock { $0.out += text } },
            writeErr: { text in buffers.state.withLock { $0.err += text } },
            readLine: { lines.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
            environment: environment,
            errIsTerminal: false)
    }

    public var stdout: String { buffers.state.withLock { $0.out } }
    public var stderr: String { buffers.state.withLock { $0.err } }
}
