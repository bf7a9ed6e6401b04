import FerryArchive
import FerryCharts
import FerryCommands
import FerryOCI
import FerryTestSupport
import Foundation
import Testing

/// `ferry upgrade` against a fake `helm` (none is packaged here) whose upgrades are rendered by the
/// real Helm engine, with charts from a real chart repository (served directory) and images in the
/// real registry.
@Suite struct UpgradeCommandTests {
    struct Site {
        let registry: LiveRegistry
        let dir: TemporaryDirectory
        let helm: FakeHelm
        let repo: StaticHTTPServer
        let chartV1: String

        func ferry(_ arguments: [String], helmEnvironment: [String: String]? = nil) async -> CLIRunner.Result {
            var env = helmEnvironment ?? helm.environment
            env["PWD"] = dir.path
            env["FERRY_CACHE_DIR"] = dir.file("cache")
            return await CLIRunner.run(["upgrade"] + arguments, environment: env)
        }

        var repoArguments: [String] {
            ["spidernet", "-n", "spidernet-system", "--chart", "spidernet-release/spidernet", "--repo-url", repo.url,
             "--image-registry", registry.host]
        }

        func runHelm(_ arguments: [String]) throws -> Subprocess.Result {
            var env = ProcessInfo.processInfo.environment
            for (key, value) in helm.environment { env[key] = value }
            return try Subprocess.run(helm.binDirectory + "/helm", arguments, environment: env)
        }
    }

    func chart(_ version: String, tag: String) -> ChartFixture {
        ChartFixture(name: "spidernet", version: version,
                     images: [("spiderpool", TestImage.make("ghcr.io/spidernet-io/spiderpool/spiderpool-agent:\(tag)")),
                              ("ui", TestImage.make("docker.io/spidernet-io/ui:\(tag)"))],
                     subchart: .init(name: "multus", image: TestImage.make("quay.io/spidernet/multus:\(tag)")))
    }

