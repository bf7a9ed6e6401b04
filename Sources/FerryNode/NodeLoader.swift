import FerryArchive
import FerryCore
import FerryOCI
import Foundation
import Synchronization

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
        /// The error's code (`sshFailed`, `rejected`, …) when it is one of Ferry's.
        package var code: String?
        /// Wall time spent on this node, from the first ssh contact to the last check.
        package var seconds: Double = 0

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
            report.code = (error as? NodeError)?.codeName
        }
        return report
    }
}

extension NodeLoader {
    /// Loads onto every location at once (this machine, or nodes over ssh): each finds its runtime
    /// (`preferred`, else detected), and one that fails is reported while the others go on.
    /// `describe` turns a failure into the report's text (a command adds its advice there).
    package func load(onto locations: [CommandRunner.Location], preferred: ContainerRuntime.Kind?, address: String?,
                      namespace: String, environment: [String: String], maxParallel: Int = 16,
                      describe: @escaping @Sendable (any Error) -> String) async -> [Report] {
        let wanted = preferred?.rawValue ?? "auto"
        let collected = Mutex<[(Int, Report)]>([])
        await forEachConcurrently(Array(locations.enumerated()), limit: maxParallel) { index, location in
            let started = ContinuousClock.now
            let runner = CommandRunner(location: location, environment: environment)
            var report: Report
            do {
                try await runner.checkReachable()
                let found = try await ContainerRuntime.detect(preferred, runner: runner, address: address, namespace: namespace)
                report = await load(into: found)
            } catch {
                report = Report(node: runner.name, runtime: wanted, error: describe(error))
                report.code = (error as? NodeError)?.codeName
            }
            let elapsed = ContinuousClock.now - started
            report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            collected.withLock { $0.append((index, report)) }
        }
        return collected.withLock { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
