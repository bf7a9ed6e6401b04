import ArgumentParser
import FerryArchive
import FerryCharts
import FerryCore
import FerryRegistry
import FerrySync
import FerryUpgrade
import Foundation

extension Ferry.Upgrade {
    /// --bundles: every module of the directory, planned and preflighted before any upgrade runs.
    func runSite(_ directory: String, request: UpgradeRequest, driver: HelmCLIDriver, transport: HTTPTransport) async throws {
        let console = Console.current
        let scratch = NSTemporaryDirectory() + "ferry-site-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let modules = try await readModules(directory, scratch: scratch)
        let site = SiteUpgrade(driver: driver, transport: transport)
        let entries = try await site.plan(modules, base: request, release: onlyRelease, namespace: namespace)
        showSitePlan(entries, directory: directory)
        let refused = entries.compactMap(refusal)
        guard refused.isEmpty else {
            throw UpgradeError(.preflightFailed, "\(refused.count) of \(entries.count) module(s) cannot be upgraded, so none was: " + refused.joined(separator: "; "),
                               hint: "fix those (or narrow with --release and -n) and run again; nothing was changed")
        }
        if request.helm.dryRun == .server {
            for entry in entries { if case .planned(let plan) = entry.state { try await serverDryRun(plan, driver: driver) } }
        }
        if plan || request.helm.dryRun != nil { return }
        let (done, failed, left) = await site.apply(entries)
        for outcome in done {
            let result = outcome.result
            if output.output == .json {
                if let result { console.out(JSONLines.event("release.upgraded", UpgradeDoneDocument(result: result))) }
            } else {
                console.out("upgraded \(outcome.release) in \(outcome.namespace): revision \(result?.revision ?? 0), \(result?.status ?? "")")
            }
        }
        let summary = SiteSummaryDocument(upgraded: done.map { "\($0.namespace)/\($0.release)" },
                                          failed: failed.map { "\($0.namespace)/\($0.release)" },
                                          left: left.map { "\($0.namespace ?? "")/\($0.release ?? $0.module.chart)" },
                                          notInstalled: entries.filter { if case .notInstalled = $0.state { true } else { false } }.map(\.module.chart),
                                          ok: failed == nil)
        if output.output == .json {
            if let failed { console.out(JSONLines.event("error", CommandFailure(message: failed.error ?? "", code: "upgradeFailed", hint: nil, exitCode: 1))) }
            console.out(JSONLines.event("summary", summary))
        } else {
            if let failed { console.out("failed   \(failed.release) in \(failed.namespace): \(failed.error ?? "")") }
            var line = "Done: \(done.count) upgraded"
            if let failed { line += "; stopped at \(failed.namespace)/\(failed.release)" }
            if !left.isEmpty { line += "; left: " + summary.left.joined(separator: ", ") }
            if !summary.notInstalled.isEmpty { line += "; not installed: " + summary.notInstalled.joined(separator: ", ") }
            console.out(line)
        }
        if failed != nil { throw ExitCode(ExitStatus.partialFailure) }
    }

    /// Why an entry keeps the whole site from being upgraded: it could not be planned, or its
    /// preflight found images missing.
    func refusal(_ entry: SiteUpgrade.Entry) -> String? {
        switch entry.state {
        case .refused(let why): return "\(entry.module.chart) \(entry.module.version) → \(entry.release ?? "?") in \(entry.namespace ?? "?"): \(why)"
        case .planned(let plan) where !plan.missingImages.isEmpty && !plan.preflightSkipped:
            return "\(plan.release.name) in \(plan.release.namespace): \(plan.missingImages.count) image(s) missing from the registry: \(plan.missingImages.joined(separator: ", "))"
        default: return nil
        }
    }

    /// Each bundle's chart name and version; its chart as `repo/chart` of --chart-repo, else the
    /// bundle's own chart packaged into `scratch`. Only the outer index and the chart are read:
    /// the images were pushed by sync, and an upgrade needs none of their bytes.
    func readModules(_ directory: String, scratch: String) async throws -> [SiteUpgrade.Module] {
        let cwd = Console.current.workingDirectory
        let path = directory.hasPrefix("/") ? directory : (cwd as NSString).appendingPathComponent(directory)
        let found = try BundleDiscovery.discover(in: path)
        var modules: [SiteUpgrade.Module] = []
        for bundlePath in found.bundles {
            let chart = try await Blocking.run {
                let index = try TarIndex(file: try RandomAccessFile(path: bundlePath))
                guard ModuleBundle.looksLikeBundle(index) else {
                    throw UpgradeError(.chartUnreadable, "\(bundlePath) is not a bundle (no images.tar with hints.yaml or original-chart/)")
                }
                return try ChartTree.load(bundleIndex: index, path: bundlePath)
            }
            let name = chart.metadata.name, version = chart.metadata.version
            var argument = "\(repoName ?? "ferry-site")/\(name)"
            if chartRepo == nil {
                argument = scratch + "/\(name)-\(version).tgz"
                guard FileManager.default.createFile(atPath: argument, contents: Data(try ChartArchive.package(chart))) else {
                    throw UpgradeError(.chartUnreadable, "cannot write \(argument)")
                }
            }
            modules.append(.init(bundle: bundlePath, chart: name, version: version, chartArgument: argument))
        }
        guard !modules.isEmpty else { throw UpgradeError(.chartUnreadable, "\(directory) holds no .bundle.tar") }
        return modules
    }

    /// One plan for the site: a line per module, then each upgrade's plan.
    func showSitePlan(_ entries: [SiteUpgrade.Entry], directory: String) {
        let console = Console.current
        if output.output == .json {
            for entry in entries {
                if case .planned(let plan) = entry.state { console.out(JSONLines.event("plan", UpgradePlanDocument(plan))) }
            }
            return
        }
        console.out("Site plan: \(entries.count) module release(s) from \(directory) (nothing was changed):")
        for entry in entries {
            let module = "\(entry.module.chart) \(entry.module.version)"
            switch entry.state {
            case .planned(let plan):
                let from = plan.release.revision == 0 ? "install" : "revision \(plan.release.revision), running \(entry.running)"
                console.out("  \(module) → \(plan.release.name) in \(plan.release.namespace) (\(from))")
            case .notInstalled:
                console.out("  \(module) → not installed (--install installs it into -n)")
            case .refused(let why):
                console.out("  \(module) → \(entry.release ?? "?") in \(entry.namespace ?? "?"): cannot be planned: \(why)")
            }
        }
        for entry in entries {
            if case .planned(let plan) = entry.state { printPlan(plan, applying: false) }
        }
    }
}

/// The last line of `ferry upgrade --bundles --output json`.
package struct SiteSummaryDocument: Codable, Sendable {
    package var upgraded: [String]
    package var failed: String?
    package var left: [String]
    package var notInstalled: [String]
    package var ok: Bool
}
