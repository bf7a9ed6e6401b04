import ArgumentParser
import FerryArchive
import FerryNode
import FerryOCI
import Foundation

extension Ferry {
    /// `ferry load`: images into a node's docker or containerd, under the names the chart expects.
    package struct Load: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Load images into docker or containerd on this node or on others over ssh, relocated names included.",
            discussion: """
                Replaces `docker load -i images.tar` / `ctr image import images.tar` followed by retagging by hand. \
                The archive is streamed into the runtime (no temporary file); images the runtime already has with \
                the same digest are skipped; afterwards the runtime must list every name with the expected digest.

                The runtime is the one named by --runtime, else containerd when /run/containerd/containerd.sock \
                exists, else docker. Kubernetes nodes use the containerd namespace k8s.io (the default).

                Examples:
                  ferry load spidernet_0.8.0.bundle.tar --registry 10.16.23.145 \\
                      --repository release.daocloud.io/spidernet
                  ferry load images.tar --runtime docker
                  ferry load offline/ --registry 10.16.23.145 --repository proj \\
                      --node root@node1 --node root@node2
                  ferry load offline/ --registry 10.16.23.145 --repository proj \\
                      --nodes-file inventory/mycluster/hosts.yaml --node-group kube_node
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        package var sources: [String]

        @Option(name: .long, help: ArgumentHelp("Give the images names in this registry (host[:port]); without it they keep their names.", valueName: "host[:port]"))
        package var registry: String?

        @Option(name: .long, help: ArgumentHelp("Repository prefix of the new names.", valueName: "prefix"))
        package var repository: String = ""

        @Flag(name: .long, help: "With --registry, keep the source names as extra tags.")
        package var keepOriginalNames = false

        @Option(name: .long, help: "The container runtime to load into.")
        package var runtime: RuntimeChoice = .auto

        @Option(name: .long, help: "containerd namespace.")
        package var namespace: String = "k8s.io"

        @Option(name: .long, help: ArgumentHelp("The runtime's socket (docker: unix://… or a path; containerd: a path).", valueName: "socket"))
        package var address: String?

        @Option(name: .long, help: ArgumentHelp("Load on this node over ssh instead (user@host[:port]); repeat for several, loaded in parallel.", valueName: "user@host"))
        package var node: [String] = []

        @Option(name: .long, help: ArgumentHelp("Load on the nodes this file lists: user@host[:port] lines, or an Ansible inventory (INI or YAML, as kubespray and kubean keep them; ansible_host, ansible_user, ansible_port are read).",
                                                valueName: "file"))
        package var nodesFile: String?

        @Option(name: .long, help: ArgumentHelp("With --nodes-file, only the hosts of this group (with its children), e.g. kube_node; repeat for several.", valueName: "group"))
        package var nodeGroup: [String] = []

        @Option(name: .long, help: "Nodes loaded at once.")
        package var maxParallel: Int = 10

        @Option(name: .long, help: ArgumentHelp("ssh configuration file for --node (ssh -F).", valueName: "file"))
        package var sshConfig: String?

        @Option(name: .long, help: ArgumentHelp("From multi-platform images take only this platform (os/arch[/variant]).", valueName: "platform"))
        package var platform: Platform?

        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        /// Each node's outcome and time, each refused image, then the totals.
        func show(_ reports: [NodeLoader.Report], refused: [NodeImageSelection.Refusal], started: ContinuousClock.Instant) {
            let console = Console.current
            let json = output.output == .json
            for report in reports {
                if json {
                    console.out(JSONLines.event("node.finished", report))
                } else if let error = report.error {
                    console.out("failed  \(report.node) after \(String(format: "%.1f", report.seconds)) s: \(error)")
                } else if !output.quiet {
                    console.out("loaded  \(report.node) (\(report.runtime)): \(report.loaded.count) name(s) loaded, \(report.skipped.count) already present; \(String(format: "%.1f", report.seconds)) s")
                    if output.verbose {
                        for name in report.loaded { console.out("    loaded \(name)") }
                        for name in report.skipped { console.out("    present \(name)") }
                    }
                }
            }
            for problem in refused {
                if json {
                    console.out(JSONLines.event("image.failed", ImageEventDocument(reference: problem.image, message: problem.message, code: "unnamedImage")))
                } else {
                    console.out("failed  \(problem)")
                }
            }
            let elapsed = ContinuousClock.now - started
            let summary = LoadSummaryDocument(
                nodes: reports.count, nodesFailed: reports.filter { !$0.succeeded }.count,
                loaded: reports.reduce(0) { $0 + $1.loaded.count }, present: reports.reduce(0) { $0 + $1.skipped.count },
                imagesRefused: refused.count,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                ok: refused.isEmpty && reports.allSatisfy(\.succeeded))
            if json {
                console.out(JSONLines.event("summary", summary))
            } else if !output.quiet || !summary.ok {
                console.out(String(format: "Done: %d node(s), %d failed; %d name(s) loaded, %d already present, %d image(s) refused; %.1f s",
                                   summary.nodes, summary.nodesFailed, summary.loaded, summary.present, summary.imagesRefused, summary.seconds))
            }
        }

        package func validate() throws {
            if keepOriginalNames && registry == nil { throw ValidationError("--keep-original-names needs --registry") }
            if !nodeGroup.isEmpty && nodesFile == nil { throw ValidationError("--node-group needs --nodes-file") }
            guard (1...256).contains(maxParallel) else { throw ValidationError("--max-parallel must be between 1 and 256") }
        }

        /// --node, then the hosts of --nodes-file (those of --node-group), each destination once.
        func destinations() throws -> [String] {
            var result = node
            if let nodesFile {
                let console = Console.current
                let path = nodesFile.hasPrefix("/") ? nodesFile : (console.workingDirectory as NSString).appendingPathComponent(nodesFile)
                let text: String
                do {
                    text = try String(contentsOfFile: path, encoding: .utf8)
                } catch {
                    throw NodeError(.invalidInput, "cannot read --nodes-file \(nodesFile): \(error.localizedDescription)")
                }
                let hosts = try NodeInventory.parse(text, origin: nodesFile).hosts(in: nodeGroup)
                guard !hosts.isEmpty else {
                    throw NodeError(.invalidInput, "\(nodesFile) lists no host" + (nodeGroup.isEmpty ? "" : " in \(nodeGroup.joined(separator: ", "))"))
                }
                result += hosts.map(\.destination)
            }
            var seen = Set<String>()
            return result.filter { seen.insert($0).inserted }
        }

        package func run() async throws {
            try await reportingErrors(output, advice: .load) {
                let console = Console.current
                let started = ContinuousClock.now
                let compressor = makeCompressor(writesCache: true)
                let opened = try await openSources(sources, compressor: compressor, output: output)
                let (images, refused) = try NodeImageSelection(registry: registry, repository: repository, keepOriginalNames: keepOriginalNames,
                                                    platform: platform).images(opened)
                let loader = NodeLoader(images: images, writer: NodeArchiveWriter(compressor: compressor))
                let preferred = ContainerRuntime.Kind(rawValue: runtime.rawValue)
                let nodes = try destinations()
                let locations: [CommandRunner.Location] = nodes.isEmpty ? [.local] : nodes.map { .ssh(destination: $0, configFile: sshConfig) }
                let reports = await loader.load(onto: locations, preferred: preferred, address: address, namespace: namespace,
                                                environment: console.environment, maxParallel: maxParallel) { error in
                    "\(error)" + (CommandAdvice.load.hint(for: error).map { "\n  hint: \($0)" } ?? "")
                }
                show(reports, refused: refused, started: started)
                if !refused.isEmpty || reports.contains(where: { !$0.succeeded }) { throw ExitCode(ExitStatus.partialFailure) }
            }
        }
    }
}

/// `--runtime`: detected, or named.
package enum RuntimeChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    case auto, docker, containerd
}
