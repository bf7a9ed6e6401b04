import ArgumentParser
import FerryArchive
import FerryCharts
import FerryCore
import FerryOCI
import FerryRegistry
import FerrySync
import Foundation

/// Ferry's exit codes, documented in `ferry --help` and the README.
package enum ExitStatus {
    /// Everything done.
    package static let success: Int32 = 0
    /// The command ran but some items failed (images not pushed, blobs that do not verify).
    package static let partialFailure: Int32 = 1
    /// The input is unusable: a source that cannot be read or is malformed.
    package static let invalidInput: Int32 = 2
    /// The registry cannot be used: unreachable, TLS, authentication or permission.
    package static let registryFailure: Int32 = 3
    /// Wrong command-line usage (ArgumentParser's code).
    package static let usage: Int32 = 64

    static let help = """
        Exit codes:
          0   success
          1   the command ran, but some items failed (see the report), or helm refused
          2   the input cannot be used (unreadable, malformed or hostile archive; invalid config)
          3   the registry cannot be used (unreachable, TLS, authentication, permission)
          64  wrong usage
        """

    /// The exit code follows from the error's kind, never from its type or text.
    static func code(for error: any Error) -> Int32 {
        guard let error = error as? any FerryError else { return partialFailure }
        switch error.kind {
        case .invalidInput: return invalidInput
        case .registry: return registryFailure
        case .failed: return partialFailure
        }
    }
}

/// Runs a command body; a domain error is printed (text or JSON) and becomes its exit code.
/// `advice` adds the command's own hint (in its own options) to the error's. The body runs in
/// the command's log session: `--log-file` and `--verbose` decide where log lines go.
func reportingErrors(_ output: OutputOptions, advice: CommandAdvice, _ body: () async throws -> Void) async throws {
    let console = Console.current
    var file: LogFile?
    if let path = output.logFile {
        let absolute = path.hasPrefix("/") ? path : (console.workingDirectory as NSString).appendingPathComponent(path)
        do {
            file = try LogFile(path: absolute)
        } catch {
            console.err("error: \(error)")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
    let session = LogSession(file: file, console: output.verbose && output.output == .text ? console : nil)
    let log = FerryLogging.commands
    try await LogSession.$current.withValue(session) {
        log.debug("ferry \(advice) started", metadata: ["cwd": "\(console.workingDirectory)", "version": "\(Ferry.configuration.version)"])
        do {
            try await body()
            log.debug("ferry \(advice) finished", metadata: ["exit": "0"])
        } catch let exit as ExitCode {
            log.debug("ferry \(advice) finished", metadata: ["exit": "\(exit.rawValue)"])
            throw exit
        } catch let error as ValidationError {
            throw error
        } catch is CancellationError {
            console.err("error: cancelled")
            log.debug("ferry \(advice) cancelled", metadata: ["exit": "130"])
            throw ExitCode(130)
        } catch {
            let code = ExitStatus.code(for: error)
            let hint = advice.hint(for: error)
            log.error("\(error)", metadata: ["code": "\((error as? any FerryError)?.codeName ?? "-")", "exit": "\(code)"])
            if output.output == .json {
                console.out(JSONLines.event("error", CommandFailure(message: String(describing: error), code: (error as? any FerryError)?.codeName,
                                                            hint: hint, exitCode: code)))
            }
            console.err("error: \(error)" + (hint.map { "\n  hint: \($0)" } ?? ""))
            throw ExitCode(code)
        }
    }
}
