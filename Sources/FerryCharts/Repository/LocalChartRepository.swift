import FerryCore
import FerryOCI
import Foundation

/// A directory of `<name>-<version>.tgz` files and the `index.yaml` that lists them, kept current
/// as `helm repo index --merge` would, so the directory can be served as a chart repository as it
/// is. Each file is written atomically, the package before the index, and the index is read,
/// merged and replaced under an exclusive lock on the directory, so two syncs into one
/// directory never lose each other's entries. A version is present only when its package is there
/// and the index lists it with the package's digest: a crash between the two, or an index another
/// tool rewrote, is repaired by the next run.
package actor LocalChartRepository: ChartRepository {
    package let directory: String
    var indexPath: String { "\(directory)/index.yaml" }

    package init(directory: String) {
        self.directory = (directory as NSString).standardizingPath
    }

    nonisolated package func location(name: String, version: String) -> String {
        "\(directory)/\(name)-\(version).tgz"
    }

    /// The versions the index lists, and any package file it does not list yet.
    package func versions(of name: String) async throws -> [String] {
        var versions = try readIndex()?.versions(of: name) ?? []
        let prefix = name + "-"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where file.hasPrefix(prefix) && file.hasSuffix(".tgz") {
            let version = String(file.dropFirst(prefix.count).dropLast(".tgz".count))
            if SemanticVersion(version) != nil && !versions.contains(version) { versions.append(version) }
        }
        return versions
    }

    /// The package is there and the index lists it with the package's digest.
    package func contains(name: String, version: String) async throws -> Bool {
        let path = try packagePath(name: name, version: version)
        guard let data = FileManager.default.contents(atPath: path),
              let entry = try readIndex()?.entry(name: name, version: version) else { return false }
        return entry.digest?.lowercased() == Digest.of(Array(data)).hex
    }

    package func fetch(name: String, version: String) async throws -> [UInt8] {
        let path = try packagePath(name: name, version: version)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChartsError(.chartMissing, "\(directory) has no \(name) \(version) (\(path))")
        }
        return Array(data)
    }

    /// The package's path, checked to lie directly in the repository directory.
    func packagePath(name: String, version: String) throws -> String {
        try ChartMetadata.validate(name: name, version: version, origin: "chart \(name) \(version)")
        let path = (location(name: name, version: version) as NSString).standardizingPath
        guard (path as NSString).deletingLastPathComponent == directory else {
            throw ChartsError(.repositoryUnusable, "\(path) is not inside the repository directory \(directory)")
        }
        return path
    }

    /// The directory exists and is writable, or can be made.
    package func checkUsable() async throws {
        var existing = directory
        while !FileManager.default.fileExists(atPath: existing) && existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: existing, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isWritableFile(atPath: existing) else {
            throw ChartsError(.repositoryUnusable, "the chart directory \(directory) cannot be written: \(existing) is not a writable directory")
        }
    }

    package func publish(_ chart: ChartPackage, force: Bool) async throws {
        let path = try packagePath(name: chart.name, version: chart.version)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The same package already there (a run that stopped before indexing it) is only indexed.
        let existing = FileManager.default.contents(atPath: path).map(Array.init)
        if let existing, existing != chart.bytes, !force {
            throw ChartsError(.chartExists, "\(path) already exists")
        }
        if existing != chart.bytes {
            let file = try AtomicFileSink(path: path)
            try file.write(chart.bytes)
            try file.commit()
        }
        // The index last: a crash in between leaves a package without its entry, which `contains`
        // does not count as present, so the next run publishes it again and indexes it.
        try await FileLock.withLock(directory) {
            var index = try readIndex() ?? ChartRepositoryIndex()
            try index.add(chart.metadata, package: chart.bytes, url: chart.fileName, created: Date())
            let sink = try AtomicFileSink(path: indexPath)
            try sink.write(Array(try index.yaml(generated: Date()).utf8))
            try sink.commit()
        }
    }

    func readIndex() throws -> ChartRepositoryIndex? {
        guard let existing = FileManager.default.contents(atPath: indexPath) else { return nil }
        return try ChartRepositoryIndex(yaml: Array(existing), origin: indexPath)
    }
}
