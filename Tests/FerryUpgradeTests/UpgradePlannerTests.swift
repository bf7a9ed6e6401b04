import AsyncHTTPClient
import FerryCharts
import FerryRegistry
import FerryTestSupport
import FerryUpgrade
import Foundation
import Testing

/// The planner and the runner driven through the in-memory helm: each refusal by its code, each
/// plan by its steps and commands, nothing changed until `apply`.
@Suite struct UpgradePlannerTests {
    /// A chart directory whose image registry the rewrite must move.
    func chartDirectory(_ dir: TemporaryDirectory, version: String = "1.1.0") throws -> String {
        _ = try dir.write("chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: \(version)\n")
        _ = try dir.write("chart/values.yaml", "image:\n  registry: quay.io\n  repository: team/web\n  tag: \"1.1\"\nsidecar:\n  image:\n    registry: docker.io\n")
        _ = try dir.write("chart/templates/deploy.yaml", "image: {{ .Values.image.registry }}/{{ .Values.image.repository }}\n")
        return dir.file("chart")
    }

    func request(_ dir: TemporaryDirectory, chart: String) -> UpgradeRequest {
        var request = UpgradeRequest(release: "web", namespace: "apps", chart: chart, imageRegistry: "10.0.0.5:5000",
                                     backupDirectory: dir.file("backups"), security: TransportSecurity(mode: .plainHTTP), environment: [:])
        request.skipPreflight = true
        request.now = Date(timeIntervalSince1970: 1_700_000_000)
        return request
    }

    func withPlanner(_ helm: FakeHelmDriver, _ body: (UpgradePlanner) async throws -> Void) async throws {
        try await HTTPTransport.with(security: TransportSecurity(mode: .plainHTTP)) { transport in
            try await body(UpgradePlanner(driver: helm, transport: transport))
        }
    }

    /// Plans `request`, expecting the refusal `code`; helm was asked questions only.
    func refusal(_ code: UpgradeError.Code, _ helm: FakeHelmDriver, _ request: UpgradeRequest) async throws {
        try await withPlanner(helm) { planner in
            do {
                _ = try await planner.plan(request)
                Issue.record("expected \(code), the plan was made")
            } catch let error as UpgradeError {
                #expect(error.code == code, "\(error)")
            }
        }
        #expect(helm.commands.isEmpty, "a refused plan runs nothing: \(helm.commands)")
    }

    @Test func aPlanFromADirectoryRewritesTheRegistriesAndChangesNothing() async throws {
        let dir = try TemporaryDirectory("planner")
        let helm = FakeHelmDriver()
        try await withPlanner(helm) { planner in
            let plan = try await planner.plan(request(dir, chart: try chartDirectory(dir)))
            #expect(plan.steps.map(\.name) == ["helm", "chart", "release", "values", "backup", "preflight", "images"])
            #expect(plan.version == "1.1.0" && plan.release.revision == 3)
            #expect(plan.edits.map { "\($0.path.joined(separator: ".")): \($0.old) → \($0.new)" } == ["image.registry: quay.io → 10.0.0.5:5000"])
            #expect(plan.sets == ["sidecar.image.registry=10.0.0.5:5000"], "a path the user values lack is set explicitly")
            #expect(plan.newValues.contains("registry: 10.0.0.5:5000") && plan.newValues.contains("replicas: 2"))
            let upgrade = try #require(plan.commands.last).arguments
            #expect(upgrade.prefix(5) == ["upgrade", "web", dir.file("chart"), "-n", "apps"])
            #expect(upgrade.contains("--reset-then-reuse-values") && !upgrade.contains("--version"), "\(upgrade)")
            #expect(plan.backupFile.hasPrefix(dir.file("backups/web.apps.")) && plan.backupFile.hasSuffix(".values.yaml"))
        }
        #expect(helm.commands.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.file("backups")), "planning writes no backup")
    }

    @Test func helmBefore314PassesTheRewrittenValuesWithoutResetThenReuse() async throws {
        let dir = try TemporaryDirectory("planner")
        let helm = FakeHelmDriver()
        helm.change { $0.version = SemanticVersion("3.13.3")! }
        try await withPlanner(helm) { planner in
            let plan = try await planner.plan(request(dir, chart: try chartDirectory(dir)))
            #expect(!(plan.commands.last?.arguments.contains("--reset-then-reuse-values") ?? true))
            #expect(plan.steps.first?.detail.contains("before 3.14") == true)
        }
    }

