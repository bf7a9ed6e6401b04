import FerryCharts
import FerryOCI
import FerryRegistry
import Foundation
import NIOCore

/// `kind: OCI`: the chart pushed as `helm push` does, to `<host>/<path>/<name>:<version>` with
/// `+` in the version written as `_`.
package struct OCIChartPublisher: ChartPublisher {
    let client: RegistryClient
    let path: String

    package init(client: RegistryClient, path: String) {
        self.client = client
        self.path = path.split(separator: "/").joined(separator: "/")
    }

    func repository(_ name: String) -> String { path.isEmpty ? name : "\(path)/\(name)" }

    package func location(name: String, version: String) -> String {
        "oci://\(client.host)/\(repository(name)):\(version.replacingOccurrences(of: "+", with: "_"))"
    }

    package func contains(name: String, version: String) async throws -> Bool {
        try await client.manifestDigest(version.replacingOccurrences(of: "+", with: "_"), in: repository(name), access: .pull) != nil
    }

    package func publish(name: String, version: String, package: [UInt8], chartYAML: [UInt8], force: Bool) async throws {
        let artifact = try ChartArtifact(chartYAML: chartYAML, package: package, origin: "\(name)-\(version).tgz")
        let repository = repository(name)
        if !force, let existing = try await client.manifestDigest(artifact.tag, in: repository), existing != artifact.manifest.digest {
            throw PublishError(.exists, "\(location(name: name, version: version)) already holds a different chart (\(existing))")
        }
        for blob in [artifact.config, artifact.package] {
            let digest = Digest.of(blob)
            if try await client.blobExists(digest, in: repository) { continue }
            try await client.uploadBlob(digest, size: Int64(blob.count), to: repository, body: {
                AsyncThrowingStream { continuation in
                    continuation.yield(ByteBuffer(bytes: blob))
                    continuation.finish()
                }
            })
        }
        try await client.putManifest(artifact.manifest, as: artifact.tag, in: repository)
    }
}
