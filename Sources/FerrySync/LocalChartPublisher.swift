import FerryArchive
import FerryCharts
import Foundation

/// `kind: LOCAL`: `<name>-<version>.tgz` files in a directory, each written atomically, and an
/// `index.yaml` kept current as `helm repo index --merge` would, so the directory can be served
/// as a chart repository as it is.
public actor LocalChartPublisher: ChartPublisher {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    nonisolated public func location(name: String, version: String) -> String {
        "\(directory)/\(name)-\(version).tgz"
    }

    public func contains(name: String, version: String) async throws -> Bool {
        FileManager.default.fileExists(atPath: location(name: name, version: version))
    }

    public func publish(name: String, version: String, package: [UInt8], chartYAML: [UInt8], force: Bool) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = location(name: name, version: version)
        if FileManager.default.fileExists(atPath: path) && !force {
            throw PublishError("\(path) already exists", hint: "pass --force to replace it")
        }
        let file = try AtomicFileSink(path: path)
        try file.write(package)
        try file.commit()
        // The index last: a crash in between leaves a package the next run indexes, never an entry without its file.
        let indexPath = "\(directory)/index.yaml"
        var index = ChartRepositoryIndex()
        if let existing = FileManager.default.contents(atPath: indexPath) {
            index = try ChartRepositoryIndex(yaml: Array(existing), origin: indexPath)
        }
        try index.add(chartYAML: chartYAML, package: package, url: "\(name)-\(version).tgz", created: Date())
        let sink = try AtomicFileSink(path: indexPath)
        try sink.write(Array(try index.yaml(generated: Date()).utf8))
        try sink.commit()
    }
}
