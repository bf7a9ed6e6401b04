import ArgumentParser
import FerryArchive
import FerryCharts
import FerryCore
import FerryOCI
import FerryRegistry
import FerrySync

/// Ferry's exit codes, documented in `ferry --help` and the README.
public enum ExitStatus {
    /// Everything done.
    public static let success: Int32 = 0
    /// The command ran but some items failed (images not pushed, blobs that do not verify).
    public static let partialFailure: Int32 = 1
    /// The input is unusable: a source that cannot be read or is malformed.
    public static let invalidInput: Int32 = 2
    /// The registry cannot be used: unreachable, TLS, authentication or permission.
    public static let registryFailure: Int32 = 3
    /// Wrong command-line usage (ArgumentParser's code).
    public static let usage: Int32 = 64

    static let help = """
        Exit codes:
          0   success
          1   the command ran, but some items failed (see the report), or helm refused
          2   the input cannot be used (unreadable, malformed or hostile archive; invalid config)
          3   the registry cannot be used (unreachable, TLS, authentication, permission)
          64  wrong usage
        """

    static func code(for error: any Error) -> Int32 {
        switch error {
        case is RegistryError: return registryFailure
        case is ArchiveError, is OCIError, is ChartsError: return invalidInput
        case let error as CoreError: return error.code == .io ? invalidInput : partialFailure
        case let error as SyncError: return error.code == .failed ? partialFailure : invalidInput
        default: return partialFailure
        }
    }
}

/// Runs a command body; a domain error is printed (text or JSON) and becomes its exit code.
func reportingErrors(_ output: OutputOptions, _ body: () async throws -> Void) async throws {
    let console = Console.current
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as ValidationError {
        throw error
    } catch is CancellationError {
        console.err("error: cancelled")
        throw ExitCode(130)
    } catch {
        let code = ExitStatus.code(for: error)
        if output.output == .json {
            struct Failure: Encodable {
                var event = "error"
                var message: String
                var exitCode: Int32
            }
            console.out(JSONLines.encode(Failure(message: String(describing: error), exitCode: code)))
        }
        console.err("error: \(error)")
        throw ExitCode(code)
    }
}
