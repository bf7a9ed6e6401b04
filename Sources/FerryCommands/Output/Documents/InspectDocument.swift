import FerryArchive
import FerryCharts
import FerryOCI

/// `ferry inspect --output json`: each source's chart and images, and the unique blobs of all.
package struct InspectDocument: Codable, Sendable {
    package struct Layer: Codable, Sendable {
        package var digest: String
        package var size: Int64
        package var mediaType: String
        /// How the archive stores it: gzip, zstd, none…
        package var compression: String
        /// Stored uncompressed and gzipped by Ferry when pushed.
        package var gzippedOnPush: Bool
    }

    /// A signature, attestation or referrer kept with an image.
    package struct Artifact: Codable, Sendable {
        /// The manifest it is about.
        package var subject: String
        /// Its tag next to the image (`sha256-<hex>.sig`), or nil for a referrer kept by digest.
        package var tag: String?
        package var digest: String
        package var mediaType: String
        /// The artifact type (`artifactType`, or its config's media type), e.g. application/spdx+json.
        package var artifactType: String?
    }

    package struct Image: Codable, Sendable {
        package var names: [String]
        /// False for an image saved by id or copied without a tag: it cannot be pushed as it is.
        package var named: Bool
        package var digest: String
        package var mediaType: String
        package var platforms: [String]
        package var layers: Int
        package var layerDetails: [Layer]
        package var size: Int64
        package var artifacts: [Artifact]
    }

    package struct Source: Codable, Sendable {
        package var path: String
        package var kind: String
        package var chart: ChartMetadata?
        package var images: [Image]
    }

    package var sources: [Source]
    package var images: Int
    package var uniqueBlobs: Int
    package var uniqueBytes: Int64
}

extension InspectDocument {
    /// What the opened sources hold; a bundle's chart is read from its Chart.yaml.
    init(_ opened: [ImageSource]) throws {
        var unique: [Digest: Int64] = [:]
        sources = try opened.map { source in
            for image in source.archive.images {
                for blob in image.blobsWithArtifacts { unique[blob.digest] = blob.size }
            }
            return Source(path: source.path, kind: source.kind.rawValue, chart: try Self.chart(of: source),
                          images: try source.archive.images.map(Self.image))
        }
        images = sources.reduce(0) { $0 + $1.images.count }
        uniqueBlobs = unique.count
        uniqueBytes = unique.values.reduce(0, +)
    }

    static func chart(of source: ImageSource) throws -> ChartMetadata? {
        guard let bundle = source.bundle, bundle.index.contains("original-chart/Chart.yaml") else { return nil }
        let range = try bundle.chartFile("Chart.yaml")
        return try ChartMetadata(yaml: try range.readAll(), origin: range.origin)
    }

    static func image(_ image: ArchivedImage) throws -> Image {
        let layers = try image.layers().map {
            Layer(digest: $0.digest.string, size: $0.size, mediaType: $0.mediaType, compression: $0.stored.rawValue,
                  gzippedOnPush: $0.gzippedOnPush)
        }
        return Image(names: image.isNamed ? image.sourceNames : [image.displayName], named: image.isNamed,
                     digest: image.root.digest.string, mediaType: image.root.mediaType, platforms: image.platforms.map(\.description),
                     layers: image.layerCount, layerDetails: layers, size: image.totalBytes,
                     artifacts: image.artifacts.map(artifact))
    }

    static func artifact(_ artifact: ImageArtifact) -> Artifact {
        struct Typed: Decodable {
            var artifactType: String?
            var config: Descriptor?
        }
        let typed = try? GoJSON.decode(Typed.self, from: artifact.image.root.bytes)
        return Artifact(subject: artifact.subject.string, tag: artifact.tag, digest: artifact.image.root.digest.string,
                        mediaType: artifact.image.root.mediaType, artifactType: typed?.artifactType ?? typed?.config?.mediaType)
    }
}
