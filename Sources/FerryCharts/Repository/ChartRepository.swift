import Foundation

/// A packaged chart as a repository stores it: the `.tgz` and its `Chart.yaml`, read once.
package struct ChartPackage: Sendable {
    package var metadata: ChartMetadata
    package var bytes: [UInt8]

    package init(metadata: ChartMetadata, bytes: [UInt8]) {
        self.metadata = metadata
        self.bytes = bytes
    }

    package var name: String { metadata.name }
    package var version: String { metadata.version }
    package var fileName: String { "\(name)-\(version).tgz" }
}

/// Every place charts are kept, as sync publishes to them and upgrade reads from them: a local
/// directory with its `index.yaml`, ChartMuseum or Harbor's chart repository, any HTTP chart
/// repository (read-only), or an OCI registry.
package protocol ChartRepository: Sendable {
    /// Where a chart version is, or would be, for plans and reports.
    func location(name: String, version: String) -> String
    /// The versions the repository holds of `name`, as written; empty when it has none.
    func versions(of name: String) async throws -> [String]
    /// True when the repository holds this version of `name`.
    func contains(name: String, version: String) async throws -> Bool
    /// The package (`.tgz`) of one version.
    func fetch(name: String, version: String) async throws -> [UInt8]
    /// Publishes a package; `force` replaces an existing version.
    func publish(_ chart: ChartPackage, force: Bool) async throws
    /// Checks, before anything else is done, that publishing can work at all (a dry run too).
    func checkUsable() async throws
}

extension ChartRepository {
    package func contains(name: String, version: String) async throws -> Bool {
        try await versions(of: name).contains(version)
    }

    package func checkUsable() async throws {}

    /// A version's chart, its packed subcharts expanded, named by its location in messages.
    package func chart(name: String, version: String) async throws -> ChartTree {
        let origin = location(name: name, version: version)
        return try ChartTree(expandingPackedSubcharts: try ChartArchive.files(ofTgz: try await fetch(name: name, version: version), origin: origin),
                             origin: origin)
    }
}
