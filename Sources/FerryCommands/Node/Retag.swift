import ArgumentParser
import FerryArchive
import FerryCore
import FerryNode
import FerryOCI
import Foundation

extension Ferry {
    /// `ferry retag`: an archive whose image names are the relocated ones.
    package struct Retag: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Write an image archive whose names are relocated, for docker load, ctr image import or podman load.",
            discussion: """
                The archive holds each image once, with its original layer bytes and digests, under the names the \
                chart expects (<registry>/<repository>/<last path element>:<tag>, the rule sync uses). It is both \
                an OCI layout (index.json, read by ctr and Docker ≥ 25) and a docker save archive (manifest.json, \
                read by older docker and podman), so every loader gives the same names. Nothing is extracted.

                Examples:
                  ferry retag spidernet_0.8.0.bundle.tar --registry 10.16.23.145 \\
                      --repository release.daocloud.io/spidernet -o nodes.tar
                  ferry retag images.tar --registry harbor.local --repository proj \\
                      --keep-original-names -o - | ctr -n k8s.io images import -
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        package var sources: [String]

        @Option(name: .long, help: ArgumentHelp("Registry of the new names, host[:port].", valueName: "host[:port]"))
        package var registry: String

        @Option(name: .long, help: ArgumentHelp("Repository prefix of the new names.", valueName: "prefix"))
        package var repository: String = ""

        @Option(name: [.customShort("o"), .customLong("out")], help: ArgumentHelp("The archive to write ('-' for standard output).", valueName: "file"))
        package var output: String

        @Flag(name: .long, help: "Keep the source names as extra tags.")
        package var keepOriginalNames = false

        @Option(name: .long, help: ArgumentHelp("From multi-platform images take only this platform (os/arch[/variant]).", valueName: "platform"))
        package var platform: Platform?

        @OptionGroup(title: "Output") package var outputOptions: OutputOptions

        package init() {}

        package func run() async throws {
            try await reportingErrors(outputOptions, advice: .retag) {
                let console = Console.current
                let compressor = makeCompressor(writesCache: true)
                let opened = try await openSources(sources, compressor: compressor, output: outputOptions)
                let (images, refused) = try NodeImageSelection(registry: registry, repository: repository, keepOriginalNames: keepOriginalNames,
                                                    platform: platform).images(opened)
                let writer = NodeArchiveWriter(compressor: compressor)
                // Reads, hashes and perhaps gzips every blob: the thread pool's work.
                let destination = output
                try await Blocking.run {
                    if destination == "-" {
                        try writer.write(images, to: StandardOutputSink())
                    } else {
                        let sink = try AtomicFileSink(path: destination)
                        try writer.write(images, to: sink)
                        try sink.commit()
                    }
                }
                for problem in refused where outputOptions.output == .text || output == "-" { console.err("failed: \(problem)") }
                if output != "-" {
                    if outputOptions.output == .json {
                        console.out(JSONLines.event("archive.written", RetagDocument(archive: output, images: images.map { $0.names.map(\.description) },
                                                             refused: refused.map(\.message))))
                    } else if !outputOptions.quiet {
                        for image in images { console.out("\(image.names.map(\.description).joined(separator: ", "))  \(image.root.digest.short)") }
                        console.out("Wrote \(output): \(images.count) image(s)" + (refused.isEmpty ? "" : ", \(refused.count) refused"))
                    }
                }
                if !refused.isEmpty { throw ExitCode(ExitStatus.partialFailure) }
            }
        }
    }
}

/// Standard output as a byte sink, for `-o -`.
final class StandardOutputSink: ByteSink {
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try FileHandle.standardOutput.write(contentsOf: Data(bytes))
    }
}
