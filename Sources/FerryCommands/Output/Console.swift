#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Where a command writes and what it reads from its surroundings. The real process uses the
/// terminal; tests run commands in-process with a capturing console (`Console.$current`).
package final class Console: Sendable {
    @TaskLocal package static var current = Console.standard

    package static let standard = Console(
        writeOut: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
        writeErr: { text in FileHandle.standardError.write(Data(text.utf8)) },
        readLine: { Swift.readLine(strippingNewline: true) },
        environment: ProcessInfo.processInfo.environment,
        errIsTerminal: isatty(2) == 1,
        workingDirectory: FileManager.default.currentDirectoryPath,
        terminalColumns: Console.standardErrorColumns)

    let writeOut: @Sendable (String) -> Void
    let writeErr: @Sendable (String) -> Void
    let readLineFunction: @Sendable () -> String?
    package let environment: [String: String]
    /// Progress bars are drawn only when stderr is a terminal.
    package let errIsTerminal: Bool
    /// Where relative paths resolve: the process's real working directory (getcwd), never a
    /// possibly stale `$PWD`; an in-process run gives its own.
    package let workingDirectory: String
    /// The width of the terminal behind stderr now (it follows resizes).
    let terminalColumns: @Sendable () -> Int

    package init(writeOut: @escaping @Sendable (String) -> Void, writeErr: @escaping @Sendable (String) -> Void,
                readLine: @escaping @Sendable () -> String?, environment: [String: String], errIsTerminal: Bool,
                workingDirectory: String, terminalColumns: @escaping @Sendable () -> Int = { 80 }) {
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.readLineFunction = readLine
        self.environment = environment
        self.errIsTerminal = errIsTerminal
        self.workingDirectory = workingDirectory
        self.terminalColumns = terminalColumns
    }

    /// stderr's terminal width (TIOCGWINSZ), else `$COLUMNS`, else 80.
    @Sendable static func standardErrorColumns() -> Int {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 80
    }

    /// Results: stdout.
    package func out(_ text: String) { writeOut(Self.redact(text) + "\n") }
    /// Progress, notes and errors: stderr.
    package func err(_ text: String) { writeErr(Self.redact(text) + "\n") }
    func errRaw(_ text: String) { writeErr(Self.redact(text)) }

    /// Hides credentials written into URLs (`https://user:password@host/…` → `https://***@host/…`).
    /// Everything Ferry prints passes through here, so no message, plan or report can show one.
    package static func redact(_ text: String) -> String {
        guard text.contains("@") else { return text }
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += redactBare(rest[..<scheme.upperBound])
            rest = rest[scheme.upperBound...]
            // The authority ends at the first '/', whitespace, quote or end of text.
            let end = rest.firstIndex { "/ \t\n\"'".contains($0) } ?? rest.endIndex
            if let at = rest[..<end].lastIndex(of: "@") {
                out += "***"
                rest = rest[at...]
            }
        }
        return out + redactBare(rest)
    }

    /// `user:secret@host` without a scheme (a URL typed without `http://`). An image reference's
    /// `name:tag@sha256:…` is left alone: what follows its `@` is a digest, not a host.
    static func redactBare(_ text: Substring) -> String {
        guard text.contains("@") else { return String(text) }
        var out = ""
        var token = ""
        func flush() {
            if let at = token.lastIndex(of: "@"), let colon = token[..<at].firstIndex(of: ":"),
               !token[..<at].contains("/"), colon > token.startIndex,
               !token[token.index(after: at)...].hasPrefix("sha256:"), !token[token.index(after: at)...].hasPrefix("sha512:") {
                let start = token[..<colon].lastIndex(where: { "=(<[{,;".contains($0) }).map { token.index(after: $0) } ?? token.startIndex
                out += token[..<start] + "***" + token[at...]
            } else {
                out += token
            }
            token = ""
        }
        for character in text {
            if " \t\n\"'".contains(character) {
                flush()
                out.append(character)
            } else {
                token.append(character)
            }
        }
        flush()
        return out
    }

    package func readLine() -> String? { readLineFunction() }
}

/// A console that keeps what was written, for tests and for the in-process runner.
package final class CapturingConsole: Sendable {
    private final class Buffers: Sendable {
        let state = Mutex<(out: String, err: String)>(("", ""))
    }

    private let buffers = Buffers()
    package let console: Console

    /// `workingDirectory` defaults to the environment's `PWD` (tests run commands "in" a directory that way).
    package init(environment: [String: String], stdin: String? = nil, workingDirectory: String? = nil) {
        let buffers = self.buffers
        let lines = Mutex<[String]>(stdin.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? [])
        console = Console(
            writeOut: { text in buffers.state.withLock { $0.out += text } },
            writeErr: { text in buffers.state.withLock { $0.err += text } },
            readLine: { lines.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
            environment: environment,
            errIsTerminal: false,
            workingDirectory: workingDirectory ?? environment["PWD"] ?? FileManager.default.currentDirectoryPath)
    }

    package var stdout: String { buffers.state.withLock { $0.out } }
    package var stderr: String { buffers.state.withLock { $0.err } }
}
