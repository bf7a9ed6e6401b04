import FerryCharts
import FerryRegistry
import FerryTestSupport
import FerryUpgrade
import Foundation
import Testing

/// helm's flags through `ferry upgrade`: spelled as the installed helm (3.x or 4.x) spells them,
/// refused by code when it lacks one, and a failed upgrade said as what it left behind.
@Suite struct HelmGrammarTests {
    let planner = UpgradePlannerTests()

    func plan(_ helm: FakeHelmDriver, _ options: HelmOptions, _ dir: TemporaryDirectory) async throws -> UpgradePlan {
        var request = planner.request(dir, chart: try planner.chartDirectory(dir))
        request.helm = options
        request.workingDirectory = dir.path
        var made: UpgradePlan?
        try await planner.withPlanner(helm) { made = try await $0.plan(request) }
        return try #require(made)
    }

    var safety: HelmOptions {
        var options = HelmOptions()
        options.wait = true
        options.waitForJobs = true
        options.atomic = true
        options.timeout = "10m"
        options.kubeContext = "prod"
        options.kubeconfig = "/etc/kube/site.conf"
        options.setStrings = ["podLabels.team=007"]
        options.historyMax = 5
        options.description = "ferry: site upgrade"
        return options
    }

    @Test func helm3SpellsThemAsHelm3() async throws {
        let dir = try TemporaryDirectory("grammar3")
        let plan = try await plan(FakeHelmDriver(), safety, dir)
        let upgrade = try #require(plan.commands.last)
        let words = upgrade.arguments
        for flag in ["--wait", "--wait-for-jobs", "--atomic", "--set-string", "--history-max", "--description", "--reset-then-reuse-values"] {
            #expect(words.contains(flag), "\(flag): \(words)")
        }
        #expect(!words.contains("--rollback-on-failure") && !words.contains("--wait=watcher"))
        #expect(words.suffix(2) == ["-o", "json"], "the output flag stays last: \(words)")
        #expect(upgrade.description.contains("--timeout 10m") && upgrade.description.contains("--kube-context prod --kubeconfig /etc/kube/site.conf"))
        // Ferry stops helm only after three times its timeout and a minute.
        #expect(upgrade.limit == .seconds(3 * 600 + 60))
    }

