#if canImport(Glibc)
import Glibc
#endif
import FerryCharts
import FerryOCI
import FerryRegistry
import Foundation

/// Everything `ferry upgrade` was asked.
package struct UpgradeRequest: Sendable {
    package var release: String
    package var namespace: String
    package var chart: String
    package var repoURL: String?
    package var repoName: String?
    package var credentials: Credentials?
    /// `--authfile`, read before the usual credential files.
    package var authFile: String?
    package var version: String?
    package var devel = false
    package var imageRegistry: String
    package var sets: [String] = []
    package var valuesFiles: [String] = []
    package var backupDirectory: String
    package var skipPreflight = false
    package var security: TransportSecurity
    /// Retries, their time budget and the idle timeout of every registry and repository request.
    package var retry = RetryPolicy()
    package var environment: [String: String]
    package var now = Date()
    /// helm's flags, passed through.
    package var helm = HelmOptions()
    package var workingDirectory = FileManager.default.currentDirectoryPath

    package init(release: String, namespace: String, chart: String, imageRegistry: String, backupDirectory: String,
                security: TransportSecurity, environment: [String: String]) {
        self.release = release
        self.namespace = namespace
        self.chart = chart
        self.imageRegistry = imageRegistry
        self.backupDirectory = backupDirectory
        self.security = security
        self.environment = environment
    }
}

