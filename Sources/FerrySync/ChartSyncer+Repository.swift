import FerryArchive
import FerryCharts
import FerryCore
import FerryOCI
import FerryRegistry
import Foundation

/// charts-syncer's connected modes: `source.repo` (HELM, CHARTMUSEUM, HARBOR, OCI, LOCAL) into a
/// bundle directory (`target.intermediateBundlesPath`, the vendor's export) or into another chart
/// repository, with the images copied registry to registry when `relocateContainerImages` is set.
extension ChartSyncer {
    /// The source repository, read with `source.repo.auth` (or what the access options find).
    func makeSourceRepository(transport: HTTPTransport) async throws -> any ChartCatalog {
        try await openRepository(config.source.repo!, side: "source", transport: transport)
    }

    /// The versions to sync, as charts-syncer picks them: `charts` (or every chart the source
    /// lists) without `skipCharts`, the fork's `versions`, the highest only with
    /// `--latest-version-only`, none published before `--from-date`.
    func selectVersions(_ catalog: any ChartCatalog, warnings: inout [String]) async throws -> [ChartVersion] {
        let names = config.charts.isEmpty ? nil : config.charts.map(\.name)
        var versions = try await catalog.catalog(names: names)
        guard !versions.isEmpty else {
            throw SyncError(.invalidConfig, "\(config.origin): the source repository has no charts to sync" + (names.map { " (looked for \($0.joined(separator: ", ")))" } ?? ""))
        }
        versions = versions.filter { version in
            if config.skipCharts.contains(version.name) { return false }
            guard let selector = config.charts.first(where: { $0.name == version.name }) else { return true }
            return selector.versions.isEmpty || selector.versions.contains(version.version)
        }
        if options.latestVersionOnly {
            var latest: [String: SemanticVersion] = [:]
            for version in versions {
                guard let parsed = SemanticVersion(version.version) else { continue }
                if latest[version.name].map({ parsed > $0 }) ?? true { latest[version.name] = parsed }
            }
            versions = versions.filter { version in SemanticVersion(version.version).map { latest[version.name] == $0 } ?? false }
        }
        if let from = options.fromDate {
            let before = versions.filter { $0.published < from }
            versions.removeAll { $0.published < from }
            if !before.isEmpty && config.source.repo?.kind == .local {
                warnings.append("--from-date skips every chart of a LOCAL source: its packages carry no publication date (as in charts-syncer)")
            }
        }
        return versions.sorted { ($0.name, SemanticVersion($0.version) ?? SemanticVersion("0.0.0")!) < ($1.name, SemanticVersion($1.version) ?? SemanticVersion("0.0.0")!) }
    }

    /// The registries images are pulled from, with `source.containers.auth` for its registry.
    func sourcePool(transport: HTTPTransport) -> RegistryPool {
        var overrides: [String: Credentials] = [:]
        if let auth = config.source.containers?.auth {
            overrides[auth.registry] = Credentials(username: auth.username, password: auth.password,
                                                   origin: "source.containers.auth in \(config.origin)")
        }
        return RegistryPool(transport: transport, credentials: options.access.credentials, retry: options.retry, overrides: overrides)
    }

    /// repository → repository: each version's package fetched and its images resolved where they
    /// are (nothing downloaded: blobs stream from there when pushed). One that fails fails alone.
    func readRepositoryCharts(transport: HTTPTransport, warnings: inout [String], failures: inout [SyncReport.Chart]) async throws -> [Candidate] {
        let catalog = try await makeSourceRepository(transport: transport)
        let relocate = config.mode == .repositoryToRepository(relocateImages: true) && !options.skipImages
        let puller = ImagePuller(pool: sourcePool(transport: transport), store: nil, platforms: [], withArtifacts: true,
                                 concurrency: options.concurrency)
        var candidates: [Candidate] = []
        for version in try await selectVersions(catalog, warnings: &warnings) {
            let location = catalog.location(name: version.name, version: version.version)
            do {
                let package = try await catalog.fetch(name: version.name, version: version.version)
                let files = try ChartArchive.files(ofTgz: package, origin: location)
                let chart = BundleBuilder.Chart(files: files, hints: files[".relok8s-images.yaml"] ?? [], origin: location)
                let tree = try chart.tree()
                var images: [ArchivedImage] = []
                if relocate {
                    guard files[".relok8s-images.yaml"] != nil else {
                        throw SyncError(.invalidConfig, "\(location) has no .relok8s-images.yaml: no image hints provided")
                    }
                    images = try await puller.remote(try BundleBuilder.requests(for: chart, tree: tree)).map(\.image)
                }
                candidates.append(Candidate(path: location, chart: tree, hints: files[".relok8s-images.yaml"], images: images,
                                            source: nil, package: package))
            } catch {
                failures.append(.failed(bundle: location, name: version.name, version: version.version, error))
            }
        }
        return candidates
    }

