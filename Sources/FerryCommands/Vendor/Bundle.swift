import ArgumentParser
import FerryArchive
import FerryCore
import FerryOCI
import FerryRegistry
import FerrySync
import Foundation

extension Ferry {
    /// `ferry bundle`: the vendor's side, a chart and its images as an offline bundle.
    package struct Bundle: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Make an offline bundle (<name>-<version>.bundle.tar) of a chart and every image its hints name.",
            discussion: """
                CHART is REPO/CHART (with --repo-url), oci://host/path/chart, a chart directory or a packaged .tgz. \
                The chart's .relok8s-images.yaml (or --hints FILE) names its images; each is pulled from its \
                registry as stored there: the manifest and index bytes unchanged, every platform (unless \
                --platform), and its signatures, attestations and referrers (unless --skip-artifacts).

                The bundle holds hints.yaml, original-chart/ and images.tar, laid out as charts-syncer and relok8s \
                write them, so they (and docker load, ctr import, podman load, skopeo) read it; images.tar also \
                holds an OCI view that keeps every digest, which ferry push and ferry sync use. The same inputs \
                give the same bytes. A bundle already in DIR is left as it is (--force makes it again); a run that \
                stops leaves no partial bundle, and the next run reuses the blobs already fetched.

                Examples:
                  ferry bundle ./charts/spiderpool -o ./offline
                  ferry bundle spiderpool/spiderpool -o ./offline --naming fork \\
                      --repo-url https://spidernet-io.github.io/spiderpool
                  ferry bundle oci://harbor.local/charts/spiderpool -o ./offline \\
                      --platform linux/amd64 --platform linux/arm64
                  ferry bundle app-1.2.3.tgz --hints app-images.yaml -o ./offline
                """)

        @Argument(help: ArgumentHelp("The chart: REPO/CHART, oci://host/path/chart, a directory or a .tgz.", valueName: "chart"))
        package var chart: String

        @Option(name: [.customShort("o"), .customLong("output-dir")], help: ArgumentHelp("Directory to write the bundle into (created if missing).", valueName: "dir"))
        package var outputDirectory: String

        @Option(name: .long, help: ArgumentHelp("The chart repository's URL, for CHART given as REPO/CHART.", valueName: "url"))
        package var repoURL: String?

        @Option(name: .long, help: ArgumentHelp("The chart version (default: the newest stable one).", valueName: "version"))
        package var version: String?

        @Flag(name: .long, help: "Consider prerelease versions when choosing the newest.")
        package var devel = false

        @Option(name: .long, help: ArgumentHelp("Image hints to use instead of the chart's .relok8s-images.yaml.", valueName: "file"))
        package var hints: String?

        @Option(name: .long, help: ArgumentHelp("Bundle file name: upstream (<name>-<version>.bundle.tar, charts-syncer) or fork (<name>_<version>.bundle.tar, the DaoCloud fork).", valueName: "upstream|fork"))
        package var naming: BundleBuilder.Naming = .upstream

        @Option(name: .long, help: ArgumentHelp("Keep only this platform of each image (repeatable). Default: every platform.", valueName: "os/arch[/variant]"))
        package var platform: [Platform] = []

        @Flag(name: .long, help: "Leave out signatures, attestations and referrers.")
        package var skipArtifacts = false

        @Flag(name: .long, help: "Make the bundle again even when DIR already has it.")
        package var force = false

        @Option(name: .long, help: "Blobs fetched at once, across all images.")
        package var concurrency: Int = 4

        @OptionGroup(title: "Registry") package var registryOptions: RegistryOptions
        @OptionGroup(title: "Link") package var transport: TransportOptions
        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func validate() throws {
            guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .bundle) { try await execute() }
        }

        func execute() async throws {
            let console = Console.current
            let started = ContinuousClock.now
            let directory = absolute(outputDirectory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let access = try registryOptions.access(console: console)
            let loader = BundleChartLoader(repoURL: repoURL, version: version, devel: devel, hintsFile: hints.map(absolute),
                                           access: access, retry: transport.retry)
            let staging = (directory as NSString).appendingPathComponent(".ferry-staging")
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            // Held while this run fetches into it: another run into the same directory shares it.
            let hold = try FileLock.Shared(staging)
            let verbose = output.verbose && output.output == .text
            let renderer = PushRenderer(console: console, options: output)
            let result = try await access.withTransport(connectionsPerHost: concurrency) { link in
                let chart = try await loader.load(chart, transport: link)
                var puller = ImagePuller(pool: RegistryPool(transport: link, credentials: access.credentials, retry: transport.retry),
                                         store: try BlobStore(root: staging + "/blobs"), platforms: platform,
                                         withArtifacts: !skipArtifacts, concurrency: concurrency,
                                         log: { line in if verbose { console.err(line) } })
                puller.events = renderer.sink
                return try await BundleBuilder(puller: puller).build(chart, into: directory, naming: naming, replace: force)
            }
            renderer.end()
            // The fetched blobs are kept only for a run that has to be resumed, or one still working.
            if hold.isAlone() { try? FileManager.default.removeItem(atPath: staging) }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if output.output == .json {
                console.out(JSONLines.event("bundle", BundleDocument(result, seconds: seconds)))
                return
            }
            if result.skipped {
                console.out("\(result.path) is already there; left as it is (--force makes it again)")
                return
            }
            if !output.quiet {
                for image in result.images {
                    let platforms = image.image.platforms.isEmpty ? "" : " [\(image.image.platforms.map(\.description).joined(separator: ", "))]"
                    let artifacts = image.image.artifacts.isEmpty ? "" : ", \(image.image.artifacts.count) signature(s)/referrer(s)"
                    console.err("  \(image.name) \(image.image.root.digest.short)\(platforms)\(artifacts)")
                }
            }
            console.out(String(format: "Bundle: %@ (%@ %@, %d image(s), %@); %.1f s", result.path, result.name, result.version,
                               result.images.count, ByteCount.format(result.bytes), seconds))
        }

        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (Console.current.workingDirectory as NSString).appendingPathComponent(path)
        }
    }
}

extension BundleBuilder.Naming: ExpressibleByArgument {}
