import ArgumentParser
import FerryArchive
import FerryOCI
import FerryRegistry
import FerrySync
import Foundation

extension Ferry {
    /// `ferry copy`: one image between registries and archives, every digest kept.
    package struct Copy: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Copy one image or index between registries and archives, its manifest bytes (and so its digest) unchanged.",
            discussion: """
                SRC and DST are named as skopeo names them: docker://HOST/REPO:TAG (or @DIGEST), oci:DIR[:REF], \
                oci-archive:FILE[:REF] and docker-archive:FILE[:REF]. REF picks an image of an archive that holds \
                several, and names the image in the archive written.

                Of an index, the host's platform is copied (as skopeo does) unless --all (every platform: the index \
                itself) or --platform (those platforms; one: that platform's manifest, several: a new index of them). \
                Registry to registry, blobs stream from one to the other and nothing is stored here; only blobs the \
                destination lacks are sent. --with-signatures copies the image's cosign signatures, attestations \
                and SBOMs (sha256-<hex>.sig/.att/.sbom) and its OCI referrers too.

                A docker-archive written by Ferry also holds an OCI view with every platform kept; docker load and \
                podman load read its manifest.json (one platform), ctr import and ferry read the OCI view.

                Examples:
                  ferry copy docker://quay.io/org/app:1.2 docker://harbor.local/lib/app:1.2 \\
                      --all --with-signatures
                  ferry copy docker://harbor.local/lib/app:1.2 oci-archive:app.tar:1.2 --all
                  ferry copy docker-archive:app.tar docker://10.0.0.5:5000/lib/app:1.2
                  ferry copy oci:./layout:app docker://harbor.local/lib/app:1.2 \\
                      --platform linux/arm64
                """)

        @Argument(help: ArgumentHelp("Where the image is: docker://…, oci:…, oci-archive:…, docker-archive:….", valueName: "src"))
        package var source: String

        @Argument(help: ArgumentHelp("Where it goes: docker://…, oci:…, oci-archive:…, docker-archive:….", valueName: "dst"))
        package var destination: String

        @Flag(name: .long, help: "Copy every platform of an index (the index itself, its digest kept).")
        package var all = false

        @Option(name: .long, help: ArgumentHelp("Copy only this platform of an index (repeatable).", valueName: "os/arch[/variant]"))
        package var platform: [Platform] = []

        @Flag(name: .long, help: "Also copy the image's signatures, attestations, SBOMs and OCI referrers.")
        package var withSignatures = false

        @Flag(name: .long, help: "Push even when the destination tag points at another digest (the tag moves).")
        package var force = false

        @Option(name: .long, help: "Blobs transferred at once.")
        package var concurrency: Int = 4

        @OptionGroup(title: "Registry") package var registryOptions: RegistryOptions
        @OptionGroup(title: "Link") package var transport: TransportOptions
        @OptionGroup(title: "Link") package var chunks: ChunkOptions
        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func validate() throws {
            guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
            if all && !platform.isEmpty { throw ValidationError("--all and --platform cannot be used together") }
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .copy) { try await execute() }
        }

        func execute() async throws {
            let console = Console.current
            let started = ContinuousClock.now
            let from = try absolute(try CopyLocation(parsing: source))
            let to = try absolute(try CopyLocation(parsing: destination))
            var options = ImageCopier.Options()
            options.platforms = all ? .all : platform.isEmpty ? .host : .only(platform)
            options.withSignatures = withSignatures
            options.force = force
            options.concurrency = concurrency
            options.retry = transport.retry
            options.chunkSize = chunks.chunkSize
            options.access = try registryOptions.access(console: console)
            options.cacheDirectory = LayerCompressor.defaultCacheDirectory(environment: console.environment)
            let renderer = PushRenderer(console: console, options: output)
            let result = try await ImageCopier(options: options, events: renderer.sink).copy(from, to: to)
            renderer.end()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if output.output == .json {
                console.out(JSONLines.event("copy", CopyDocument(result: result, seconds: seconds)))
                return
            }
            let platforms = result.platforms.isEmpty ? "" : " [\(result.platforms.joined(separator: ", "))]"
            let artifacts = result.artifacts.isEmpty ? "" : ", \(result.artifacts.count) signature(s)/referrer(s)"
            var sent = ""
            if let push = result.push {
                sent = String(format: "; %d blob(s) sent (%@), %d already there", push.blobsUploaded, ByteCount.format(push.bytesUploaded),
                              push.blobsPresent + push.blobsMounted)
            }
            console.out(String(format: "Copied %@ → %@: %@%@%@%@; %.1f s", result.source, result.destination, result.digest, platforms,
                               artifacts, sent, seconds))
        }

        /// Archive paths made absolute against the working directory.
        func absolute(_ location: CopyLocation) throws -> CopyLocation {
            let cwd = Console.current.workingDirectory
            func full(_ path: String) -> String { path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path) }
            switch location {
            case .registry: return location
            case .ociDirectory(let path, let reference): return .ociDirectory(path: full(path), reference: reference)
            case .ociArchive(let path, let reference): return .ociArchive(path: full(path), reference: reference)
            case .dockerArchive(let path, let reference): return .dockerArchive(path: full(path), reference: reference)
            }
        }
    }
}
