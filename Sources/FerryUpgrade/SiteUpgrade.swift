import FerryRegistry
import Foundation

/// `ferry upgrade --bundles DIR`: a platform release's modules in one plan. Each bundle's chart is
/// matched to the releases that run it (`helm list`), every upgrade is planned and preflighted
/// before any runs, then they run in a stable order, stopping at the first failure.
package struct SiteUpgrade: Sendable {
    /// One bundle's chart, as the command read it.
    package struct Module: Sendable {
        package var bundle: String
        package var chart: String
        package var version: String
        /// `--chart` for this module: `repo/chart` of the repository sync published to, or the
        /// bundle's chart written as a package.
        package var chartArgument: String

        package init(bundle: String, chart: String, version: String, chartArgument: String) {
            (self.bundle, self.chart, self.version, self.chartArgument) = (bundle, chart, version, chartArgument)
        }
    }

    /// A module and what will happen to it.
    package struct Entry: Sendable {
        package enum State: Sendable {
            case planned(UpgradePlan)
            /// No release runs the chart (and --install was not given).
            case notInstalled
            case refused(String)
        }
        package var module: Module
        package var release: String?
        package var namespace: String?
        /// What `helm list` says the release runs now (`alpha-1.0.0`); empty for an install.
        package var running: String = ""
        package var state: State
    }

    package let driver: any HelmDriver
    package let transport: HTTPTransport

    package init(driver: any HelmDriver, transport: HTTPTransport) {
        self.driver = driver
        self.transport = transport
    }

    /// Every module planned: each release running its chart (narrowed by `release` and
    /// `namespace`), or an install into `namespace` with --install. Sorted by namespace and release.
    package func plan(_ modules: [Module], base: UpgradeRequest, release: String?, namespace: String?) async throws -> [Entry] {
        let listed = try await driver.list()
        var entries: [Entry] = []
        let planner = UpgradePlanner(driver: driver, transport: transport)
        for module in modules {
            var targets = listed.filter { $0.runs(chart: module.chart) }
            if let release { targets = targets.filter { $0.name == release } }
            if let namespace { targets = targets.filter { $0.namespace == namespace } }
            if targets.isEmpty && base.helm.install {
                targets = [HelmListedRelease(name: release ?? module.chart, namespace: namespace ?? base.namespace, chart: "", status: "", revision: "0")]
            }
            guard !targets.isEmpty else {
                entries.append(Entry(module: module, release: nil, namespace: nil, state: .notInstalled))
                continue
            }
            for target in targets {
                var request = base
                request.release = target.name
                request.namespace = target.namespace
                request.chart = module.chartArgument
                request.version = module.version
                do {
                    entries.append(Entry(module: module, release: target.name, namespace: target.namespace, running: target.chart,
                                         state: .planned(try await planner.plan(request))))
                } catch {
                    entries.append(Entry(module: module, release: target.name, namespace: target.namespace, running: target.chart,
                                         state: .refused("\(error)")))
                }
            }
        }
        return entries.sorted { ($0.namespace ?? "~", $0.release ?? $0.module.chart) < ($1.namespace ?? "~", $1.release ?? $1.module.chart) }
    }

    /// The outcome of one planned upgrade when the site is applied.
    package struct Outcome: Sendable {
        package var release: String
        package var namespace: String
        package var result: UpgradeResult?
        package var error: String?
    }

    /// Applies every planned entry in order; the first failure stops the rest, which are returned as left.
    package func apply(_ entries: [Entry]) async -> (done: [Outcome], failed: Outcome?, left: [Entry]) {
        var done: [Outcome] = []
        let planned = entries.filter { if case .planned = $0.state { true } else { false } }
        for (index, entry) in planned.enumerated() {
            guard case .planned(let plan) = entry.state else { continue }
            do {
                let result = try await UpgradeRunner(driver: driver).apply(plan)
                done.append(Outcome(release: plan.release.name, namespace: plan.release.namespace, result: result, error: nil))
            } catch {
                let failed = Outcome(release: plan.release.name, namespace: plan.release.namespace, result: nil,
                                     error: "\(error)" + ((error as? UpgradeError)?.hint.map { "\n  hint: \($0)" } ?? ""))
                return (done, failed, Array(planned[(index + 1)...]))
            }
        }
        return (done, nil, [])
    }
}
