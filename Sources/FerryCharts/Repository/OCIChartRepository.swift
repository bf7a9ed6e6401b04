import FerryOCI
import FerryRegistry
import Foundation
import NIOCore

/// Charts in an OCI registry, as `helm push` stores them: `<host>/<path>/<name>:<tag>`, the tag
/// being the version with `+` written as `_`, the package the manifest's one chart layer.
package struct OCIChartRepository: ChartRepository {
    let client: RegistryClient
    /// The path under the host that charts are pushed to (`library` in `oci://host/library`).
    let path: String

    package init(client: RegistryClient, path: String) {
        self.client = client
        self.path = path.split(separator: "/").joined(separator: "/")
    }

    func repository(_ name: String) -> String { path.isEmpty ? name : "\(path)/\(name)" }

    package func location(name: String, version: String) -> String {
        "oci://\(client.host)/\(repository(name)):\(ChartTag.tag(forVersion: version))"
    }

    package func versions(of name: String) async throws -> [String] {
        try await client.tags(of: repository(name)).map(ChartTag.version(fromTag:))
    }

    package func contains(name: String, version: String) async throws -> Bool {
        try await client.manifestDigest(ChartTag.tag(forVersion: version), in: repository(name), access: .pull) != nil
    }

    package func fetch(name: String, version: String) async throws -> [UInt8] {
        let repository = repository(name)
        let tag = ChartTag.tag(forVersion: version)
        let manifest: ImageManifest
        do {
            manifest = try await client.fetchManifest(tag, from: repository).manifest()
        } catch let error as RegistryError where error.code == .manifestUnknown || error.code == .nameUnknown {
            throw ChartsError(.chartMissing, "\(location(name: name, version: version)) does not exist", cause: error)
        }
        guard let layer = manifest.layers.first(where: { $0.mediaType == MediaType.helmChart || $0.mediaType == "application/tar+gzip" }) else {
            throw ChartsError(.invalidChart, "\(location(name: name, version: version)) is not a Helm chart (no chart layer)")
        }
        return try await client.fetchBlob(layer.digest, from: repository)
    }

    package func publish(_ chart: ChartPackage, force: Bool) async throws {
        let artifact = try ChartArtifact(metadata: chart.metadata, package: chart.bytes)
        let repository = repository(chart.name)
        if !force, let existing = try await client.manifestDigest(artifact.tag, in: repository), existing != artifact.manifest.digest {
            throw ChartsError(.chartExists, "\(location(name: chart.name, version: chart.version)) already holds a different chart (\(existing))")
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