    /// repository → bundles: each version not yet in the directory made into a bundle (images
    /// pulled as stored, every platform unless `--platform`, with their artifacts). A dry run
    /// contacts only the source repository.
    func exportBundles(transport: HTTPTransport) async throws -> (plan: Plan, report: SyncReport) {
        let catalog = try await makeSourceRepository(transport: transport)
        var warnings: [String] = []
        let versions = try await selectVersions(catalog, warnings: &warnings)
        let configured = config.target.intermediateBundlesPath!
        let directory = ((configured.hasPrefix("/") ? configured : (options.workingDirectory as NSString).appendingPathComponent(configured)) as NSString).standardizingPath
        let staging = directory + "/.ferry-staging"
        // A dry run creates nothing: no directory, no staging.
        var builder: BundleBuilder?, hold: FileLock.Shared?
        if !options.dryRun {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            hold = try FileLock.Shared(staging)
            var puller = ImagePuller(pool: sourcePool(transport: transport), store: try BlobStore(root: staging + "/blobs"),
                                     platforms: options.platforms, withArtifacts: true, concurrency: options.concurrency)
            puller.events = events
            builder = BundleBuilder(puller: puller)
        }
        var charts: [ChartPlan] = []
        var report = SyncReport(charts: [], warnings: warnings)
        for version in versions {
            let location = catalog.location(name: version.name, version: version.version)
            let names = BundleBuilder.Naming.allCases.map { directory + "/" + $0.fileName(name: version.name, version: version.version) }
            let present = names.contains { FileManager.default.fileExists(atPath: $0) }
            let plan = ChartPlan(bundle: location, name: version.name, version: version.version, images: [], edits: [], package: [],
                                 packageDigest: Digest.of([]), metadata: ChartMetadata(name: version.name, version: version.version),
                                 destination: names[0], alreadyPresent: present, skipImages: true, entries: [])
            charts.append(plan)
            guard let builder else { continue }
            if present && !options.force {
                report.charts.append(chart(from: plan, status: .present))
                continue
            }
            report.charts.append(await export(version, from: catalog, plan: plan, builder: builder, into: directory))
        }
        // The fetched blobs are kept only for a run that has to be resumed.
        if report.charts.allSatisfy({ $0.status != .failed }), hold?.isAlone() == true { try? FileManager.default.removeItem(atPath: staging) }
        if options.dryRun { report.charts = charts.map { chart(from: $0, status: .planned) } }
        let plan = Plan(charts: charts, failures: [], push: try PushPlan(registry: "", entries: []), probe: nil, warnings: warnings)
        return (plan, report)
    }

    /// One chart version made into a bundle in `directory`; a failure is reported, not thrown.
    func export(_ version: ChartVersion, from catalog: any ChartCatalog, plan: ChartPlan, builder: BundleBuilder,
                into directory: String) async -> SyncReport.Chart {
        let location = plan.bundle
        do {
            let package = try await catalog.fetch(name: version.name, version: version.version)
            let files = try ChartArchive.files(ofTgz: package, origin: location)
            guard let hints = files[".relok8s-images.yaml"] else {
                throw SyncError(.invalidConfig, "\(location) has no .relok8s-images.yaml: no image hints provided")
            }
            let result = try await builder.build(BundleBuilder.Chart(files: files, hints: hints, origin: location), into: directory,
                                                 naming: .upstream, replace: true, digest: true)
            var entry = chart(from: plan, status: .published)
            entry.images = result.images.map { .init(source: $0.name, target: (result.path as NSString).lastPathComponent) }
            events(.chartPublished(bundle: location, name: version.name, version: version.version, destination: result.path,
                                   digest: result.digest ?? Digest.of([]), outcome: .published))
            return entry
        } catch {
            let failure = SyncReport.Chart.failed(bundle: location, name: version.name, version: version.version, error)
            events(.chartFailed(bundle: location, name: version.name, version: version.version, message: failure.error ?? "", code: failure.errorCode))
            return failure
        }
    }
}
