import FerryCharts
import Foundation

/// The installed helm's command grammar: Helm 3.8–3.x or Helm 4.x. Each pass-through flag is
/// spelled as that helm spells it, and one it lacks is refused before anything runs, naming the
/// version that has it.
package struct HelmGrammar: Sendable {
    package let version: SemanticVersion

    package init(version: SemanticVersion) {
        self.version = version
    }

    package var isHelm4: Bool { version.major >= 4 }

    /// The flags `options` add to `helm upgrade`, in the installed helm's words.
    package func upgradeFlags(_ options: HelmOptions, workingDirectory: String) throws -> [String] {
        var flags: [String] = []
        if options.install { flags.append("--install") }
        if options.createNamespace {
            guard options.install else {
                throw UpgradeError(.helmFlagUnsupported, "--create-namespace needs --install (helm creates the namespace only when it installs)")
            }
            flags.append("--create-namespace")
        }
        // Helm 4 takes a wait strategy; `watcher` is what its bare --wait means.
        if options.wait { flags.append(isHelm4 ? "--wait=watcher" : "--wait") }
        if options.waitForJobs {
            guard options.wait || options.atomic else {
                throw UpgradeError(.helmFlagUnsupported, "--wait-for-jobs needs --wait (or --atomic): helm waits for jobs only while it waits")
            }
            flags.append("--wait-for-jobs")
        }
        if options.atomic { flags.append(isHelm4 ? "--rollback-on-failure" : "--atomic") }
        if let timeout = options.timeout {
            guard HelmOptions.seconds(timeout) != nil else {
                throw UpgradeError(.helmFlagUnsupported, "--timeout '\(timeout)' is not a duration: use helm's form, e.g. 300s, 10m or 1h30m")
            }
            flags += ["--timeout", timeout]
        }
        if let historyMax = options.historyMax {
            guard historyMax >= 0 else { throw UpgradeError(.helmFlagUnsupported, "--history-max must be 0 (no limit) or more") }
            flags += ["--history-max", String(historyMax)]
        }
        if let description = options.description { flags += ["--description", description] }
        for set in options.setStrings { flags += ["--set-string", set] }
        for set in options.setFiles {
            guard let equals = set.firstIndex(of: "="), equals != set.startIndex else {
                throw UpgradeError(.helmFlagUnsupported, "--set-file '\(set)' is not key=path")
            }
            let path = String(set[set.index(after: equals)...])
            let full = path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
            guard FileManager.default.isReadableFile(atPath: full) else {
                throw UpgradeError(.helmFlagUnsupported, "--set-file \(set): \(path) cannot be read")
            }
            flags += ["--set-file", set]
        }
        if options.dryRun == .server {
            guard isHelm4 || version >= SemanticVersion("3.13.0")! else {
                throw UpgradeError(.helmFlagUnsupported, "helm \(version.normalized) has no --dry-run=server (Helm 3.13 added it)",
                                   hint: "use --plan (Ferry's plan, nothing runs), or install helm 3.13 or newer")
            }
            flags.append("--dry-run=server")
        }
        return flags + options.kubeArguments
    }
}
