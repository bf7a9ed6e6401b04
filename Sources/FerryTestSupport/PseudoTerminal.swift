import FerryCore
import Foundation

/// Runs a program on a pseudo-terminal of a chosen width (through `Resources/pty_run.py`), as an
/// operator's terminal would: what a progress bar draws there is returned raw.
package enum PseudoTerminal {
    static let script = TestResources.text("pty_run.py")

    package struct Result: Sendable {
        package var status: Int32
        /// Everything written to the terminal, stdout and stderr together, escape sequences kept.
        package var output: String

        package init(status: Int32, output: String) {
            self.status = status
            self.output = output
        }

        /// Each state the terminal's current line was drawn in: the text after every carriage
        /// return, up to the next carriage return or newline, escape sequences removed.
        package var drawnLines: [String] {
            // By bytes: Swift's String holds "\r\n" (the terminal's newline) as one character.
            let plain = output.replacingOccurrences(of: "\u{1B}[2K", with: "")
            return plain.utf8.split(whereSeparator: { $0 == 0x0D || $0 == 0x0A }).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// `program arguments…` on a terminal `columns` wide (resized once to `resize.columns` after
    /// `resize.seconds`, when given), off the cooperative pool. The output marks the resize with a
    /// `<<resized>>` line.
    package static func run(columns: Int, resize: (seconds: Double, columns: Int)? = nil, _ program: String, _ arguments: [String],
                            environment: [String: String]) async throws -> Result {
        let dir = try TemporaryDirectory("pty")
        let runner = try dir.write("pty_run.py", script)
        let python = try Subprocess.require("python3")
        let output = try await Blocking.waiting {
            let resizing = resize.map { ["--resize-after", String($0.seconds), String($0.columns)] } ?? []
            return try ChildProcess.run(python, [runner, String(columns)] + resizing + [program] + arguments, environment: environment)
        }
        return Result(status: output.status, output: output.stdout)
    }
}