    @Test func helm4SpellsThemAsHelm4() async throws {
        let dir = try TemporaryDirectory("grammar4")
        let helm = FakeHelmDriver()
        helm.change { $0.version = SemanticVersion("4.0.1")! }
        let words = try #require(try await plan(helm, safety, dir).commands.last).arguments
        #expect(words.contains("--rollback-on-failure") && words.contains("--wait=watcher") && !words.contains("--atomic") && !words.contains("--wait"),
                "\(words)")
    }

    @Test func flagsTheInstalledHelmLacksAreRefusedByCode() async throws {
        let dir = try TemporaryDirectory("grammar-refused")
        let old = FakeHelmDriver()
        old.change { $0.version = SemanticVersion("3.12.3")! }
        var server = HelmOptions()
        server.dryRun = .server
        await #expect(throws: UpgradeError.self) { _ = try await plan(old, server, dir) }
        do {
            _ = try await plan(old, server, dir)
        } catch let error as UpgradeError {
            #expect(error.code == .helmFlagUnsupported && error.message.contains("Helm 3.13 added it"), "\(error)")
        }
        let current = try await plan(FakeHelmDriver(), server, dir)
        #expect(current.commands.last?.arguments.contains("--dry-run=server") == true)
        var namespaceOnly = HelmOptions(), jobsOnly = HelmOptions(), badTimeout = HelmOptions(), missingFile = HelmOptions()
        namespaceOnly.createNamespace = true
        jobsOnly.waitForJobs = true
        badTimeout.timeout = "ten minutes"
        missingFile.setFiles = ["cert=missing.pem"]
        for broken in [namespaceOnly, jobsOnly, badTimeout, missingFile] {
            do {
                _ = try await plan(FakeHelmDriver(), broken, dir)
                Issue.record("\(broken) was accepted")
            } catch let error as UpgradeError {
                #expect(error.code == .helmFlagUnsupported, "\(error)")
            }
        }
        #expect(HelmOptions.seconds("1h30m") == 5400 && HelmOptions.seconds("5m0s") == 300 && HelmOptions.seconds("250ms") == 0.25)
    }

    @Test func installPlansARelease() async throws {
        let dir = try TemporaryDirectory("grammar-install")
        let helm = FakeHelmDriver()
        helm.change { $0.release = nil }
        var options = HelmOptions()
        options.install = true
        options.createNamespace = true
        let plan = try await plan(helm, options, dir)
        let words = try #require(plan.commands.last).arguments
        #expect(plan.release.revision == 0 && words.contains("--install") && words.contains("--create-namespace"))
        #expect(!words.contains("--reset-then-reuse-values"), "nothing to reuse: \(words)")
        #expect(!helm.questions.contains { $0.hasPrefix("get values") })
    }

    /// Runs a plan whose upgrade fails, leaving the release as `leaves` says; the error that comes back.
    func failedUpgrade(leaves: HelmReleaseStatus?) async throws -> UpgradeError {
        let dir = try TemporaryDirectory("advice")
        let helm = FakeHelmDriver()
        helm.change { $0.upgradeFailure = "template: web/templates/deploy.yaml:1: nil pointer"; $0.failedUpgradeLeaves = leaves }
        let plan = try await plan(helm, HelmOptions(), dir)
        do {
            _ = try await UpgradeRunner(driver: helm).apply(plan)
        } catch let error as UpgradeError {
            return error
        }
        throw TestSupportError("the upgrade did not fail")
    }

    @Test func rollbackIsSuggestedOnlyWhenHelmMadeARevision() async throws {
        let rendering = try await failedUpgrade(leaves: nil)
        #expect(rendering.code == .upgradeNotStarted && rendering.message.contains("nothing was changed in the cluster (the release is still revision 3, deployed)"),
                "\(rendering)")
        #expect(rendering.hint?.contains("helm rollback") == false, "\(String(describing: rendering.hint))")

        let failed = try await failedUpgrade(leaves: .failed)
        #expect(failed.code == .upgradeFailed && failed.message.contains("helm created revision 4, now failed"), "\(failed)")
        #expect(failed.hint?.contains("helm rollback web 3 -n apps") == true)

        let stuck = try await failedUpgrade(leaves: .pendingUpgrade)
        #expect(stuck.message.contains("stuck until it is rolled back") && stuck.hint?.contains("helm rollback web 3 -n apps") == true, "\(stuck)")

        let atomic = try await failedUpgrade(leaves: .deployed)
        #expect(atomic.message.contains("helm rolled the release back") && atomic.hint?.contains("helm rollback") == false, "\(atomic)")
    }

    @Test func aStuckReleaseNamesTheRevisionToGoBackTo() async throws {
        let dir = try TemporaryDirectory("stuck")
        let helm = FakeHelmDriver()
        helm.change {
            $0.release?.revision = 4
            $0.release?.status = .pendingUpgrade
            $0.history.append(HelmRevision(revision: 4, status: "pending-upgrade", chart: "web-1.1.0"))
        }
        do {
            _ = try await plan(helm, HelmOptions(), dir)
            Issue.record("a pending release was planned")
        } catch let error as UpgradeError {
            #expect(error.code == .releasePending && error.message.contains("helm history: 2 superseded, 3 deployed, 4 pending-upgrade"), "\(error)")
            #expect(error.hint?.contains("helm rollback web 3 -n apps") == true, "\(String(describing: error.hint))")
        }
    }
}

