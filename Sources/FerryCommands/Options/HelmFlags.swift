import ArgumentParser
import FerryUpgrade

/// helm's upgrade flags under their helm names: `ferry upgrade` passes them to the installed helm
/// in its own spelling (Helm 3's `--atomic` is Helm 4's `--rollback-on-failure`).
package struct HelmFlags: ParsableArguments, Sendable {
    @Flag(name: .long, help: "Wait until the release's resources are ready (Helm 4: --wait=watcher).")
    package var wait = false

    @Flag(name: .long, help: "With --wait, also wait until the release's jobs have completed.")
    package var waitForJobs = false

    @Option(name: .long, help: ArgumentHelp("helm's limit for each Kubernetes operation (default 5m0s); Ferry stops helm only after three times this and a minute.",
                                            valueName: "duration"))
    package var timeout: String?

    @Flag(name: [.long, .customLong("rollback-on-failure")], help: "Roll back by itself when the upgrade fails (Helm 3 --atomic, Helm 4 --rollback-on-failure).")
    package var atomic = false

    @Flag(name: [.customShort("i"), .long], help: "Install the release when it does not exist.")
    package var install = false

    @Flag(name: .long, help: "With --install, create the namespace when it is missing.")
    package var createNamespace = false

    @Option(name: .long, help: ArgumentHelp("The kubeconfig context (default: the current one, or $HELM_KUBECONTEXT).", valueName: "context"))
    package var kubeContext: String?

    @Option(name: .long, help: ArgumentHelp("The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).", valueName: "file"))
    package var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("A value helm takes as a string; repeatable.", valueName: "key=value"))
    package var setString: [String] = []

    @Option(name: .long, help: ArgumentHelp("A value read from a file; repeatable.", valueName: "key=path"))
    package var setFile: [String] = []

    @Option(name: .long, help: ArgumentHelp("Revisions helm keeps for the release (0: all).", valueName: "n"))
    package var historyMax: Int?

    @Option(name: .long, help: ArgumentHelp("The revision's description in helm history.", valueName: "text"))
    package var description: String?

    /// `--dry-run` alone is `--dry-run=client` (rewritten before parsing, as helm reads it).
    @Option(name: .long, help: ArgumentHelp("client: the same as --plan; server: the plan, then helm's server-side dry run. Nothing is changed.",
                                            valueName: "client|server"))
    package var dryRun: DryRunChoice?

    package enum DryRunChoice: String, ExpressibleByArgument, Sendable, CaseIterable {
        case client, server
    }

    package init() {}

    package var options: HelmOptions {
        var options = HelmOptions()
        options.wait = wait
        options.waitForJobs = waitForJobs
        options.timeout = timeout
        options.atomic = atomic
        options.install = install
        options.createNamespace = createNamespace
        options.kubeContext = kubeContext
        options.kubeconfig = kubeconfig
        options.setStrings = setString
        options.setFiles = setFile
        options.historyMax = historyMax
        options.description = description
        options.dryRun = dryRun.flatMap { HelmOptions.DryRun(rawValue: $0.rawValue) }
        return options
    }
}