    /// Version 1.0.0 installed from the vendor's chart; version 1.1.0 synced into a LOCAL chart
    /// repository (images in the registry) and served over HTTP.
    func site(helmVersion: String = "v3.14.4") async throws -> Site {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("upgrade")
        let v1 = chart("1.0.0", tag: "v0.8.0"), v2 = chart("1.1.0", tag: "v0.9.0")
        for (name, bytes) in v1.files {
            _ = try dir.write("vendor/spidernet/\(name)", bytes)
        }
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/spidernet-1.1.0.bundle.tar"), chart: v2)
        _ = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry.host)
              containerRepository: release.daocloud.io/spidernet
              repo: {kind: LOCAL, path: local-repo}
            """)
        let sync = await CLIRunner.run(["sync", "-c", dir.file("load-image.yaml")], environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
        #expect(sync.exitCode == 0, "\(sync.stdout)\(sync.stderr)")
        let helm = try FakeHelm(version: helmVersion)
        let site = Site(registry: registry, dir: dir, helm: helm, repo: try StaticHTTPServer(directory: dir.file("local-repo")),
                        chartV1: dir.file("vendor/spidernet"))
        let installed = try site.runHelm(["install", "spidernet", site.chartV1, "-n", "spidernet-system", "--create-namespace",
                                          "--set", "replicaCount=2", "--set", "spiderpool.image.registry=ghcr.io"])
        #expect(installed.status == 0, "\(installed.stderr)")
        return site
    }

    @Test func planThenUpgradeFromARepository() async throws {
        let site = try await site()
        let planned = await site.ferry(site.repoArguments + ["--plan"])
        #expect(planned.exitCode == 0, "\(planned.stdout)\(planned.stderr)")
        let out = planned.stdout
        #expect(out.contains("nothing was changed"))
        #expect(out.contains("helm repo add spidernet-release \(site.repo.url)"))
        #expect(out.contains("helm repo update spidernet-release"))
        #expect(out.contains("helm upgrade spidernet spidernet-release/spidernet -n spidernet-system --version 1.1.0 -f "))
        #expect(out.contains("--reset-then-reuse-values"))
        #expect(out.contains("spiderpool.image.registry: ghcr.io → \(site.registry.host)"))
        #expect(out.contains("Preflight: 3 image(s) checked in the registry, all present"))
        // The plan changed nothing: helm was only asked questions.
        let changing = site.helm.calls.filter { call in
            let verb = call.split(separator: " ").dropFirst().prefix(2).joined(separator: " ")
            return (verb.hasPrefix("upgrade") && !call.contains("--dry-run")) || verb.hasPrefix("repo add") || verb.hasPrefix("repo update")
        }
        #expect(changing.isEmpty, "\(site.helm.calls)")
        // The image plan: each workload's image now and after, rendered by helm's own dry run.
        #expect(out.contains("Images (now → after the upgrade; ! still outside \(site.registry.host)):"), "\(out)")
        #expect(out.contains("ghcr.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0 → \(site.registry.host)/release.daocloud.io/spidernet/spiderpool-agent:v0.9.0"),
                "\(out)")
        #expect(!FileManager.default.fileExists(atPath: site.dir.file("ferry-backups")))
        let json = await site.ferry(site.repoArguments + ["--plan", "--output", "json"])
        let document = try Documents.decode(UpgradePlanDocument.self, json.stdout)
        #expect(document.release == "spidernet" && document.version == "1.1.0" && document.currentRevision == 1, "\(json.stdout)")
        #expect(document.valuesChanges.contains { $0.path == ["spiderpool", "image", "registry"] && $0.old == "ghcr.io" && $0.new == site.registry.host },
                "\(json.stdout)")
        #expect(document.missingImages.isEmpty && document.images.count == 3)

        let applied = await site.ferry(site.repoArguments)
        #expect(applied.exitCode == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(applied.stdout.contains("Upgraded spidernet in spidernet-system: revision 2, deployed"))
        #expect(applied.stdout.contains("To go back: helm rollback spidernet 1 -n spidernet-system"))

        // Every image of the deployed release comes from the site registry, and is there.
        let manifest = try site.helm.manifest(release: "spidernet", namespace: "spidernet-system")
        let images = manifest.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "image: ") else { return nil }
            return line[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }
        #expect(images.count == 3, "\(manifest)")
        for image in images {
            #expect(image.hasPrefix("\(site.registry.host)/release.daocloud.io/spidernet/"), "\(image)")
            #expect(image.hasSuffix(":v0.9.0"))
            _ = try Skopeo.copy(image, from: site.registry, into: site.dir)
        }
        // User values survived; the registry override now names the site registry.
        let values = try site.helm.values(release: "spidernet", namespace: "spidernet-system") as? [String: Any]
        #expect(values?["replicaCount"] as? Int == 2)
        #expect(((values?["spiderpool"] as? [String: Any])?["image"] as? [String: Any])?["registry"] as? String == site.registry.host)
        // The backups hold the values as they were.
        let backups = try FileManager.default.contentsOfDirectory(atPath: site.dir.file("ferry-backups")).sorted()
        #expect(backups.count == 3)
        let backup = try String(contentsOfFile: site.dir.file("ferry-backups/") + backups.first { $0.hasSuffix(".values.yaml") && !$0.contains("all-") && !$0.contains("new-") }!, encoding: .utf8)
        #expect(backup.contains("registry: ghcr.io"))
    }

    @Test func upgradeFromAChartDirectoryAndWithHelm313() async throws {
        let site = try await site(helmVersion: "v3.13.3")
        let unpacked = try ChartArchive.files(ofTgz: Array(try Data(contentsOf: URL(fileURLWithPath: site.dir.file("local-repo/spidernet-1.1.0.tgz")))), origin: "pkg")
        for (name, bytes) in unpacked { _ = try site.dir.write("relocated/spidernet/\(name)", bytes) }
        let result = await site.ferry(["spidernet", "-n", "spidernet-system", "--chart", site.dir.file("relocated/spidernet"),
                                       "--image-registry", site.registry.host, "--set", "replicaCount=3"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let upgrade = try #require(site.helm.calls.first { ($0.contains(" upgrade ") || $0.hasPrefix("helm upgrade")) && !$0.contains("--dry-run") })
        #expect(!upgrade.contains("--reset-then-reuse-values"), "\(upgrade)")
        #expect(result.stderr.contains("no --reset-then-reuse-values before 3.14"))
        let values = try site.helm.values(release: "spidernet", namespace: "spidernet-system") as? [String: Any]
        #expect(values?["replicaCount"] as? Int == 3)
        let manifest = try site.helm.manifest(release: "spidernet", namespace: "spidernet-system")
        #expect(manifest.contains("\(site.registry.host)/release.daocloud.io/spidernet/multus:v0.9.0"))
    }

    @Test func aFailedRenderingShowsHelmsMessageAndSaysNothingChanged() async throws {
        let site = try await site()
        let unpacked = try ChartArchive.files(ofTgz: Array(try Data(contentsOf: URL(fileURLWithPath: site.dir.file("local-repo/spidernet-1.1.0.tgz")))), origin: "pkg")
        for (name, bytes) in unpacked { _ = try site.dir.write("broken/spidernet/\(name)", bytes) }
        _ = try site.dir.write("broken/spidernet/templates/broken.yaml", "value: {{ .Values.no.such.key }}\n")
        let result = await site.ferry(["spidernet", "-n", "spidernet-system", "--chart", site.dir.file("broken/spidernet"),
                                       "--image-registry", site.registry.host])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("UPGRADE FAILED"), "\(result.stderr)")
        // helm failed while rendering: no revision was made, so there is nothing to roll back.
        #expect(result.stderr.contains("helm stopped before it created a revision: nothing was changed in the cluster (the release is still revision 1, deployed)"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("helm rollback"), "\(result.stderr)")
        // The backup was written before helm ran.
        #expect(try FileManager.default.contentsOfDirectory(atPath: site.dir.file("ferry-backups")).count == 3)
    }

    /// The refusals that depend on the real driver reading helm (its absence, its version, a
    /// release's status) or on the registry; the planner's other refusals are unit tests.
    @Test func refusalsChangeNothing() async throws {
        let site = try await site()
        func expectRefused(_ arguments: [String], _ fragments: [String], environment: [String: String]? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) async {
            let result = await site.ferry(arguments, helmEnvironment: environment)
            #expect(result.exitCode == 1, "\(result.stderr)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect((result.stderr + result.stdout).contains(fragment), "\(fragment) in \(result.stderr)\(result.stdout)", sourceLocation: sourceLocation)
            }
            #expect(!site.helm.calls.contains { $0.contains(" upgrade ") && !$0.contains("--dry-run") }, sourceLocation: sourceLocation)
        }
        let empty = try LiveRegistry.start(.plain)
        var elsewhere = site.repoArguments
        elsewhere[elsewhere.firstIndex(of: site.registry.host)!] = empty.host
        await expectRefused(elsewhere, ["not in the registry", "\(empty.host)/"])
        await expectRefused(site.repoArguments, ["helm is not installed"], environment: ["PATH": "/nonexistent"])
        try site.helm.setStatus(release: "spidernet", namespace: "spidernet-system", status: "pending-upgrade")
        await expectRefused(site.repoArguments, ["pending-upgrade", "helm rollback spidernet"])

        let old = try FakeHelm(version: "v3.7.0")
        await expectRefused(site.repoArguments, ["helm 3.7.0 is too old"], environment: old.environment)
    }
}

/// helm's safety flags end to end, through the fake helm in both grammars.
@Suite struct UpgradeHelmFlagTests {
    let base = UpgradeCommandTests()

    func calls(_ site: UpgradeCommandTests.Site) -> [String] { site.helm.calls.filter { $0.hasPrefix("helm upgrade ") } }

    @Test(arguments: ["v3.14.4", "v4.0.1"])
    func safetyFlagsReachHelmInItsOwnSpelling(helmVersion: String) async throws {
        let site = try await base.site(helmVersion: helmVersion)
        let result = await site.ferry(site.repoArguments + ["--wait", "--wait-for-jobs", "--timeout", "2m", "--atomic",
                                                            "--history-max", "4", "--description", "site upgrade", "--set-string", "podLabels.team=007",
                                                            "--kube-context", "kind-site"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let upgrade = try #require(calls(site).last, "\(site.helm.calls)")
        let helm4 = helmVersion.hasPrefix("v4")
        #expect(upgrade.contains(helm4 ? "--rollback-on-failure" : "--atomic") && !upgrade.contains(helm4 ? "--atomic" : "--rollback-on-failure"), "\(upgrade)")
        #expect(upgrade.contains(helm4 ? "--wait=watcher" : "--wait --wait-for-jobs") && upgrade.contains("--timeout 2m"), "\(upgrade)")
        #expect(upgrade.contains("--kube-context kind-site") && upgrade.contains("--history-max 4"), "\(upgrade)")
        // The context reached every command that reads the cluster, not only the upgrade.
        #expect(site.helm.calls.filter { $0.hasPrefix("helm status ") || $0.hasPrefix("helm get values ") }.allSatisfy { $0.contains("--kube-context kind-site") },
                "\(site.helm.calls)")
        let description = try site.runHelm(["history", "spidernet", "-n", "spidernet-system", "-o", "json"]).stdout
        #expect(description.contains("site upgrade"), "\(description)")
    }

    @Test func dryRunIsThePlanAndServerAlsoAsksHelm() async throws {
        let site = try await base.site()
        let client = await site.ferry(site.repoArguments + ["--dry-run"])
        #expect(client.exitCode == 0 && client.stdout.contains("Plan for upgrading spidernet"), "\(client.stdout)\(client.stderr)")
        // Only helm's own client dry run (the image plan) ran; no backup was written.
        #expect(calls(site).allSatisfy { $0.contains("--dry-run") } && !FileManager.default.fileExists(atPath: site.dir.file("ferry-backups")),
                "\(calls(site))")
        let server = await site.ferry(site.repoArguments + ["--dry-run=server"])
        #expect(server.exitCode == 0 && server.stdout.contains("helm's server-side dry run of spidernet in spidernet-system: revision 2 would be pending-upgrade; nothing was changed"),
                "\(server.stdout)\(server.stderr)")
        #expect(calls(site).last?.contains("--dry-run=server") == true)
        let status = try site.runHelm(["status", "spidernet", "-n", "spidernet-system", "-o", "json"]).stdout
        #expect(status.contains("\"version\":1"), "the release is still revision 1: \(status)")
        // helm 3.12 has no --dry-run=server: refused before anything runs, exit 2.
        let old = try await base.site(helmVersion: "v3.12.3")
        let refused = await old.ferry(old.repoArguments + ["--dry-run=server"])
        #expect(refused.exitCode == 2 && refused.stderr.contains("Helm 3.13 added it"), "\(refused.stderr)")
    }

    @Test func aFailedRolloutIsSaidAsWhatItLeft() async throws {
        let site = try await base.site()
        try site.helm.failWaits()
        let failed = await site.ferry(site.repoArguments + ["--wait", "--timeout", "1m"])
        #expect(failed.exitCode == 1, "\(failed.stdout)\(failed.stderr)")
        #expect(failed.stderr.contains("helm created revision 2, now failed") && failed.stderr.contains("helm rollback spidernet 1 -n spidernet-system"),
                "\(failed.stderr)")
        let atomic = await site.ferry(site.repoArguments + ["--atomic"])
        #expect(atomic.exitCode == 1 && atomic.stderr.contains("helm rolled the release back"), "\(atomic.stderr)")
        #expect(!atomic.stderr.contains("hint: to return"), "\(atomic.stderr)")
    }
}

/// `ferry upgrade --bundles`: a whole site's modules in one plan, upgraded in order, stopping at
/// the first failure.
@Suite struct SiteUpgradeTests {
    func module(_ name: String, _ version: String, tag: String, broken: Bool = false) -> ChartFixture {
        var chart = ChartFixture(name: name, version: version, images: [("app", TestImage.make("docker.io/vendor/\(name):\(tag)"))])
        if broken { chart.extraFiles = [("templates/broken.yaml", "value: {{ .Values.no.such.key }}\n")] }
        return chart
    }

    @Test func aSiteOfModulesWhereTheSecondFails() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory("site")
        let helm = try FakeHelm()
        var env = helm.environment
        env["PWD"] = dir.path
        env["FERRY_CACHE_DIR"] = dir.file("cache")
        // Version 1 of alpha, bravo and charlie runs in namespace site; the bundles bring 1.1.0 of
        // each (bravo's new chart does not render) and delta, which is not installed.
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        for name in ["alpha", "bravo", "charlie"] {
            for (file, bytes) in module(name, "1.0.0", tag: "v1").files { _ = try dir.write("v1/\(name)/\(file)", bytes) }
            var install = ProcessInfo.processInfo.environment
            for (key, value) in helm.environment { install[key] = value }
            let installed = try Subprocess.run(helm.binDirectory + "/helm", ["install", name, dir.file("v1/\(name)"), "-n", "site", "--create-namespace"],
                                               environment: install)
            #expect(installed.status == 0, "\(installed.stderr)")
            try BundleFixture.write(to: dir.file("offline/\(name)-1.1.0.bundle.tar"), chart: module(name, "1.1.0", tag: "v2", broken: name == "bravo"))
        }
        try BundleFixture.write(to: dir.file("offline/delta-1.0.0.bundle.tar"), chart: module("delta", "1.0.0", tag: "v1"))
        _ = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: \(registry.host)
              containerRepository: site
              repo: {kind: LOCAL, path: local-repo}
            """)
        let sync = await CLIRunner.run(["sync", "-c", dir.file("load-image.yaml")], environment: env)
        #expect(sync.exitCode == 0, "\(sync.stdout)\(sync.stderr)")
        let repo = try StaticHTTPServer(directory: dir.file("local-repo"))
        let args = ["upgrade", "--bundles", dir.file("offline"), "--image-registry", registry.host, "--chart-repo", repo.url]

        let plan = await CLIRunner.run(args + ["--plan"], environment: env)
        #expect(plan.exitCode == 0, "\(plan.stdout)\(plan.stderr)")
        for line in ["Site plan: 4 module release(s)", "alpha 1.1.0 → alpha in site (revision 1, running alpha-1.0.0)",
                     "bravo 1.1.0 → bravo in site (revision 1, running bravo-1.0.0)", "charlie 1.1.0 → charlie in site (revision 1, running charlie-1.0.0)",
                     "delta 1.0.0 → not installed", "Preflight: 1 image(s) checked in the registry, all present"] {
            #expect(plan.stdout.contains(line), "\(line)\n\(plan.stdout)")
        }
        #expect(!helm.calls.contains { $0.hasPrefix("helm upgrade") && !$0.contains("--dry-run") }, "the plan upgraded nothing")

        // helm's own server-side dry run of each module: alpha's passes, bravo's does not render.
        let server = await CLIRunner.run(args + ["--dry-run=server"], environment: env)
        #expect(server.exitCode == 1 && server.stdout.contains("helm's server-side dry run of alpha in site: revision 2 would be pending-upgrade"),
                "\(server.stdout)\(server.stderr)")
        #expect(server.stderr.contains("bravo"), "\(server.stderr)")
        #expect(!helm.calls.contains { $0.hasPrefix("helm upgrade") && !$0.contains("--dry-run") }, "the dry run upgraded nothing")

        let run = await CLIRunner.run(args, environment: env)
        #expect(run.exitCode == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("upgraded alpha in site: revision 2"), "\(run.stdout)")
        #expect(run.stdout.contains("failed   bravo in site:") && run.stdout.contains("nothing was changed in the cluster"), "\(run.stdout)")
        #expect(run.stdout.contains("Done: 1 upgraded; stopped at site/bravo; left: site/charlie; not installed: delta"), "\(run.stdout)")
        // charlie was left as it was.
        var status = ProcessInfo.processInfo.environment
        for (key, value) in helm.environment { status[key] = value }
        let charlie = try Subprocess.run(helm.binDirectory + "/helm", ["status", "charlie", "-n", "site", "-o", "json"], environment: status)
        #expect(charlie.stdout.contains("\"version\":1"), "\(charlie.stdout)")
    }
}