    @Test func eachRefusalHasItsCode() async throws {
        let dir = try TemporaryDirectory("planner")
        let chart = try chartDirectory(dir)

        let old = FakeHelmDriver()
        old.change { $0.version = SemanticVersion("3.7.2")! }
        try await refusal(.helmTooOld, old, request(dir, chart: chart))

        let none = FakeHelmDriver()
        none.change { $0.release = nil }
        try await refusal(.releaseMissing, none, request(dir, chart: chart))

        let stuck = FakeHelmDriver()
        stuck.change { $0.release?.status = .pendingUpgrade }
        try await refusal(.releasePending, stuck, request(dir, chart: chart))

        try await refusal(.repositoryUnknown, FakeHelmDriver(), request(dir, chart: "nowhere/web"))

        var other = request(dir, chart: chart)
        other.version = "2.0.0"
        try await refusal(.versionMissing, FakeHelmDriver(), other)

        var unwritable = request(dir, chart: chart)
        unwritable.backupDirectory = try dir.write("a-file", "x") + "/backups"
        try await refusal(.backupDirectoryUnusable, FakeHelmDriver(), unwritable)

        try await refusal(.chartUnreadable, FakeHelmDriver(), request(dir, chart: "oci://registry.example"))
    }

    @Test func aRepositoryIsAddedOnlyWhenMissingOrDifferent() async throws {
        let dir = try TemporaryDirectory("planner")
        let served = try TemporaryDirectory("repo")
        let local = LocalChartRepository(directory: served.path)
        let tree = try ChartTree.read(directory: try chartDirectory(dir))
        try await local.publish(ChartPackage(metadata: tree.metadata, bytes: try ChartArchive.package(tree)), force: false)
        let server = try StaticHTTPServer(directory: served.path)

        let helm = FakeHelmDriver()
        var asked = request(dir, chart: "site/web")
        asked.repoURL = server.url
        asked.credentials = Credentials(username: "ops", password: "s3cret-Helm", origin: "test")
        try await withPlanner(helm) { planner in
            let plan = try await planner.plan(asked)
            let add = try #require(plan.commands.first)
            #expect(add.arguments == ["repo", "add", "site", server.url, "--username", "ops", "--password-stdin"] && add.stdin == "s3cret-Helm")
            #expect(!add.description.contains("s3cret-Helm"))
            #expect(plan.commands.map { $0.arguments.prefix(2).joined(separator: " ") } == ["repo add", "repo update", "upgrade web"])
            #expect(plan.commands.last?.arguments.contains("--version") == true && plan.version == "1.1.0")

            helm.change { $0.repositories = ["site": server.url] }
            let again = try await planner.plan(request(dir, chart: "site/web"))
            #expect(again.commands.map { $0.arguments.prefix(2).joined(separator: " ") } == ["repo update", "upgrade web"])
            helm.change { $0.repositories = ["site": "http://old.example"] }
            var moved = request(dir, chart: "site/web")
            moved.repoURL = server.url
            #expect(try await planner.plan(moved).commands.first?.arguments.last == "--force-update")
        }
        #expect(helm.commands.isEmpty)
    }

    @Test func theRunnerWritesTheBackupsThenRunsHelm() async throws {
        let dir = try TemporaryDirectory("runner")
        let helm = FakeHelmDriver()
        var plan: UpgradePlan?
        try await withPlanner(helm) { plan = try await $0.plan(request(dir, chart: try chartDirectory(dir))) }
        let planned = try #require(plan)
        let result = try await UpgradeRunner(driver: helm).apply(planned)
        #expect(result.revision == 4 && result.status == "deployed")
        #expect(helm.commands.map { $0.arguments.first } == ["upgrade"])
        #expect(try String(contentsOfFile: planned.backupFile, encoding: .utf8) == FakeHelmDriver().state.withLock { $0.values })
        #expect(try String(contentsOfFile: planned.newValuesFile, encoding: .utf8) == planned.newValues)
        let mode = try FileManager.default.attributesOfItem(atPath: planned.allValuesBackupFile)[.posixPermissions] as? Int
        #expect(mode == 0o600, "values may hold secrets")

        // The same plan again: a backup is never overwritten, and helm is not run.
        do {
            _ = try await UpgradeRunner(driver: helm).apply(planned)
            Issue.record("a second apply of the same plan must refuse")
        } catch let error as UpgradeError {
            #expect(error.code == .backupFailed, "\(error)")
        }
        #expect(helm.commands.count == 1)
    }

    @Test func aFailedUpgradeNamesTheBackupAndTheRollback() async throws {
        let dir = try TemporaryDirectory("runner")
        let helm = FakeHelmDriver()
        helm.change { $0.upgradeFailure = "context deadline exceeded"; $0.failedUpgradeLeaves = .failed }
        var plan: UpgradePlan?
        try await withPlanner(helm) { plan = try await $0.plan(request(dir, chart: try chartDirectory(dir))) }
        let planned = try #require(plan)
        do {
            _ = try await UpgradeRunner(driver: helm).apply(planned)
            Issue.record("the upgrade must fail")
        } catch let error as UpgradeError {
            #expect(error.code == .upgradeFailed && error.message.contains("context deadline exceeded"), "\(error)")
            #expect(error.hint?.contains(planned.backupFile) == true && error.hint?.contains("helm rollback web 3 -n apps") == true, "\(error)")
        }
        #expect(FileManager.default.fileExists(atPath: planned.backupFile), "the backup was written before helm ran")
    }
}
