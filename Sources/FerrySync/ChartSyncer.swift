import FerryArchive
import FerryCharts
import FerryCore
import FerryOCI
import FerryRegistry
import Foundation

/// `ferry sync`: the charts-syncer job. Every bundle's chart is relocated and packaged, every image
/// of every chart goes through one push plan (blobs shared between bundles are sent once), and a
/// chart is published only after all its images are in the registry.
package struct ChartSyncer: Sendable {
    package struct Options: Sendable {
        package var dryRun = false
        package var force = false
        package var skipImages = false
        package var latestVersionOnly = false
        /// TLS, certificates, proxies and credentials. Explicit credentials (flags) replace the config
        /// file's; the file's replace what the resolver would find.
        package var access = RegistryAccess(security: TransportSecurity(), credentials: CredentialResolver(environment: [:]))
        package var concurrency = 4
        package var environment: [String: String] = [:]
        package var workingDirectory = FileManager.default.currentDirectoryPath
        package var cacheDirectory: String?
        /// Retries, their time budget and the idle timeout of every request.
        package var retry = RetryPolicy()
        /// Blobs larger than this go up in resumable chunks.
        package var chunkSize = UploadOptions.defaultChunkSize
        /// Harbor projects: created before any blob when asked.
        package var harbor = HarborPreflight.Options()
        /// How to allow a refused tag move, in the caller's words (the sync command names its flag).
        package var refusedTagMoveAdvice = "the tag may be moved only when asked for explicitly"
        /// `--platform`: only these platforms of each image are pushed (empty: all).
        package var platforms: [Platform] = []
        /// `--from-date`: chart versions a source repository published before this are skipped.
        package var fromDate: Date?

        package init() {}
    }

    /// One chart, planned.
    package struct ChartPlan: Sendable {
        package var bundle: String
        package var name: String
        package var version: String
        package var images: [ImageRelocation]
        package var edits: [ValueEdit]
        package var package: [UInt8]
        /// The package's digest: what the chart repository stores, hashed once.
        package var packageDigest: Digest
        package var metadata: ChartMetadata
        package var destination: String
        package var alreadyPresent: Bool
        package var skipImages: Bool
        var entries: [PushPlan.Entry]
    }

    /// Everything that would be done; nothing has been changed when it is made.
    package struct Plan: Sendable {
        package var charts: [ChartPlan]
        package var failures: [SyncReport.Chart]
        package var push: PushPlan
        package var probe: PushProbe?
        package var warnings: [String]

        /// The digest `target`'s tag names now and the one it would name, when pushing moves it.
        package func tagMove(_ target: Reference) -> (from: Digest, to: Digest)? {
            guard let image = push.images.first(where: { $0.targets.contains(target) }),
                  let from = probe?.tagMove(target, to: image.image) else { return nil }
            return (from, image.image.root.digest)
        }
    }

    package let config: SyncConfig
    package let options: Options
    package let events: SyncEventSink

    package init(config: SyncConfig, options: Options, events: @escaping SyncEventSink = { _ in }) {
        self.config = config
        self.options = options
        self.events = events
    }

    /// Plans, then (unless a dry run) applies. The HTTP client lives for the whole run.
    package func run() async throws -> (plan: Plan, report: SyncReport) {
        try await options.access.withTransport(connectionsPerHost: options.concurrency) { transport in
            try await run(transport: transport)
        }
    }

    /// The sync as steps: the repository checked, the plan made, the images probed, then (unless
    /// a dry run) the images pushed and each chart whose images are all in place published.
    func run(transport: HTTPTransport) async throws -> (plan: Plan, report: SyncReport) {
        if config.mode == .repositoryToBundles { return try await exportBundles(transport: transport) }
        let repository = try await makeRepository(transport: transport)
        try await repository.checkUsable()
        var plan = try await makePlan(repository: repository, transport: transport)
        for failure in plan.failures {
            events(.chartFailed(bundle: failure.bundle, name: failure.name, version: failure.version,
                                message: failure.error ?? "", code: failure.errorCode))
        }
        for chart in plan.charts {
            events(.chartRelocated(bundle: chart.bundle, name: chart.name, version: chart.version,
                                   destination: chart.destination, edits: chart.edits))
        }
        var report = SyncReport(charts: plan.failures, warnings: plan.warnings)
        let client = try await probeImages(&plan, transport: transport)
        report.warnings = plan.warnings
        events(.syncPlanned(plan))
        if let probe = plan.probe { events(.probed(probe.summary)) }
        if options.dryRun {
            report.charts += plan.charts.map { chart(from: $0, status: .planned) }
            return (plan, report)
        }
        var failedImages: [String: String] = [:]
        if let client, let probe = plan.probe {
            let images = await pushImages(plan.push, probe: probe, client: client)
            for image in images.images where image.status == .failed {
                failedImages[image.reference] = image.error ?? "failed"
            }
            report.images = images
        }
        for chart in plan.charts {
            let entry = await publish(chart, repository: repository, failedImages: failedImages)
            switch entry.status {
            case .published, .present:
                events(.chartPublished(bundle: chart.bundle, name: chart.name, version: chart.version, destination: chart.destination,
                                       digest: chart.packageDigest, outcome: entry.status == .present ? .present : .published))
            case .failed, .planned:
                events(.chartFailed(bundle: chart.bundle, name: chart.name, version: chart.version,
                                    message: entry.error ?? "", code: entry.errorCode))
            }
            report.charts.append(entry)
        }
        report.charts.sort { ($0.name ?? $0.bundle, $0.version ?? "") < ($1.name ?? $1.bundle, $1.version ?? "") }
        return (plan, report)
    }

    /// Connects to the image registry (when there are images) and learns what is there already.
    func probeImages(_ plan: inout Plan, transport: HTTPTransport) async throws -> RegistryClient? {
        guard !plan.push.images.isEmpty else { return nil }
        let host = plan.push.registry
        let configured = config.target.containers?.auth.map {
            Credentials(username: $0.username, password: $0.password, origin: "target.containers.auth in \(config.origin)")
        }
        let credentials = try await credentials(for: host, configured: configured)
        let client = try await RegistryClient.connect(host: host, transport: transport, credentials: credentials, retry: options.retry)
        plan.warnings += try await HarborPreflight.run(plan.push, client: client, credentials: credentials, options: options.harbor,
                                                       dryRun: options.dryRun)
        plan.probe = try await PushProbe.run(plan.push, client: client, access: options.dryRun ? .pull : .push,
                                             concurrency: options.concurrency,
                                             locations: BlobLocations(cacheDirectory: options.cacheDirectory, registry: host))
        return client
    }

    func pushImages(_ push: PushPlan, probe: PushProbe, client: RegistryClient) async -> ImagePusher.Report {
        let pusher = ImagePusher(client: client, compressor: LayerCompressor(cacheDirectory: options.cacheDirectory),
                                 concurrency: options.concurrency, chunkSize: options.chunkSize, locations: probe.locations,
                                 events: events)
        return await pusher.push(push, probe: probe, tagMoves: options.force ? .allow : .refuse(hint: options.refusedTagMoveAdvice))
    }

    /// One chart: published only when every image it names is in place, and not again when present.
    func publish(_ chart: ChartPlan, repository: any ChartRepository, failedImages: [String: String]) async -> SyncReport.Chart {
        let broken = chart.images.compactMap { failedImages[$0.target.description] }
        if !chart.skipImages, let first = broken.first {
            var entry = self.chart(from: chart, status: .failed)
            entry.error = "not published: \(broken.count) image(s) failed to push; first: \(first)"
            entry.errorCode = "imageFailed"
            return entry
        }
        if chart.alreadyPresent && !options.force {
            return self.chart(from: chart, status: .present)
        }
        do {
            try await repository.publish(ChartPackage(metadata: chart.metadata, bytes: chart.package), force: options.force)
            return self.chart(from: chart, status: .published)
        } catch {
            var entry = self.chart(from: chart, status: .failed)
            entry.error = "\(error)"
            entry.errorCode = (error as? any FerryError)?.codeName
            return entry
        }
    }

    func chart(from plan: ChartPlan, status: SyncReport.Status) -> SyncReport.Chart {
        SyncReport.Chart(bundle: plan.bundle, name: plan.name, version: plan.version,
                         status: plan.alreadyPresent && status == .planned ? .present : status,
                         destination: plan.destination,
                         images: plan.skipImages ? [] : plan.images.map { .init(source: $0.original.description, target: $0.target.description) },
                         edits: plan.edits)
    }

    // MARK: - Planning

    /// A chart to sync: from a bundle (its images.tar) or from a source repository (its images
    /// still in their registries).
    struct Candidate: Sendable {
        /// The bundle, or the chart's place in the source repository, for messages and reports.
        var path: String
        var chart: ChartTree
        var hints: [UInt8]?
        var images: [ArchivedImage]
        /// The bundle as opened (`--verify` checks its blobs).
        var source: ImageSource?
        /// The package as the source repository serves it, copied unchanged when images are not relocated.
        var package: [UInt8]?
    }

    /// `source.intermediateBundlesPath`, relative to the working directory; that directory without it.
    var bundleDirectory: String {
        config.source.intermediateBundlesPath.map {
            (($0.hasPrefix("/") ? $0 : (options.workingDirectory as NSString).appendingPathComponent($0)) as NSString).standardizingPath
        } ?? options.workingDirectory
    }

    /// The plan as steps: bundles found and read, selected, each chart planned, name clashes
    /// failed (the later chart, alone), and one push plan for every image of every chart.
    func makePlan(repository: any ChartRepository, transport: HTTPTransport) async throws -> Plan {
        var warnings: [String] = []
        var failures: [SyncReport.Chart] = []
        let candidates: [Candidate]
        if config.mode == .bundlesToRepository {
            let discovered = try BundleDiscovery.discover(in: bundleDirectory)
            warnings = discovered.warnings
            candidates = select(await readBundles(discovered.bundles, warnings: &warnings, failures: &failures))
        } else {
            candidates = try await readRepositoryCharts(transport: transport, warnings: &warnings, failures: &failures)
        }
        var charts: [ChartPlan] = []
        for candidate in candidates {
            do {
                charts.append(try await planChart(candidate, repository: repository))
            } catch {
                failures.append(.failed(bundle: candidate.path, name: candidate.chart.metadata.name,
                                        version: candidate.chart.metadata.version, error))
            }
        }
        charts = withoutNameClashes(charts, failures: &failures)
        let entries = charts.filter { !$0.skipImages }.flatMap(\.entries)
        let registries = Set(entries.flatMap { $0.targets.map(\.registry) })
        guard registries.count <= 1 else {
            throw SyncError(.unsupported, "images would go to several registries (\(registries.sorted().joined(separator: ", "))); Ferry pushes to one")
        }
        let push = try PushPlan(registry: registries.first ?? config.target.containerRegistry, entries: entries,
                                platforms: options.platforms)
        return Plan(charts: charts, failures: failures, push: push, probe: nil, warnings: warnings)
    }

    /// Each bundle opened and its chart read; one that cannot be read fails alone.
    func readBundles(_ paths: [String], warnings: inout [String], failures: inout [SyncReport.Chart]) async -> [Candidate] {
        let compressor = LayerCompressor(cacheDirectory: options.cacheDirectory, writesCache: !options.dryRun)
        var candidates: [Candidate] = []
        for path in paths {
            let fromName = BundleDiscovery.nameAndVersion(fileName: (path as NSString).lastPathComponent)
            do {
                let opened = try await Blocking.run { try ImageSource.open(path, compressor: compressor) }
                guard let source = opened.sources.first, let bundle = source.bundle else {
                    throw SyncError(.invalidConfig, "\(path) is not a bundle (no images.tar with hints.yaml or original-chart/)")
                }
                let chart = try ChartTree.load(bundle: bundle)
                if let fromName, fromName.version != chart.metadata.version || fromName.name != chart.metadata.name {
                    warnings.append("\(path): the file name says \(fromName.name) \(fromName.version), Chart.yaml says \(chart.metadata.name) \(chart.metadata.version); using Chart.yaml")
                }
                for (file, size) in chart.filesOverHelmLimit {
                    warnings.append("\(path)!original-chart/\(file) is \(String(format: "%.1f", Double(size) / 1_048_576)) MiB: Helm's chart loader refuses chart files over \(ChartTree.helmFileSizeLimit >> 20) MiB by default")
                }
                candidates.append(Candidate(path: path, chart: chart, hints: try bundle.hints(), images: source.archive.images,
                                            source: source))
            } catch {
                failures.append(.failed(bundle: path, name: fromName?.name, version: fromName?.version, error))
            }
        }
        return candidates
    }

    /// Two charts that would put different images under one name: the later one fails, alone.
    func withoutNameClashes(_ charts: [ChartPlan], failures: inout [SyncReport.Chart]) -> [ChartPlan] {
        var owners = ImageNameOwners()
        var kept: [ChartPlan] = []
        for chart in charts {
            guard !chart.skipImages else { kept.append(chart); continue }
            // Checked before any name is claimed, so a chart that fails claims nothing.
            let clash = chart.entries.lazy.flatMap { entry in entry.targets.map { (entry, $0) } }.first { entry, target in
                owners.owner(of: target).map { $0.digest != entry.image.root.digest } ?? false
            }
            if let (entry, target) = clash {
                failures.append(SyncReport.Chart(bundle: chart.bundle, name: chart.name, version: chart.version, status: .failed,
                                                 error: "\(target) would name two different images: \(entry.image.origin) and one of \(owners.owner(of: target)!.origin)"))
                continue
            }
            for entry in chart.entries {
                for target in entry.targets { _ = owners.claim(target, digest: entry.image.root.digest, origin: chart.bundle) }
            }
            kept.append(chart)
        }
        return kept
    }

    /// Applies `charts`/`skipCharts` (with the fork's versions) and `--latest-version-only`.
    func select(_ candidates: [Candidate]) -> [Candidate] {
        var selected = candidates.filter { candidate in
            let name = candidate.chart.metadata.name
            if config.skipCharts.contains(name) { return false }
            guard !config.charts.isEmpty else { return true }
            guard let selector = config.charts.first(where: { $0.name == name }) else { return false }
            return selector.versions.isEmpty || selector.versions.contains(candidate.chart.metadata.version)
        }
        if options.latestVersionOnly {
            var latest: [String: SemanticVersion] = [:]
            for candidate in selected {
                guard let version = SemanticVersion(candidate.chart.metadata.version) else { continue }
                if latest[candidate.chart.metadata.name].map({ version > $0 }) ?? true {
                    latest[candidate.chart.metadata.name] = version
                }
            }
            selected = selected.filter { candidate in
                guard let version = SemanticVersion(candidate.chart.metadata.version) else { return true }
                return latest[candidate.chart.metadata.name] == version
            }
        }
        return selected
    }

    func planChart(_ candidate: Candidate, repository: any ChartRepository) async throws -> ChartPlan {
        let (path, chart) = (candidate.path, candidate.chart)
        let name = chart.metadata.name, version = chart.metadata.version
        let present = try await repository.contains(name: name, version: version)
        let destination = repository.location(name: name, version: version)
        if config.mode == .repositoryToRepository(relocateImages: false), let original = candidate.package {
            // No images relocated: the package goes as the source serves it.
            return ChartPlan(bundle: path, name: name, version: version, images: [], edits: [], package: original,
                             packageDigest: Digest.of(original), metadata: chart.metadata, destination: destination,
                             alreadyPresent: present, skipImages: true, entries: [])
        }
        let (relocation, entries) = try relocate(candidate)
        let relocated = try relocation.chart.strippingDependencies()
        let package = try ChartArchive.package(relocated)
        let skipImages = options.skipImages || (config.charts.first { $0.name == name }?.skipImages ?? false)
        return ChartPlan(bundle: path, name: name, version: version, images: relocation.images,
                         edits: relocation.images.flatMap(\.edits), package: package, packageDigest: Digest.of(package),
                         metadata: relocated.metadata, destination: destination,
                         alreadyPresent: present, skipImages: skipImages, entries: entries)
    }

    /// The chart's values rewritten for the target, and each hinted image found among the candidate's.
    func relocate(_ candidate: Candidate) throws -> (ChartRelocation.Result, [PushPlan.Entry]) {
        let (path, chart) = (candidate.path, candidate.chart)
        let hintsBytes = candidate.hints ?? chart.files[".relok8s-images.yaml"]
        guard let hintsBytes else {
            throw SyncError(.invalidConfig, "\(path) has no image hints (hints.yaml or original-chart/.relok8s-images.yaml)")
        }
        let hints = try ImageHints.parse(hintsBytes, origin: "\(path)!hints.yaml")
        let images = candidate.images
        let holder = candidate.source == nil ? "the images resolved from their registries" : "\(path)!images.tar"
        func find(_ reference: Reference) -> ArchivedImage? {
            images.first { image in
                image.references.contains { $0.registry == reference.registry && $0.repository == reference.repository
                    && (reference.tag == nil || $0.tag == reference.tag) && (reference.tag != nil || reference.digest == image.root.digest) }
            }
        }
        let relocation = try ChartRelocation.relocate(chart, hints: hints, rule: config.relocation) { reference, hint in
            guard let image = find(reference) else {
                throw SyncError(.invalidConfig, "hint '\(hint.raw)' names \(reference), which is not in \(holder)",
                                hint: "the bundle is incomplete, or the chart's values do not match the images it was made with")
            }
            if let digest = reference.digest, digest != image.root.digest {
                throw SyncError(.invalidConfig, "hint '\(hint.raw)' pins \(reference), but \(holder) has \(image.root.digest) under that name")
            }
            return image.root.digest
        } pushedDigest: { reference, digest in
            guard !options.platforms.isEmpty, let image = find(reference) else { return digest }
            return try image.selecting(options.platforms).image.root.digest
        }
        var entries: [PushPlan.Entry] = []
        for image in relocation.images {
            guard let archived = find(image.original) else { continue }
            entries.append(PushPlan.Entry(image: archived, source: path, targets: [image.target]))
        }
        return (relocation, entries)
    }

    // MARK: - The chart repository

    /// Flags first, then the config file (and its environment overrides), then the auth files and helpers.
    func credentials(for host: String, configured: Credentials?) async throws -> Credentials? {
        if let explicit = options.access.credentials.explicit { return explicit }
        if let configured { return configured }
        return try await options.access.credentials.credentials(for: host)
    }

    func makeRepository(transport: HTTPTransport) async throws -> any ChartRepository {
        let repo = config.target.repo!
        guard repo.kind != .helm else { throw SyncError(.unsupported, "target.repo.kind HELM cannot be uploaded to") }
        return try await openRepository(repo, side: "target", transport: transport)
    }

    /// A chart repository of the config (`source.repo` or `target.repo`), with its `auth` (or
    /// what the access options find for its host).
    func openRepository(_ repo: SyncConfig.Repo, side: String, transport: HTTPTransport) async throws -> any ChartCatalog {
        let configured = repo.auth.flatMap { auth in
            auth.username.isEmpty || auth.password.isEmpty ? nil
                : Credentials(username: auth.username, password: auth.password, origin: "\(side).repo.auth in \(config.origin)")
        }
        let components = URLComponents(string: repo.url)
        let authority = components.flatMap { url in url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } }
        let credentials = repo.kind == .local ? nil : try await self.credentials(for: authority ?? repo.url, configured: configured)
        let web = WebClient(transport: transport, credentials: credentials, retry: options.retry)
        switch repo.kind! {
        case .local:
            let path = repo.path.hasPrefix("/") ? repo.path : (options.workingDirectory as NSString).appendingPathComponent(repo.path)
            return LocalChartRepository(directory: path)
        case .helm:
            return HTTPChartRepository(url: repo.url, web: web)
        case .chartmuseum:
            return try ChartMuseumRepository(url: repo.url, flavor: .chartmuseum, web: web)
        case .harbor:
            return try ChartMuseumRepository(url: repo.url, flavor: .harbor, web: web)
        case .oci:
            guard let components, let authority else {
                throw SyncError(.invalidConfig, "\(config.origin): \(side).repo.url '\(repo.url)' has no host")
            }
            let client = try await RegistryClient.connect(host: authority, transport: transport, credentials: credentials,
                                                          scheme: components.scheme == "http" ? "http" : nil, retry: options.retry)
            return OCIChartRepository(client: client, path: components.path)
        }
    }
}
