import Foundation

/// helm's own flags, as `ferry upgrade` takes them (helm's names) and passes them through, each
/// spelled as the installed helm spells it (`HelmGrammar`).
package struct HelmOptions: Sendable {
    package enum DryRun: String, Sendable {
        /// Ferry's plan: nothing runs.
        case client
        /// The plan, then helm's own server-side dry run.
        case server
    }

    package var wait = false
    package var waitForJobs = false
    /// A helm duration: `300s`, `5m`, `1h30m`.
    package var timeout: String?
    /// Helm 3's `--atomic`, Helm 4's `--rollback-on-failure`.
    package var atomic = false
    package var install = false
    package var createNamespace = false
    package var kubeContext: String?
    package var kubeconfig: String?
    package var setStrings: [String] = []
    package var setFiles: [String] = []
    package var historyMax: Int?
    package var description: String?
    package var dryRun: DryRun?

    package init() {}

    /// `--kube-context` and `--kubeconfig`, given to every helm command that talks to the cluster.
    package var kubeArguments: [String] {
        (kubeContext.map { ["--kube-context", $0] } ?? []) + (kubeconfig.map { ["--kubeconfig", $0] } ?? [])
    }

    /// helm's default `--timeout`.
    package static let defaultTimeout: Double = 300

    /// The seconds of a Go duration (`5m0s`, `90s`, `1h`, `1.5h`), nil when it is not one.
    package static func seconds(_ duration: String) -> Double? {
        let units: [Character: Double] = ["h": 3600, "m": 60, "s": 1]
        var total = 0.0, number = "", sawUnit = false
        var text = Substring(duration)
        while let character = text.first {
            text = text.dropFirst()
            if character.isNumber || character == "." {
                number.append(character)
            } else if character == "m", text.first == "s" {
                text = text.dropFirst()
                guard let value = Double(number) else { return nil }
                total += value / 1000
                number = ""
                sawUnit = true
            } else if let unit = units[character], let value = Double(number) {
                total += value * unit
                number = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        return sawUnit && number.isEmpty ? total : (duration == "0" ? 0 : nil)
    }

    /// How long Ferry lets the upgrade run before it stops helm: helm waits up to --timeout for
    /// each of the pre-upgrade hooks, the rollout and the post-upgrade hooks, so three times that
    /// and a minute. Never a fixed limit shorter than what helm was told.
    package var upgradeLimit: Duration {
        let seconds = timeout.flatMap(Self.seconds) ?? Self.defaultTimeout
        return .seconds(seconds * 3 + 60)
    }
}
