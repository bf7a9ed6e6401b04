import FerryCore
import FerryOCI

import FerryCharts
import FerryRegistry
import Foundation

/// Where relocated charts are published: a directory, a ChartMuseum or Harbor chart repository,
/// or an OCI registry.
package protocol ChartPublisher: Sendable {
    /// Where a chart would land, for plans and reports.
    func location(name: String, version: String) -> String
    /// True when the repository already has this chart version.
    func contains(name: String, version: String) async throws -> Bool
    /// Publishes a package; `force` replaces an existing version.
    func publish(name: String, version: String, package: [UInt8], chartYAML: [UInt8], force: Bool) async throws
    /// Checks, before any image is pushed, that publishing can work at all (a dry run too).
    func checkUsable() async throws
}

extension ChartPublisher {
    package func checkUsable() async throws {}
}

/// A chart publish that failed, as a person can act on it.
package struct PublishError: FerryError {
    package enum Code: String, Sendable {
        /// The repository already has the version (a command may offer to replace it).
        case exists
        /// The repository cannot be used or refused the chart.
        case rejected
    }

    package var code: Code
    package var message: String
    package var hint: String?

    package init(_ code: Code = .rejected, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    package var kind: ErrorKind { .failed }
    package var codeName: String { code.rawValue }
}
