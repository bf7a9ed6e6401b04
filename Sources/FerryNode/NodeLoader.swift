import FerryArchive
import FerryOCI
import Foundation

/// Loads images into a node's runtime: skips those it already has with the same digest, streams
/// one archive of the rest into `docker load` or `ctr images import`, then checks that the
/// runtime lists every name with the expected digest.
package struct NodeLoader: Sendable {
    package struct Report: Sendable, Codable {
        package var node: String
        package var runtime: String
        package var loaded: [String] = []
        package var skipped: [String] = []
        package var error: String?

        package var succeeded: Bool { error == nil }

        package init(node: String, runtime: String, error: String? = nil) {
            self.node = node
            self.runtime = runtime
            self.error = error
        }
    }

    package let images: [NodeImage]
    package let writer: NodeArchiveWriter

    package init(images: [NodeImage], writer: NodeArchiveWriter) {
        self.images = images
        self.writer = writer
    }

    /// The digest a runtime should report for an image.
    func expected(_ image: NodeImage, _ kind: ContainerRuntime.Kind) -> Digest {
        kind == .docker ? image.imageID : image.root.digest
    }

    package func load(into runtime: ContainerRuntime) async -> Report {
        var report = Report(node: runtime.runner.name, runtime: runtime.description)
        do {
            try await runtime.ping()
            let before = try await runtime.current(images.flatMap(\.names))
            let missing = images.filter { image in
                image.names.contains { before[$0.description] != expected(image, runtime.kind) }
            }
            report.skipped = images.filter { image in !missing.contains { $0.image.root.digest == image.image.root.digest } }
                .flatMap { $0.names.map(\.description) }
            guard !missing.isEmpty else { return report }

            let writer = self.writer
            let output = try await runtime.runner.run(runtime.loadCommand) { sink in
                try writer.write(missing, to: sink)
            }
            guard output.status == 0 else {
                throw NodeError(.rejected, "\(runtime.description) rejected the archive: \(ContainerRuntime.lastLines(output.stderr + output.stdout))")
            }
            let after = try await runtime.current(missing.flatMap(\.names))
            var wrong: [String] = []
            for image in missing {
                for name in image.names where after[name.description] != expected(image, runtime.kind) {
                    wrong.append("\(name) (\(after[name.description].map { "has \($0)" } ?? "missing"), expected \(expected(image, runtime.kind)))")
                }
            }
            guard wrong.isEmpty else {
                throw NodeError(.verificationFailed, "\(runtime.description) does not list what was loaded: \(wrong.joined(separator: "; "))")
            }
            report.loaded = missing.flatMap { $0.names.map(\.description) }
        } catch {
            report.error = "\(error)"
        }
        return report
    }
}

extension NodeLoader {
    /// Loads onto every location at once (this machine, or nodes over ssh): each finds its runtime
    /// (`preferred`, else detected), and one that fails is reported while the others go on.
    /// `describe` turns a failure into the report's text (a command adds its advice there).
    package func load(onto locations: [CommandRunner.Location], preferred: ContainerRuntime.Kind?, address: String?,
                      namespace: String, environment: [String: String],
                      describe: @escaping @Sendable (any Error) -> String) async -> [Report] {
        let wanted = preferred?.rawValue ?? "auto"
        return await withTaskGroup(of: (Int, Report).self) { group in
            for (index, location) in locations.enumerated() {
                group.addTask {
                    let runner = CommandRunner(location: location, environment: environment)
                    do {
                        try await runner.checkReachable()
                        let found = try await ContainerRuntime.detect(preferred, runner: runner, address: address, namespace: namespace)
                        return (index, await load(into: found))
                    } catch {
                        return (index, Report(node: runner.name, runtime: wanted, error: describe(error)))
                    }
                }
            }
            var collected: [(Int, Report)] = []
            for await item in group { collected.append(item) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
