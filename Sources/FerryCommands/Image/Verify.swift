import ArgumentParser
import FerryArchive
import Foundation

extension Ferry {
    /// `ferry verify`: every blob checked against its digest, size and diff_id.
    package struct Verify: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Check every blob of a bundle or archive against its digest and size, and every layer against its diff_id.",
            discussion: """
                Exits 1 and lists each problem when anything does not match; exits 2 when the archive cannot be read at all.

                Examples:
                  ferry verify spidernet_0.8.0.bundle.tar
                  ferry verify images.tar --output json
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        package var sources: [String]

        @Option(name: .long, help: "Blobs checked at once (default: one per core).")
        package var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func run() async throws {
            try await reportingErrors(output, advice: .verify) {
                let console = Console.current
                let opened = try await openSources(sources, compressor: makeCompressor(writesCache: false), output: output)
                var result = await BlobVerifier.verify(opened, concurrency: concurrency)
                if result.blobs == 0 {
                    result.problems.append("\(sources.joined(separator: ", ")): no image found, so nothing was verified")
                    result.ok = false
                }
                let found = result.problems
                if output.output == .json {
                    console.out(JSONLines.event("summary", result))
                } else if found.isEmpty {
                    console.out("OK: \(result.blobs) blob(s), \(ByteCount.format(result.bytes)) verified")
                } else {
                    console.out("\(found.count) problem(s) in \(result.blobs) blob(s):")
                    for problem in found { console.out("  - \(problem)") }
                }
                if !found.isEmpty { throw ExitCode(ExitStatus.partialFailure) }
            }
        }
    }
}