/// The plan's image table: what each workload runs now and after, from helm's own dry run.
@Suite struct ImagePlanTests {
    @Test func eachWorkloadNowAndAfterWithWhatStaysOutside() async throws {
        let dir = try TemporaryDirectory("image-plan")
        let helm = FakeHelmDriver()
        let plan = try await HelmGrammarTests().plan(helm, HelmOptions(), dir)
        #expect(plan.workloadImages == [
            WorkloadImage(workload: "Deployment/web", container: "web", now: "quay.io/team/web:1.0", after: "10.0.0.5:5000/team/web:1.1", outsideTarget: false),
            WorkloadImage(workload: "Deployment/web", container: "proxy", now: nil, after: "docker.io/envoyproxy/envoy:v1.30", outsideTarget: true),
        ], "\(plan.workloadImages)")
        #expect(plan.steps.contains { $0.name == "images" && $0.detail.contains("1 would still run from outside 10.0.0.5:5000") }, "\(plan.steps)")
        // helm rendered it with a client dry run of the very upgrade, the new values from a scratch file.
        let dryRun = try #require(helm.state.withLock { $0.dryRuns.first }).arguments
        #expect(dryRun.contains("--dry-run") && !dryRun.contains(plan.newValuesFile) && dryRun.suffix(2) == ["-o", "json"], "\(dryRun)")
        #expect(helm.commands.isEmpty, "planning ran nothing that changes anything")
    }

    @Test func workloadKindsAndInitContainers() {
        let manifest = """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: backup}
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      initContainers: [{name: wait, image: busybox:1.36}]
                      containers: [{name: dump, image: r.io/tools/dump:2}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: debug}
            spec:
              containers: [{name: shell, image: r.io/tools/shell:1}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            """
        let rows = WorkloadImages.containers(in: manifest)
        #expect(rows.map { "\($0.workload) \($0.container) \($0.image)" }
                == ["CronJob/backup wait busybox:1.36", "CronJob/backup dump r.io/tools/dump:2", "Pod/debug shell r.io/tools/shell:1"])
    }
}

/// Matching a bundle's chart to the releases `helm list` shows.
@Suite struct SiteMatchingTests {
    @Test func aReleaseRunsAChartByNameWhateverItsVersion() {
        let release = { (chart: String) in HelmListedRelease(name: "r", namespace: "n", chart: chart, status: "deployed", revision: "1") }
        #expect(release("spidernet-0.8.0").runs(chart: "spidernet"))
        #expect(release("spidernet-v1.2.0-rc.1").runs(chart: "spidernet"))
        #expect(!release("spidernet-extra-0.8.0").runs(chart: "spidernet"), "another chart whose name starts the same")
        #expect(!release("spider-0.8.0").runs(chart: "spidernet"))
    }

    @Test func helmListRevisionsAsStringsOrNumbers() throws {
        let listed = try JSONDecoder().decode([HelmListedRelease].self, from: Data(#"""
            [{"name":"a","namespace":"x","revision":"3","updated":"2026-12-01 10:00:00","status":"deployed","chart":"a-1.0.0","app_version":"1"},
             {"name":"b","namespace":"y","revision":4,"status":"failed","chart":"b-2.0.0","app_version":""}]
            """#.utf8))
        #expect(listed.map(\.revision) == ["3", "4"] && listed[1].runs(chart: "b"))
    }

    @Test func modulesWithoutAReleaseAreNotInstalledUnlessInstalling() async throws {
        let planner = UpgradePlannerTests()
        let dir = try TemporaryDirectory("site-unit")
        let helm = FakeHelmDriver()
        let chart = try planner.chartDirectory(dir)
        let modules = [SiteUpgrade.Module(bundle: "web.bundle.tar", chart: "web", version: "1.1.0", chartArgument: chart),
                       SiteUpgrade.Module(bundle: "db.bundle.tar", chart: "db", version: "1.1.0", chartArgument: chart)]
        var base = planner.request(dir, chart: chart)
        base.workingDirectory = dir.path
        try await HTTPTransport.with(security: TransportSecurity(mode: .plainHTTP)) { transport in
            let site = SiteUpgrade(driver: helm, transport: transport)
            let entries = try await site.plan(modules, base: base, release: nil, namespace: nil)
            #expect(entries.map(\.module.chart) == ["web", "db"], "planned first (by namespace), then what is not installed")
            if case .planned(let plan) = entries[0].state { #expect(plan.release.name == "web" && plan.release.namespace == "apps") } else { Issue.record("\(entries[0])") }
            if case .notInstalled = entries[1].state {} else { Issue.record("\(entries[1])") }
            base.helm.install = true
            let installing = try await site.plan([modules[1]], base: base, release: nil, namespace: "data")
            if case .planned(let plan) = installing[0].state { #expect(plan.release.revision == 0 && plan.release.namespace == "data") } else { Issue.record("\(installing)") }
        }
    }
}
