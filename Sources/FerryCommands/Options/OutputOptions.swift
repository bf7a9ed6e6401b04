import ArgumentParser

/// `--output`, `--quiet`, `--verbose`, `--log-file`: shared by every command.
package struct OutputOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "Output format: text for people, json for automation (JSON lines for progress, then a summary).")
    package var output: OutputFormat = .text

    @Flag(name: .shortAndLong, help: "Print only errors and the final line.")
    package var quiet = false

    @Flag(name: .shortAndLong, help: "Also print skipped entries, retries and each blob as it finishes.")
    package var verbose = false

    @Flag(name: .long, help: "No progress bar on a terminal and no progress lines in a log (results and errors are still printed).")
    package var noProgress = false

    @Option(name: .long, help: ArgumentHelp("Append a full debug log (timestamps, every registry request; secrets redacted) to this file, for support cases.",
                                            valueName: "file"))
    package var logFile: String?

    package init() {}

    package func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
    }
}
