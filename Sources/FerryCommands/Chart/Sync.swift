import ArgumentParser
import FerryArchive
import FerryCharts
import FerryOCI
import FerrySync
import Foundation

extension Ferry {
    /// `ferry sync`: charts-syncer's offline import, from the same config file.
    package struct Sync: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Do what charts-syncer does: import bundles (push images, relocate and publish charts), export a chart repository to bundles, or copy between repositories.",
            discussion: """
                Reads a charts-syncer configuration (load-image.yaml) unchanged: source.intermediateBundlesPath, \
                target.containerRegistry / containerRepository / containers.auth, and target.repo of kind LOCAL, \
                CHARTMUSEUM, HARBOR (≤ 2.7) or OCI. Credentials may come from the environment as for charts-syncer: \
                TARGET_CONTAINERS_AUTH_USERNAME/PASSWORD, TARGET_REPO_AUTH_USERNAME/PASSWORD (or TARGET_AUTH_*). \
                The access flags (--username, --ca-file, --cert-file, --insecure…) win over the config file, whose \
                values win over the auth files and credential helpers that ferry login, docker and podman fill.

                Each chart's values.yaml is edited as text (comments and layout kept) so every hinted image points \
                at the target registry; the chart is packaged again and published only after all its images are in \
                the registry. A chart version already in the target is not published again, but its images are \
                still checked and any missing one pushed.

                charts-syncer's connected modes take source.repo (kind HELM, CHARTMUSEUM, HARBOR, OCI or LOCAL, \
                with charts, skipCharts, --latest-version-only and --from-date): with target.intermediateBundlesPath \
                each chart version becomes a bundle there, as ferry bundle makes it (one already there is skipped); \
                with target.repo and relocateContainerImages: true its images are copied registry to registry (blobs \
                streamed through, never stored) and the relocated chart published; without relocateContainerImages \
                the charts are copied unchanged. Source images are pulled with source.containers.auth \
                (SOURCE_CONTAINERS_AUTH_*) for its registry, the chart repository read with source.repo.auth \
                (SOURCE_REPO_AUTH_*).

                Examples:
                  ferry sync --config load-image.yaml --dry-run
                  ferry sync --config load-image.yaml
                  TARGET_CONTAINERS_AUTH_PASSWORD=… ferry sync -c load-image.yaml \\
                      --latest-version-only --output json
                  ferry sync -c load-image.yaml --ca-file harbor-ca.pem \\
                      --auto-create-repository
                  ferry sync -c load-image.yaml --print-images
                  ferry sync -c load-image.yaml --verify
                  ferry sync -c export-bundles.yaml --latest-version-only

                charts-syncer's flags are accepted as its scripts pass them: --skip-dependencies changes \
                nothing and --from-date nothing for bundles (--verbose says why), --workdir is Ferry's cache \
                directory, and klog's -v N, --logtostderr and --alsologtostderr are taken (-v 4 or more \
                is --verbose).
                """)

        @Option(name: [.short, .long], help: ArgumentHelp("The charts-syncer config (default: charts-syncer.yaml in $HOME, then in the current directory).", valueName: "file"))
        package var config: String?

        @Flag(name: .long, help: "Print the plan (per chart: images and bytes to send, values edits, destination) and change nothing.")
        package var dryRun = false

        @Flag(name: .long, help: "Of several versions of a chart, sync only the highest.")
        package var latestVersionOnly = false

        @Flag(name: .long, help: "Relocate and publish the charts without pushing images.")
        package var skipImages = false

        @Flag(name: .long, help: "Publish charts even when the target already has the version (ChartMuseum and LOCAL overwrite), and push images over tags that point at other digests.")
        package var force = false

        @Option(name: [.long, .customLong("workers")], help: "Blobs transferred at once, across all images of all bundles.")
        package var concurrency: Int = 4

        @Option(name: .long, help: ArgumentHelp("Push only this platform of each image (repeatable); one platform: the tag names that platform's manifest; several: a new index of just those. Default: every platform.",
                                                valueName: "os/arch[/variant]"))
        package var platform: [Platform] = []

        @Flag(name: .long, help: "Print the source images each bundle's hints render to, one per line, and exit; nothing is contacted.")
        package var printImages = false

        @Flag(name: .long, help: "Check that each bundle is complete (every hinted image in images.tar, every blob and layer sound) and exit; nothing is contacted or changed.")
        package var verify = false

        @Option(name: .long, help: ArgumentHelp("Skip chart versions a source repository published before this day (its index's created date; UTC midnight). Bundles and OCI charts carry no date and are all synced; a LOCAL source's charts are all skipped, as charts-syncer does.", valueName: "YYYY-MM-DD"))
        package var fromDate: String?

        @Option(name: .long, help: ArgumentHelp("Ferry's cache directory: gzipped layers and where blobs were placed (default: $FERRY_CACHE_DIR, else ~/.cache/ferry).", valueName: "dir"))
        package var workdir: String?

        @Flag(name: .long, help: "Accepted for charts-syncer's scripts: a bundle's chart carries its dependencies, which are relocated with it.")
        package var skipDependencies = false

        /// klog's `-v N` (KlogFlags rewrites it to this).
        @Option(name: .customLong("klog-v"), help: .hidden) package var klogVerbosity: Int?
        @Flag(name: .customLong("logtostderr"), help: .hidden) package var logToStderr = false
        @Flag(name: .customLong("alsologtostderr"), help: .hidden) package var alsoLogToStderr = false

        @OptionGroup(title: "Registry and chart repository (flags win over the config file, which wins over the auth files)")
        package var registryOptions: RegistryOptions
        @OptionGroup(title: "Harbor") package var harbor: HarborOptions
        @OptionGroup(title: "Link") package var transport: TransportOptions
        @OptionGroup(title: "Link") package var chunks: ChunkOptions
        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package mutating func validate() throws {
            guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
            if let fromDate {
                // Go's 2006-01-02, as charts-syncer parses it: a real day of a real month.
                let parts = fromDate.split(separator: "-", omittingEmptySubsequences: false)
                let numbers = parts.compactMap { Int($0) }
                let day = DateComponents(calendar: Calendar(identifier: .gregorian), year: numbers.first,
                                         month: numbers.count > 1 ? numbers[1] : nil, day: numbers.last)
                guard parts.map(\.count) == [4, 2, 2], numbers.count == 3, day.isValidDate else {
                    throw ValidationError("--from-date '\(fromDate)' is not a date: use YYYY-MM-DD, e.g. 2026-01-31")
                }
            }
            if printImages && verify { throw ValidationError("--print-images and --verify cannot be used together") }
            if let level = klogVerbosity, level >= 4, !output.quiet { output.verbose = true }
        }

        /// What the charts-syncer flags that change nothing here would have done, for --verbose.
        func compatibilityNotes(_ config: SyncConfig) -> [String] {
            var notes: [String] = []
            if fromDate != nil && config.mode == .bundlesToRepository { notes.append("--from-date changes nothing: bundles carry no publication date, so every selected bundle is synced (charts-syncer v0.x skips them all)") }
            if skipDependencies { notes.append("--skip-dependencies changes nothing: a bundle's chart carries its dependencies in charts/, relocated with it") }
            if logToStderr || alsoLogToStderr { notes.append("--logtostderr/--alsologtostderr change nothing: Ferry always writes progress and errors to standard error (--log-file keeps a debug log)") }
            if let level = klogVerbosity { notes.append("-v \(level): klog's verbosity; \(level >= 4 ? "4 or more is --verbose" : "below 4 changes nothing (4 or more is --verbose)")") }
            if !platform.isEmpty { notes.append("--platform \(platform.map(\.description).joined(separator: ",")): only those platforms of each image are pushed") }
            return notes
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .sync) { try await execute() }
        }

        /// `YYYY-MM-DD` as Go's `time.Parse("2006-01-02", …)` reads it: midnight UTC.
        static func utcMidnight(_ text: String) -> Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter.date(from: text)
        }

        func execute() async throws {
            let console = Console.current
            let cwd = console.workingDirectory
            guard let path = config ?? SyncConfig.defaultPath(environment: console.environment, currentDirectory: cwd) else {
                throw ValidationError("no config: pass --config load-image.yaml (or put charts-syncer.yaml in $HOME or here)")
            }
            let loaded = try SyncConfig.load(path: path, environment: console.environment)
            if output.verbose && output.output == .text { for note in compatibilityNotes(loaded) { console.err("note: \(note)") } }
            var options = ChartSyncer.Options()
            options.dryRun = dryRun
            options.force = force
            options.skipImages = skipImages
            options.latestVersionOnly = latestVersionOnly
            options.access = try registryOptions.access(console: console)
            options.harbor = .init(create: harbor.autoCreateRepository, isPublic: harbor.projectPublic)
            options.concurrency = concurrency
            options.retry = transport.retry
            options.chunkSize = chunks.chunkSize
            options.environment = console.environment
            options.workingDirectory = cwd
            options.cacheDirectory = workdir.map { $0.hasPrefix("/") ? $0 : (cwd as NSString).appendingPathComponent($0) }
                ?? LayerCompressor.defaultCacheDirectory(environment: console.environment)
            options.refusedTagMoveAdvice = "sync --force moves it"
            options.platforms = platform
            options.fromDate = fromDate.flatMap(Self.utcMidnight)
            if printImages || verify {
                guard loaded.mode == .bundlesToRepository else {
                    throw ValidationError("--print-images and --verify read bundles: they need source.intermediateBundlesPath")
                }
                try await checkBundles(ChartSyncer(config: loaded, options: options))
                return
            }

            let renderer = PushRenderer(console: console, options: output)
            let started = ContinuousClock.now
            let (plan, report) = try await ChartSyncer(config: loaded, options: options, events: renderer.sink).run()
            renderer.end()
            if output.output == .text && !output.quiet {
                for warning in report.warnings { console.err("warning: \(warning)") }
            }
            if dryRun {
                printPlan(plan, report: report)
            } else {
                printReport(report, started: started)
            }
            if !report.succeeded { throw ExitCode(ExitStatus.partialFailure) }
        }

        /// --print-images and --verify: the bundles read, nothing contacted.
        func checkBundles(_ syncer: ChartSyncer) async throws {
            let console = Console.current
            let bundles = try await syncer.checkBundles(verify: verify)
            let problems = bundles.flatMap { bundle in bundle.problems.map { "\(bundle.chart.map { "\($0) \(bundle.version ?? "")" } ?? bundle.bundle): \($0)" } }
            if output.output == .json {
                for bundle in bundles { console.out(JSONLines.event(verify ? "bundle.verified" : "bundle.images", bundle)) }
            } else if printImages {
                var seen = Set<String>()
                for image in bundles.flatMap(\.images) where seen.insert(image).inserted { console.out(image) }
                for problem in problems { console.err("error: \(problem)") }
            } else {
                for bundle in bundles {
                    let label = bundle.chart.map { "\($0) \(bundle.version ?? "")" } ?? bundle.bundle
                    if bundle.problems.isEmpty {
                        console.out("ok      \(label): \(bundle.images.count) image(s), \(bundle.blobs) blob(s) verified")
                    } else {
                        console.out("failed  \(label):")
                        for problem in bundle.problems { console.out("  - \(problem)") }
                    }
                }
                console.out("Done: \(bundles.count - bundles.filter { !$0.problems.isEmpty }.count) of \(bundles.count) bundle(s) complete")
            }
            if !problems.isEmpty { throw ExitCode(ExitStatus.partialFailure) }
        }

        func printPlan(_ plan: ChartSyncer.Plan, report: SyncReport) {
            let console = Console.current
            guard output.output == .text else { return }  // the plan event was printed before
            console.out("Dry run: nothing was changed. The sync would do this:")
            for chart in plan.charts {
                console.out("chart \(chart.name) \(chart.version)  (\((chart.bundle as NSString).lastPathComponent))")
                console.out("  publish to: \(chart.destination)" + (chart.alreadyPresent ? "  [already present: not published again\(force ? ", --force: replaced" : "")]" : ""))
                if chart.skipImages {
                    console.out("  images: skipped")
                } else {
                    for image in chart.images {
                        console.out("  image \(image.original) → \(image.target)  (\(ByteCount.format(plan.probe?.bytesToSend(to: image.target, in: plan.push) ?? 0)) to send)")
                        if let note = plan.push.images.first(where: { $0.targets.contains(image.target) })?.platformNote {
                            console.out("      \(note)")
                        }
                        if let move = plan.tagMove(image.target) {
                            console.out("      tag moves: \(move.from) → \(move.to)" + (force ? "  [--force: moved]" : "  [refused without --force]"))
                        }
                    }
                }
                for edit in chart.edits { console.out("  value \(edit.description)") }
            }
            for failure in plan.failures {
                console.out("cannot sync \(failure.name.map { "\($0) \(failure.version ?? "")" } ?? failure.bundle): \(failure.error ?? "")")
            }
            if let s = plan.probe?.summary {
                console.out("Images: \(s.images) to place, \(s.imagesPresent) already present; \(s.blobsToSend) blob(s) to send (\(ByteCount.format(s.bytesToSend))), \(s.blobsToMount) to mount, \(s.blobsPresent) present")
            }
        }

        func printReport(_ report: SyncReport, started: ContinuousClock.Instant) {
            let console = Console.current
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if output.output == .json {
                console.out(JSONLines.event("summary", SyncSummaryDocument(report: report, seconds: seconds, ok: report.succeeded)))
                return
            }
            for chart in report.charts where !output.quiet || chart.status == .failed {
                let label = chart.name.map { "\($0) \(chart.version ?? "")" } ?? chart.bundle
                switch chart.status {
                case .published: console.out("published \(label) → \(chart.destination ?? "")")
                case .present: console.out("present   \(label) (already in the target; its images were checked)")
                case .failed:
                    console.out("failed    \(label): \(chart.error ?? "")")
                    if let hint = CommandAdvice.sync.hint(forCode: chart.errorCode) { console.out("          hint: \(hint)") }
                case .planned: console.out("planned   \(label)")
                }
            }
            let count = { (status: SyncReport.Status) in report.charts.filter { $0.status == status }.count }
            var line = "Done: \(count(.published)) published, \(count(.present)) already present, \(count(.failed)) failed"
            if let images = report.images {
                let pushed = images.count(.pushed) + images.count(.moved)
                let earlier = images.blobsMountedFromEarlierRuns > 0 ? " (\(images.blobsMountedFromEarlierRuns) from earlier runs)" : ""
                line += String(format: "; images: %d pushed, %d unchanged; %d blob(s) uploaded (%@), %d mounted%@; %.1f s",
                               pushed, images.images.count - pushed - images.count(.failed),
                               images.blobsUploaded, ByteCount.format(images.bytesUploaded), images.blobsMounted, earlier, seconds)
            }
            console.out(line)
        }
    }
}
