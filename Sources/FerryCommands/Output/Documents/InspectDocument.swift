import FerryCharts

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
