import FerryCharts
import FerryUpgrade
import Foundation
import Synchronization

/// A FAKE `HelmDriver` held in memory, for unit tests of the planner and the runner: helm's
/// version, its repositories and one release are whatever the test says; every command that
/// would change something is recorded, and `upgrade` answers as `helm upgrade -o json` does (or
/// fails, when told to).
final class FakeHelmDriver: HelmDriver, Sendable {
    struct State {
        var version = SemanticVersion("3.14.4")!
        var repositories: [String: String] = [:]
        var release: HelmRelease? = HelmRelease(name: "web", namespace: "apps", revision: 3, status: .deployed,
                                                chart: "web", chartVersion: "1.0.0")
        var values = "image:\n  registry: quay.io\n  repository: team/web\nreplicas: 2\n"
        var allValues = "image:\n  registry: quay.io\n  repository: team/web\n  tag: \"1.0\"\nreplicas: 2\n"
        /// helm's message when `upgrade` should fail.
        var upgradeFailure: String?
        /// When a failing upgrade got as far as a revision: the status helm leaves it in
        /// (`failed`, `pending-upgrade`; `deployed` after --atomic rolled it back).
        var failedUpgradeLeaves: HelmReleaseStatus?
        var history: [HelmRevision] = [HelmRevision(revision: 2, status: "superseded", chart: "web-0.9.0"),
                                       HelmRevision(revision: 3, status: "deployed", chart: "web-1.0.0")]
        var commands: [HelmCommand] = []
        var questions: [String] = []
        /// What `helm get manifest` gives, and the manifest helm's dry run renders.
        var manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: web, image: quay.io/team/web:1.0}\n"
        var renderedManifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: web, image: 10.0.0.5:5000/team/web:1.1}\n      - {name: proxy, image: docker.io/envoyproxy/envoy:v1.30}\n"
        var dryRuns: [HelmCommand] = []
    }

    let state = Mutex(State())

    func change(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    var commands: [HelmCommand] { state.withLock { $0.commands } }
    var questions: [String] { state.withLock { $0.questions } }

    func version() async throws -> SemanticVersion {
        state.withLock { $0.questions.append("version"); return $0.version }
    }

    func repositories() async throws -> [String: String] {
        state.withLock { $0.questions.append("repo list"); return $0.repositories }
    }

    func release(_ name: String, namespace: String) async throws -> HelmRelease? {
        state.withLock { state in
            state.questions.append("status \(name) -n \(namespace)")
            return state.release.flatMap { $0.name == name && $0.namespace == namespace ? $0 : nil }
        }
    }

    func values(_ name: String, namespace: String, all: Bool) async throws -> String {
        state.withLock { $0.questions.append("get values\(all ? " --all" : "")"); return all ? $0.allValues : $0.values }
    }

    func run(_ command: HelmCommand) async throws -> String {
        let (failure, revision) = state.withLock { state -> (String?, Int) in
            state.commands.append(command)
            guard command.arguments.first == "upgrade" else { return (nil, 0) }
            let next = (state.release?.revision ?? 0) + 1
            if state.upgradeFailure != nil, let left = state.failedUpgradeLeaves, var release = state.release {
                // helm got as far as a revision (or two, when it rolled back by itself).
                let made = left == .deployed ? next + 1 : next
                state.history.append(HelmRevision(revision: next, status: left == .deployed ? "failed" : left.description, chart: "web-1.1.0"))
                if left == .deployed { state.history.append(HelmRevision(revision: made, status: "deployed", chart: release.chart + "-" + release.chartVersion)) }
                release.revision = made
                release.status = left
                state.release = release
            }
            return (state.upgradeFailure, next)
        }
        guard command.arguments.first == "upgrade" else { return "" }
        if let failure { throw UpgradeError(.helmFailed, "helm upgrade failed: \(failure)") }
        return #"{"name":"web","version":\#(revision),"info":{"status":"deployed"}}"#
    }

    func manifest(_ name: String, namespace: String) async throws -> String {
        state.withLock { $0.questions.append("get manifest"); return $0.manifest }
    }

    func dryRun(_ command: HelmCommand) async throws -> String {
        let manifest = state.withLock { state -> String in
            state.dryRuns.append(command)
            return state.renderedManifest
        }
        let object: [String: Any] = ["name": "web", "version": 4, "info": ["status": "pending-upgrade"], "manifest": manifest]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func list() async throws -> [HelmListedRelease] {
        state.withLock { state in
            state.questions.append("list")
            return state.release.map { [HelmListedRelease(name: $0.name, namespace: $0.namespace, chart: "\($0.chart)-\($0.chartVersion)",
                                                          status: $0.status.description, revision: String($0.revision))] } ?? []
        }
    }

    func history(_ name: String, namespace: String) async throws -> [HelmRevision] {
        state.withLock { $0.questions.append("history \(name)"); return $0.history }
    }
}
