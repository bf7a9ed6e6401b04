import ArgumentParser
import FerryRegistry
import FerryUpgrade
import Foundation

extension Ferry {
    /// `ferry upgrade`: the documented Helm upgrade, step by step, with a backup and a preflight.
    package struct Upgrade: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Upgrade a Helm release to a chart whose images are in the site registry, backing up its values first.",
            discussion: """
                Does the documented upgrade in order and checks each step: helm (3.8+) is found; for a repository \
                chart the repository is added if missing and updated, and the version resolved (latest stable, or \
                --version, which must exist); the release must exist and not be stuck in pending-*; `helm get values` \
                (user and --all) is saved to new timestamped files in --backup-dir; the values are rewritten so every \
                image registry is --image-registry (paths from the chart's image hints, global.imageRegistry and \
                *.image.registry; comments kept); every image the upgraded release will use must be in its registry \
                (preflight); then `helm upgrade` runs (--reset-then-reuse-values from Helm 3.14).

                Examples:
                  ferry upgrade spidernet -n spidernet-system \\
                      --chart spidernet-release/spidernet \\
                      --repo-url http://10.16.23.145/chartrepo/release.daocloud.io \\
                      --image-registry 10.16.23.145 --plan
                  echo "$PASSWORD" | ferry upgrade spidernet -n spidernet-system \\
                      --chart spidernet-release/spidernet \\
                      --repo-url http://10.16.23.145/chartrepo/release.daocloud.io \\
                      --username admin --password-stdin \\
                      --image-registry 10.16.23.145 --version 0.8.0
                  ferry upgrade spidernet -n spidernet-system --chart ./spidernet \\
                      --image-registry 10.16.23.145
                  ferry upgrade --bundles ./offline-bundles --image-registry 10.16.23.145 \\
                      --chart-repo http://10.16.23.145/chartrepo/release.daocloud.io --plan
                """)

        @Argument(help: "The release to upgrade (not with --bundles).")
        package var release: String?

        @Option(name: [.short, .long], help: "The release's namespace (default: default); with --bundles, only releases in it (and where --install installs).")
        package var namespace: String?

        @Option(name: .long, help: ArgumentHelp("REPO/CHART, oci://host/path/chart, a chart directory or a .tgz (not with --bundles).", valueName: "chart"))
        package var chart: String?

        @Option(name: .long, help: ArgumentHelp("Upgrade every module whose bundle is in DIR (the directory sync reads): each bundle's chart to its version, in every release that runs it.",
                                                valueName: "dir"))
        package var bundles: String?

        @Option(name: .long, help: ArgumentHelp("With --bundles: the chart repository sync published to (added to helm as --repo-name, default ferry-site); without it, each bundle's own chart.",
                                                valueName: "url"))
        package var chartRepo: String?

        @Option(name: .customLong("release"), help: ArgumentHelp("With --bundles: only this release.", valueName: "name"))
        package var onlyRelease: String?

        @Option(name: .long, help: ArgumentHelp("The chart repository's URL (added to helm when missing).", valueName: "url"))
        package var repoUrl: String?

        @Option(name: .long, help: ArgumentHelp("The name for --repo-url when --chart is only a chart name.", valueName: "name"))
        package var repoName: String?

        @Option(name: .long, help: "The chart version (default: the latest stable one).")
        package var version: String?

        @Flag(name: .long, help: "Consider prerelease versions when choosing the latest.")
        package var devel = false

        @Option(name: .long, help: ArgumentHelp("The registry every image of the release must come from, host[:port].", valueName: "host[:port]"))
        package var imageRegistry: String

        @Option(name: .long, help: ArgumentHelp("Extra value for helm (as helm --set); repeatable.", valueName: "key=value"))
        package var set: [String] = []

        @Option(name: [.customShort("f"), .customLong("values")], help: ArgumentHelp("Extra values file for helm; repeatable.", valueName: "file"))
        package var values: [String] = []

        @Option(name: .long, help: ArgumentHelp("Where the values backups are written.", valueName: "dir"))
        package var backupDir: String = "ferry-backups"

        @Flag(name: .long, help: "Print the steps, the exact helm commands and the values changes, and change nothing.")
        package var plan = false

        @Flag(name: .long, help: "Upgrade even when images are missing from the registry.")
        package var skipPreflight = false

        @OptionGroup(title: "helm (passed through, spelled as the installed helm spells them)") package var helm: HelmFlags

        @OptionGroup(title: "Registry and chart repository") package var registryOptions: RegistryOptions
        @OptionGroup(title: "Link") package var transport: UpgradeTransportOptions
        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func validate() throws {
            if bundles == nil {
                guard release != nil, chart != nil else { throw ValidationError("name the release and --chart, or pass --bundles DIR") }
                if chartRepo != nil || onlyRelease != nil { throw ValidationError("--chart-repo and --release go with --bundles") }
            } else if release != nil || chart != nil {
                throw ValidationError("--bundles plans every module's release itself: use --release NAME and -n to narrow it, not a release argument or --chart")
            }
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .upgrade) { try await execute() }
        }

        func execute() async throws {
            let console = Console.current
            let environment = console.environment
            let access = try registryOptions.access(console: console)
            let resolver = access.credentials
            let credentials = resolver.explicit
            var chartArgument = chart ?? ""
            if let repoName, let chart, !chart.contains("/"), !FileManager.default.fileExists(atPath: chart) {
                chartArgument = "\(repoName)/\(chart)"
            }
            let cwd = Console.current.workingDirectory
            var request = UpgradeRequest(release: release ?? "", namespace: namespace ?? "default", chart: chartArgument, imageRegistry: imageRegistry,
                                         backupDirectory: ((backupDir.hasPrefix("/") ? backupDir : cwd + "/" + backupDir) as NSString).standardizingPath,
                                         security: access.security, environment: environment)
            request.repoURL = repoUrl
            request.credentials = credentials
            request.authFile = resolver.authFile
            request.version = version
            request.devel = devel
            request.sets = set
            request.valuesFiles = values
            request.skipPreflight = skipPreflight
            request.retry = transport.retry
            request.helm = helm.options
            request.workingDirectory = cwd

            let driver = try HelmCLIDriver(environment: environment, kubeArguments: helm.options.kubeArguments)
            if let bundles {
                if let chartRepo { request.repoURL = chartRepo }
                try await access.withTransport { link in
                    try await runSite(bundles, request: request, driver: driver, transport: link)
                }
                return
            }
            try await access.withTransport { link in
                try await run(request: request, driver: driver, transport: link)
            }
        }

        func run(request: UpgradeRequest, driver: HelmCLIDriver, transport: HTTPTransport) async throws {
            let console = Console.current
            let upgradePlan = try await UpgradePlanner(driver: driver, transport: transport).plan(request)
            let planOnly = plan || request.helm.dryRun != nil
            if planOnly || output.output == .text && !output.quiet {
                printPlan(upgradePlan, applying: !planOnly)
            }
            if !upgradePlan.missingImages.isEmpty {
                throw UpgradeError(.preflightFailed,
                                   "\(upgradePlan.missingImages.count) image(s) the upgraded release would use are not in the registry: \(upgradePlan.missingImages.joined(separator: ", "))",
                                   hint: "push them first (ferry sync or ferry push), or pass --skip-preflight to upgrade anyway")
            }
            if request.helm.dryRun == .server {
                try await serverDryRun(upgradePlan, driver: driver)
                return
            }
            if planOnly { return }
            let result = try await UpgradeRunner(driver: driver).apply(upgradePlan)
            if output.output == .json {
                console.out(JSONLines.event("release.upgraded", UpgradeDoneDocument(result: result)))
            } else {
                console.out("Upgraded \(result.release) in \(result.namespace): revision \(result.revision), \(result.status)")
                if !output.quiet {
                    console.out("Values before the upgrade: \(upgradePlan.backupFile)")
                    console.out("To go back: \(upgradePlan.rollbackCommand)")
                }
            }
        }

        /// --dry-run=server: helm's own dry run of the planned upgrade (no backups written, no
        /// repository changed: only the upgrade command runs, and helm changes nothing).
        func serverDryRun(_ plan: UpgradePlan, driver: HelmCLIDriver) async throws {
            guard let (upgrade, output) = try await plan.dryRun(.server, driver: driver) else { return }
            struct Released: Decodable {
                struct Info: Decodable { var status: String }
                var version: Int
                var info: Info
            }
            let released = try? JSONDecoder().decode(Released.self, from: Data(output.utf8))
            let status = released.map { "revision \($0.version) would be \($0.info.status)" } ?? "helm accepted it"
            if self.output.output == .json {
                Console.current.out(JSONLines.event("release.dry-run", DryRunDocument(release: plan.release.name, namespace: plan.release.namespace,
                                                                                     command: upgrade.description, result: status)))
            } else {
                Console.current.out("helm's server-side dry run of \(plan.release.name) in \(plan.release.namespace): \(status); nothing was changed")
            }
        }

        func printPlan(_ plan: UpgradePlan, applying: Bool) {
            let console = Console.current
            if output.output == .json {
                console.out(JSONLines.event("plan", UpgradePlanDocument(plan)))
                return
            }
            let say: (String) -> Void = applying ? { console.err($0) } : { console.out($0) }
            say(applying ? "Upgrading \(plan.release.name) in \(plan.release.namespace) to \(plan.chartName) \(plan.version):"
                         : "Plan for upgrading \(plan.release.name) in \(plan.release.namespace) to \(plan.chartName) \(plan.version) (nothing was changed):")
            for (number, step) in plan.steps.enumerated() { say("  \(number + 1). \(step.name): \(step.detail)") }
            say("Helm commands:")
            for command in plan.commands { say("  \(command)") }
            say("Values changes (\(plan.backupFile) → \(plan.newValuesFile)):")
            if plan.edits.isEmpty && plan.sets.isEmpty { say("  none") }
            for edit in plan.edits { say("  \(edit.path.joined(separator: ".")): \(edit.old) → \(edit.new)") }
            for set in plan.sets { say("  --set-string \(set)") }
            if !plan.workloadImages.isEmpty {
                say("Images (now → after the upgrade; ! still outside \(plan.imageRegistry)):")
                for row in plan.workloadImages {
                    say("  \(row.outsideTarget ? "!" : " ") \(row.workload) \(row.container): \(row.now ?? "(new)") → \(row.after ?? "(removed)")")
                }
            }
            if !plan.preflightSkipped {
                say("Preflight: \(plan.images.count) image(s) checked in the registry" + (plan.missingImages.isEmpty ? ", all present" : ""))
                for image in plan.missingImages { say("  missing: \(image)") }
            }
        }
    }
}
