import FerryArchive
import FerryCharts
import FerryCore
import Foundation

/// `kind: LOCAL`: `<name>-<version>.tgz` files in a directory, each written atomically, and an
/// `index.yaml` kept current as `helm repo index --merge` would, so the directory can be served
/// as a chart repository as it is.
package actor LocalChartPublisher: ChartPublisher {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    nonisolated package func location(name: String, version: String) -> String {
        "\(directory)/\(name)-\(version).tgz"
    }

    package func contains(name: String, version: String) async throws -> Bool {
        FileManager.default.fileExists(atPath: location(name: name, version: version))
    }

    /// The package's path, checked to lie directly in the repository directory.
    func packagePath(name: String, version: String) throws -> String {
        try ChartMetadata.validate(name: name, version: version, origin: "chart \(name) \(version)")
        let path = (location(name: name, version: version) as NSString).standardizingPath
        guard (path as NSString).deletingLastPathComponent == (directory as NSString).standardizingPath else {
            throw PublishError(.rejected, "\(path) is not inside the repository directory \(directory)")
        }
        return path
    }

    /// A dry run's check that publishing could work: the directory exists and is writable, or can be made.
    package func checkUsable() async throws {
        var existing = (directory as NSString).standardizingPath
        while !FileManager.default.fileExists(atPath: existing) && existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isWritableFile(atPath: existing) else {
            throw PublishError(.rejected, "target.repo.path \(directory) cannot be written: \(existing) is not a writable directory")
        }
    }

    package func publish(name: String, version: String, package: [UInt8], chartYAML: [UInt8], force: Bool) async throws {
        let path = try packagePath(name: name, version: version)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: path) && !force {
            throw PublishError(.exists, "\(path) already exists")
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
