import ArgumentParser
import FerryArchive
import FerryOCI
import FerryRegistry
import FerrySync
import Foundation
import Logging

extension Ferry {
    /// `ferry push`: stream the images of bundles or archives into a registry.
    package struct Push: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Push the images of a bundle, a directory of bundles, a docker-archive or an OCI layout to a registry.",
            discussion: """
                Each image is named <registry>/<repository>/<last path element of its source name>:<tag>, the rule \
                charts-syncer uses. Blobs go straight from the archive to the registry; blobs the registry already \
                has are skipped, and a blob needed in several repositories is sent once and mounted into the others.

                Examples:
                  ferry push spidernet_0.8.0.bundle.tar --registry 10.16.23.145 \\
                      --repository release.daocloud.io/spidernet
                  ferry push ./offline-bundles --registry harbor.local --repository library \\
                      --ca-file ca.pem
                  ferry push images.tar --registry 127.0.0.1:5000 --repository team --dry-run
                  echo "$PASSWORD" | ferry push app.bundle.tar --registry harbor.local \\
                      --repository proj --username admin --password-stdin
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        package var sources: [String]

        @Option(name: .long, help: ArgumentHelp("Target registry, host[:port] (no scheme).", valueName: "host[:port]"))
        package var registry: String

        @Option(name: .long, help: ArgumentHelp("Repository prefix in the registry, e.g. a Harbor project and path.", valueName: "prefix"))
        package var repository: String = ""

        @Flag(name: .long, help: "Print the plan (images, target names, blobs to send and already present) and send nothing but HEAD requests.")
        package var dryRun = false

        @Flag(name: .long, help: "Push an image even when its target tag points at another digest (the tag moves; without this such an image is refused).")
        package var force = false

        @Option(name: .long, help: "Blobs transferred at once, across all images.")
        package var concurrency: Int = 4

        @Option(name: .long, help: ArgumentHelp("Push only this platform of each image (repeatable); one platform: the tag names that platform's manifest, its original bytes; several: a new index of just those, with a new digest. Default: every platform.",
                                                valueName: "os/arch[/variant]"))
        package var platform: [Platform] = []

        @OptionGroup(title: "Registry") package var registryOptions: RegistryOptions
        @OptionGroup(title: "Harbor") package var harbor: HarborOptions
        @OptionGroup(title: "Link") package var transport: TransportOptions
        @OptionGroup(title: "Link") package var chunks: ChunkOptions
        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func validate() throws {
            guard !registry.contains("://"), !registry.contains("/"), !registry.isEmpty else {
                throw ValidationError("--registry takes host[:port] without a scheme or path, e.g. 10.16.23.145 or harbor.local:8443")
            }
            guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
            let prefix = repository.split(separator: "/").joined(separator: "/")
            if !prefix.isEmpty {
                do {
                    _ = try Reference(registry: registry, repository: prefix + "/x")
                } catch {
                    throw ValidationError("--repository '\(repository)' is not a valid repository path: use lowercase letters, digits, '.', '_', '-' and '/'")
                }
            }
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .push) { try await execute() }
        }

        func execute() async throws {
            let console = Console.current
            let started = ContinuousClock.now
            let compressor = makeCompressor(writesCache: !dryRun)
            let opened = try await openSources(sources, compressor: compressor, output: output)
            let plan = try PushPlan(sources: opened, target: PushTarget(registry: registry, repositoryPrefix: repository), platforms: platform)
            let imageCount = plan.images.reduce(0) { $0 + $1.targets.count }
            if output.output == .text && !output.quiet {
                console.err("Plan: \(imageCount) image(s) from \(opened.count) source(s) → \(registry)/\(repository.isEmpty ? "" : repository + "/")…, \(plan.blobs.count) unique blob(s), \(ByteCount.format(plan.totalBytes))")
                if !dryRun { for note in plan.images.compactMap(\.platformNote) { console.err("note: \(note)") } }
            }

            let access = try registryOptions.access(console: console)
            let credentials = try await access.credentials.credentials(for: registry)
            try await access.withTransport(connectionsPerHost: concurrency) { link in
                let client = try await RegistryClient.connect(host: registry, transport: link, credentials: credentials,
                                                              retry: transport.retry)
                let notes = try await HarborPreflight.run(plan, client: client, credentials: credentials,
                                                          options: .init(create: harbor.autoCreateRepository, isPublic: harbor.projectPublic),
                                                          dryRun: dryRun)
                if output.output == .text && !output.quiet { for note in notes { console.err("note: \(note)") } }
                let probe = try await PushProbe.run(plan, client: client, access: dryRun ? .pull : .push, concurrency: concurrency,
                                                    locations: BlobLocations(cacheDirectory: compressor.cacheDirectory, registry: registry))
                if dryRun {
                    printPlan(plan, probe: probe)
                } else {
                    try await apply(plan, probe: probe, client: client, compressor: compressor, started: started)
                }
            }
        }

        func apply(_ plan: PushPlan, probe: PushProbe, client: RegistryClient, compressor: LayerCompressor,
                   started: ContinuousClock.Instant) async throws {
            let console = Console.current
            if output.output == .json {
                console.out(JSONLines.event("plan", PushPlanDocument(registry: registry, plan: plan, probe: probe, force: force)))
            }
            let renderer = PushRenderer(console: console, options: output)
            renderer.handle(.probed(probe.summary))
            if output.output == .text && !output.quiet {
                let s = probe.summary
                console.err("Registry has \(s.blobsPresent) of \(s.blobs) blob(s); sending \(s.blobsToSend) (\(ByteCount.format(s.bytesToSend))), mounting \(s.blobsToMount)")
            }
            let pusher = ImagePusher(client: client, compressor: compressor, concurrency: concurrency, chunkSize: chunks.chunkSize,
                                     locations: probe.locations, events: renderer.sink)
            let report = await pusher.push(plan, probe: probe, tagMoves: force ? .allow : .refuse(hint: "push --force moves it"))
            renderer.end()
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let pushed = report.count(.pushed) + report.count(.moved)
            let unchanged = report.count(.unchanged)
            let failed = report.count(.failed)
            if output.output == .json {
                console.out(JSONLines.event("summary", PushSummaryDocument(report: report, seconds: seconds, ok: report.succeeded)))
            } else {
                let earlier = report.blobsMountedFromEarlierRuns > 0 ? " (\(report.blobsMountedFromEarlierRuns) from earlier runs)" : ""
                console.out(String(format: "Done: %d pushed, %d unchanged, %d failed; %d blob(s) uploaded (%@), %d mounted%@, %d already present; %.1f s, %@",
                                   pushed, unchanged, failed, report.blobsUploaded, ByteCount.format(report.bytesUploaded),
                                   report.blobsMounted, earlier, report.blobsPresent, seconds,
                                   ByteCount.rate(report.bytesUploaded, seconds: seconds)))
            }
            if !report.succeeded {
                if output.output == .text {
                    console.err("\(report.failures.count) failure(s):")
                    for failure in report.failures { console.err("  - \(failure)") }
                }
                throw ExitCode(ExitStatus.partialFailure)
            }
        }

        func printPlan(_ plan: PushPlan, probe: PushProbe) {
            let console = Console.current
            if output.output == .json {
                console.out(JSONLines.event("plan", PushPlanDocument(registry: registry, plan: plan, probe: probe, force: force)))
                return
            }
            console.out("Dry run: nothing was sent. The push would do this:")
            for planned in plan.images {
                let missing = probe.blobsToSend(for: planned)
                for target in planned.targets {
                    var state = probe.manifests[target.description] == planned.image.root.digest ? "already present" : "push"
                    if let from = probe.tagMove(target, to: planned.image) {
                        state = "tag moves: \(from) → \(planned.image.root.digest)" + (force ? " (--force)" : "; refused without --force")
                    }
                    console.out("  \(target)  ← \(planned.image.sourceNames.first ?? planned.image.origin)")
                    console.out("      \(state); digest \(planned.image.root.digest); \(missing.count) of \(planned.image.blobs.count) blob(s) to send (\(ByteCount.format(missing.reduce(0) { $0 + $1.size })))")
                }
                if let note = planned.platformNote { console.out("      \(note)") }
            }
            for unnamed in plan.unnamed {
                console.out("  cannot push \(unnamed.image.displayName): \(unnamed.image.unnamedProblem)")
            }
            for (planned, problem) in plan.withoutPlatform {
                console.out("  cannot push \(planned.image.displayName): \(problem)")
            }
            let s = probe.summary
            console.out("Total: \(s.images) image(s), \(s.imagesPresent) already present; \(s.blobs) unique blob(s): \(s.blobsToSend) to send (\(ByteCount.format(s.bytesToSend))), \(s.blobsToMount) to mount, \(s.blobsPresent) present (\(ByteCount.format(s.bytesPresent)))")
        }
    }
}