/// Works out an upgrade step by step, reading only: helm's version, the repository index or
/// OCI tags, the release, its values, the chart's hints, and the registry (HEAD) for preflight.
package struct UpgradePlanner: Sendable {
    package let driver: any HelmDriver
    package let transport: HTTPTransport

    package init(driver: any HelmDriver, transport: HTTPTransport) {
        self.driver = driver
        self.transport = transport
    }

    /// The plan as a sequence of named steps, each reading only: helm, the chart, the release,
    /// the values, the backups' names, the preflight, and the helm command that will run.
    package func plan(_ request: UpgradeRequest) async throws -> UpgradePlan {
        var steps: [UpgradePlan.Step] = []
        let helm = try await checkHelm()
        steps.append(helm.step)
        let source = try ChartSource(parsing: request.chart)
        let resolved = try await resolveChart(source, request: request)
        steps += resolved.steps
        let release = try await settledRelease(request)
        steps.append(release.step)

        // Values: the backup, rewritten (a release --install creates has none yet).
        let installing = release.release.revision == 0
        let current = installing ? "" : try await driver.values(release.release.name, namespace: release.release.namespace, all: false)
        let all = installing ? "" : try await driver.values(release.release.name, namespace: release.release.namespace, all: true)
        let chart = resolved.chart
        let hints = try chart.files[".relok8s-images.yaml"].map { try ImageHints.parse($0, origin: "\(chart.origin)/.relok8s-images.yaml") } ?? []
        let rewrite = try RegistryRewrite(userValues: current, origin: "values of \(release.release.name)", chart: chart, hints: hints,
                                          registry: request.imageRegistry)
        steps.append(.init(name: "values", detail: "\(rewrite.edits.count) value(s) rewritten, \(rewrite.sets.count) set with --set-string; image paths from \(hints.isEmpty ? "global.imageRegistry and *.image.registry" : "\(hints.count) hint(s), global.imageRegistry and *.image.registry")"))

        let backups = try backupFiles(request, release: release.release)
        steps.append(.init(name: "backup", detail: "\(backups.values) and \(backups.all)"))
        let preflight = try await preflight(request, hints: hints, rewrite: rewrite, chart: chart)
        steps.append(preflight.step)

        var upgrade = upgradeCommand(request, source: source, release: release.release, version: resolved.version,
                                     newValuesFile: backups.new, rewrite: rewrite, resetThenReuse: helm.resetThenReuse && !installing,
                                     plainHTTP: resolved.plainHTTP)
        // helm's own flags, as this helm spells them; -o json stays last.
        let passed = try HelmGrammar(version: helm.version).upgradeFlags(request.helm, workingDirectory: request.workingDirectory)
        upgrade.arguments.insert(contentsOf: passed, at: upgrade.arguments.count - 2)
        upgrade.limit = request.helm.upgradeLimit
        let images = await imagePlan(request, release: release.release, upgrade: upgrade, newValues: rewrite.values.text,
                                     newValuesFile: backups.new, repositoryURL: resolved.repositoryURL)
        steps.append(images.step)
        var plan = UpgradePlan(release: release.release, chart: source.helmArgument, chartName: chart.metadata.name, version: resolved.version,
                           helmVersion: helm.version.normalized, steps: steps, commands: resolved.commands + [upgrade], edits: rewrite.edits,
                           sets: rewrite.sets.map { "\(Self.escapeSetPath($0.path))=\($0.value)" }, currentValues: current,
                           allValues: all, newValues: rewrite.values.text, backupFile: backups.values, allValuesBackupFile: backups.all,
                           newValuesFile: backups.new, images: preflight.images, missingImages: preflight.missing,
                           preflightSkipped: request.skipPreflight, repositoryURL: resolved.repositoryURL)
        plan.workloadImages = images.table
        plan.imageRegistry = request.imageRegistry
        return plan
    }

    /// What each workload runs now (`helm get manifest`) and will run (helm's client dry run of the
    /// planned upgrade, with the new values from a scratch file). A dry run helm cannot do (a
    /// repository that needs credentials on the command line) leaves the table without "after".
    func imagePlan(_ request: UpgradeRequest, release: HelmRelease, upgrade: HelmCommand, newValues: String, newValuesFile: String,
                   repositoryURL: String?) async -> (table: [WorkloadImage], step: UpgradePlan.Step) {
        let now = release.revision == 0 ? "" : ((try? await driver.manifest(release.name, namespace: release.namespace)) ?? "")
        struct Rendered: Decodable { var manifest: String? }
        do {
            let output = try await HelmDryRun.run(upgrade, strategy: .client, newValues: newValues, newValuesFile: newValuesFile,
                                                  repositoryURL: repositoryURL, driver: driver).output
            let after = (try? JSONDecoder().decode(Rendered.self, from: Data(output.utf8)))?.manifest ?? ""
            let table = WorkloadImages.table(now: now, after: after, registry: request.imageRegistry)
            let outside = table.filter(\.outsideTarget)
            return (table, .init(name: "images", detail: "\(table.count) container(s) in \(Set(table.map(\.workload)).count) workload(s)"
                + (outside.isEmpty ? ", all from \(request.imageRegistry) after the upgrade" : "; \(outside.count) would still run from outside \(request.imageRegistry)")))
        } catch {
            return (WorkloadImages.table(now: now, after: "", registry: request.imageRegistry),
                    .init(name: "images", detail: "helm's dry run could not render the new images: \(error)"))
        }
    }

    /// helm's version: 3.8 at least; `--reset-then-reuse-values` from 3.14.
    func checkHelm() async throws -> (version: SemanticVersion, resetThenReuse: Bool, step: UpgradePlan.Step) {
        let version = try await driver.version()
        guard version >= SemanticVersion("3.8.0")! else {
            throw UpgradeError(.helmTooOld, "helm \(version.normalized) is too old; Ferry needs Helm 3.8 or newer",
                               hint: "install helm 3.8 or newer (OCI charts and passwords read from standard input need it)")
        }
        let resetThenReuse = version >= SemanticVersion("3.14.0")!
        return (version, resetThenReuse, .init(name: "helm", detail: "helm \(version.normalized): " + (resetThenReuse
            ? "the upgrade uses --reset-then-reuse-values over the rewritten values"
            : "no --reset-then-reuse-values before 3.14: the rewritten values (all user values) are passed explicitly")))
    }

    /// The chart and its version, read without changing anything; the helm commands that make
    /// its repository current.
    func resolveChart(_ source: ChartSource, request: UpgradeRequest) async throws
        -> (chart: ChartTree, version: String, commands: [HelmCommand], steps: [UpgradePlan.Step], plainHTTP: Bool, repositoryURL: String?) {
        var plainHTTP = false
        var repositoryURL: String?
        var commands: [HelmCommand] = []
        var steps: [UpgradePlan.Step] = []
        let chart: ChartTree
        let version: String
        switch source {
        case .repository(let name, let chartName):
            let url: String
            (url, commands, steps) = try await repositoryCommands(name, request: request)
            repositoryURL = url
            let repository = HTTPChartRepository(url: url, web: WebClient(transport: transport, credentials: request.credentials, retry: request.retry))
            (chart, version) = try await choose(chartName, in: repository, request: request, what: "chart \(chartName) in \(repository.url)")
        case .oci(let host, let path):
            let client = try await RegistryClient.connect(host: host, transport: transport,
                                                          credentials: try await credentials(request, host: host),
                                                          retry: request.retry)
            // A private registry may have answered only over plain HTTP: helm must be told.
            plainHTTP = client.baseURL.hasPrefix("http://")
            let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
            (chart, version) = try await choose(name, in: OCIChartRepository(client: client, path: parent), request: request,
                                                what: "oci://\(host)/\(path)")
        case .directory(let path):
            chart = try ChartTree.read(directory: path)
            version = chart.metadata.version
        case .archive(let path):
            chart = try ChartTree.read(package: path)
            version = chart.metadata.version
        }
        if let requested = request.version, requested != version {
            throw UpgradeError(.versionMissing, "\(request.chart) is version \(version), not \(requested)")
        }
        steps.append(.init(name: "chart", detail: "\(chart.metadata.name) \(version) from \(source.helmArgument)"))
        return (chart, version, commands, steps, plainHTTP, repositoryURL)
    }

    /// The version to install of `name` in `repository`, and its chart.
    func choose(_ name: String, in repository: any ChartRepository, request: UpgradeRequest, what: String) async throws -> (ChartTree, String) {
        let available = try await repository.versions(of: name)
        guard !available.isEmpty else {
            throw UpgradeError(.chartUnreadable, "\(what) has no versions (is the chart there?)")
        }
        let version = try VersionChoice.choose(available, requested: request.version, devel: request.devel, what: what)
        return (try await repository.chart(name: name, version: version), version)
    }

    /// The repository's URL, and `helm repo add` (when missing or different) and `helm repo update`.
    func repositoryCommands(_ name: String, request: UpgradeRequest) async throws -> (String, [HelmCommand], [UpgradePlan.Step]) {
        let known = try await driver.repositories()
        guard let url = request.repoURL ?? known[name] else {
            throw UpgradeError(.repositoryUnknown, "helm has no repository named \(name)")
        }
        var commands: [HelmCommand] = []
        let step: UpgradePlan.Step
        if known[name] != url {
            var add = ["repo", "add", name, url]
            if known[name] != nil { add.append("--force-update") }
            if let credentials = request.credentials { add += ["--username", credentials.username, "--password-stdin"] }
            if request.security.mode == .httpsUnverified { add.append("--insecure-skip-tls-verify") }
            if let ca = request.security.caFile { add += ["--ca-file", ca] }
            if let pair = request.security.clientCertificate { add += ["--cert-file", pair.certificate, "--key-file", pair.key] }
            commands.append(HelmCommand(add, stdin: request.credentials?.password))
            step = .init(name: "repository", detail: "\(name) → \(url): \(known[name] == nil ? "not added yet, will be added" : "URL differs, will be replaced")")
        } else {
            step = .init(name: "repository", detail: "\(name) → \(url) already added")
        }
        commands.append(HelmCommand(["repo", "update", name]))
        return (url, commands, [step])
    }

    /// The release, which must exist and be settled (not `pending-*`).
    func settledRelease(_ request: UpgradeRequest) async throws -> (release: HelmRelease, step: UpgradePlan.Step) {
        guard let release = try await driver.release(request.release, namespace: request.namespace) else {
            if request.helm.install {
                let new = HelmRelease(name: request.release, namespace: request.namespace, revision: 0, status: .other("not installed"),
                                      chart: "", chartVersion: "")
                return (new, .init(name: "release", detail: "\(request.release) in \(request.namespace): not installed; --install installs it"))
            }
            throw UpgradeError(.releaseMissing, "release \(request.release) not found in namespace \(request.namespace)",
                               hint: "check the name and namespace with: helm list -n \(request.namespace) (or pass --install to install it)")
        }
        if release.status.isPending {
            // The history says where to go back to: the last revision that was deployed.
            let history = (try? await driver.history(release.name, namespace: release.namespace)) ?? []
            let last = history.last { $0.status == "deployed" || $0.status == "superseded" }
            let states = history.suffix(3).map { "\($0.revision) \($0.status)" }.joined(separator: ", ")
            let back = last.map { "helm rollback \(release.name) \($0.revision) -n \(release.namespace)" }
                ?? "helm rollback \(release.name) <the last deployed revision> -n \(release.namespace)"
            throw UpgradeError(.releasePending,
                               "release \(release.name) is stuck in \(release.status) (revision \(release.revision)): an earlier install, upgrade or rollback did not finish (it was stopped, or helm timed out)"
                                + (states.isEmpty ? "" : "; helm history: \(states)"),
                               hint: "return to the last deployed revision with `\(back)`, check it with `helm status \(release.name) -n \(release.namespace)`, then run ferry upgrade again")
        }
        let running = release.chart.isEmpty ? "" : ", chart \(release.chart) \(release.chartVersion)"
        return (release, .init(name: "release", detail: "\(release.name) in \(release.namespace): revision \(release.revision), \(release.status)\(running)"))
    }

    /// New file names for the backups and the new values: never an old file's.
    func backupFiles(_ request: UpgradeRequest, release: HelmRelease) throws -> (values: String, all: String, new: String) {
        let base = "\(request.backupDirectory)/\(release.name).\(release.namespace).\(Self.stamp(request.now))"
        try Self.checkWritable(request.backupDirectory)
        return (Self.unused(base + ".values.yaml"), Self.unused(base + ".all-values.yaml"), Self.unused(base + ".new-values.yaml"))
    }

    /// Every image the upgraded release will use, and those missing from their registry.
    func preflight(_ request: UpgradeRequest, hints: [ImageTemplate], rewrite: RegistryRewrite, chart: ChartTree) async throws
        -> (images: [String], missing: [String], step: UpgradePlan.Step) {
        guard !request.skipPreflight else { return ([], [], .init(name: "preflight", detail: "skipped (--skip-preflight)")) }
        let setPairs = rewrite.sets.map { ($0.path, $0.value) } + request.sets.compactMap(Self.parseSet)
        let lookup = Self.lookup(sets: setPairs, values: rewrite.values, chart: chart)
        var references: [Reference] = []
        for hint in hints {
            let rendered = try hint.render(lookup)
            guard let reference = try? Reference(parsing: rendered) else {
                throw UpgradeError(.preflightFailed, "hint '\(hint.raw)' renders to '\(rendered)', which is not an image reference")
            }
            if !references.contains(reference) { references.append(reference) }
        }
        let missing = try await missingImages(references, request: request)
        return (references.map(\.description), missing,
                .init(name: "preflight", detail: missing.isEmpty ? "all \(references.count) image(s) are in the registry"
                                                                 : "\(missing.count) of \(references.count) image(s) missing"))
    }

    /// `helm upgrade` with the rewritten values, the sets and the chart's version.
    func upgradeCommand(_ request: UpgradeRequest, source: ChartSource, release: HelmRelease, version: String, newValuesFile: String,
                        rewrite: RegistryRewrite, resetThenReuse: Bool, plainHTTP: Bool = false) -> HelmCommand {
        var upgrade = ["upgrade", release.name, source.helmArgument, "-n", release.namespace]
        switch source {
        case .repository, .oci: upgrade += ["--version", version]
        case .directory, .archive: break  // the chart on disk is the version
        }
        upgrade += ["-f", newValuesFile]
        if resetThenReuse { upgrade.append("--reset-then-reuse-values") }
        for file in request.valuesFiles { upgrade += ["-f", file] }
        for (path, value) in rewrite.sets { upgrade += ["--set-string", "\(Self.escapeSetPath(path))=\(value)"] }
        for set in request.sets { upgrade += ["--set", set] }
        if case .oci = source {
            if request.security.mode == .plainHTTP || plainHTTP { upgrade.append("--plain-http") }
            if request.security.mode == .httpsUnverified { upgrade.append("--insecure-skip-tls-verify") }
            if let ca = request.security.caFile { upgrade += ["--ca-file", ca] }
            if let pair = request.security.clientCertificate { upgrade += ["--cert-file", pair.certificate, "--key-file", pair.key] }
        }
        return HelmCommand(upgrade + ["-o", "json"])
    }

    func credentials(_ request: UpgradeRequest, host: String) async throws -> Credentials? {
        if let credentials = request.credentials { return credentials }
        return try await CredentialResolver(environment: request.environment, authFile: request.authFile).credentials(for: host)
    }

    /// HEAD each image's manifest in its registry, with the push command's auth and TLS options.
    func missingImages(_ references: [Reference], request: UpgradeRequest) async throws -> [String] {
        var clients: [String: RegistryClient] = [:]
        var missing: [String] = []
        for reference in references {
            let client: RegistryClient
            if let known = clients[reference.registry] {
                client = known
            } else {
                client = try await RegistryClient.connect(host: reference.registry, transport: transport,
                                                          credentials: try await credentials(request, host: reference.registry),
                                                          retry: request.retry)
                clients[reference.registry] = client
            }
            let ref = reference.digest?.string ?? reference.tag ?? "latest"
            if try await client.manifestDigest(ref, in: reference.repository, access: .pull) == nil {
                missing.append(reference.description)
            }
        }
        return missing
    }

    /// Values as the upgraded release sees them: --set, then the new user values, then the chart's
    /// defaults (a subchart's under its name).
    static func lookup(sets: [([String], String)], values: ValuesFile, chart: ChartTree) -> ([String]) -> String? {
        return { path in
            if let set = sets.last(where: { $0.0 == path }) { return set.1 }
            if let value = values.scalar(at: path) { return value }
            return chart.defaultValue(at: path)
        }
    }

    /// `a.b.c=v` (one assignment, no list syntax) as a path and value.
    static func parseSet(_ text: String) -> ([String], String)? {
        guard let eq = text.firstIndex(of: "="), !text.contains(",") else { return nil }
        return (text[..<eq].split(separator: ".").map(String.init), String(text[text.index(after: eq)...]))
    }

    static func escapeSetPath(_ path: [String]) -> String {
        path.map { $0.replacingOccurrences(of: ".", with: "\\.") }.joined(separator: ".")
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// `path`, or `path` with a counter, whichever does not exist yet.
    static func unused(_ path: String) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return path }
        let stem = (path as NSString).deletingPathExtension, ext = (path as NSString).pathExtension
        for n in 1... {
            let candidate = "\(stem)-\(n).\(ext)"
            if !FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path
    }

    static func checkWritable(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            // The nearest existing ancestor must be a writable directory for it to be made when the upgrade runs.
            var ancestor = (directory as NSString).deletingLastPathComponent
            while !ancestor.isEmpty && ancestor != "/" && !FileManager.default.fileExists(atPath: ancestor) {
                ancestor = (ancestor as NSString).deletingLastPathComponent
            }
            var ancestorIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: ancestor.isEmpty ? "." : ancestor, isDirectory: &ancestorIsDirectory)
            guard ancestorIsDirectory.boolValue, access(ancestor.isEmpty ? "." : ancestor, W_OK) == 0 else {
                throw UpgradeError(.backupDirectoryUnusable, "the backup directory \(directory) does not exist and cannot be created")
            }
            return
        }
        guard isDirectory.boolValue, access(directory, W_OK) == 0 else {
            throw UpgradeError(.backupDirectoryUnusable, "the backup directory \(directory) is not writable",
                               hint: "Ferry never upgrades without a backup")
        }
    }
}
