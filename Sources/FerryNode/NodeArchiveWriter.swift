import FerryArchive
import FerryCore
import FerryOCI
import Foundation

/// Writes images as one archive that every loader reads with the right names: an OCI layout
/// (`oci-layout`, `index.json` with `io.containerd.image.name` and `org.opencontainers.image.ref.name`,
/// `blobs/sha256/…`) and, beside it, the `manifest.json` of `docker save` — the hybrid Docker ≥ 25
/// writes. Blobs are the original bytes, so every digest is kept. Nothing is extracted or buffered:
/// each blob streams from its place in the source.
package struct NodeArchiveWriter: Sendable {
    package let compressor: LayerCompressor

    package init(compressor: LayerCompressor) {
        self.compressor = compressor
    }

    package func write(_ images: [NodeImage], to sink: any ByteSink) throws {
        let tar = TarWriter(writingTo: sink)
        try tar.addFile("oci-layout", bytes: Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        var written = Set<Digest>()
        for image in images {
            for blob in image.blobs where written.insert(blob.digest).inserted {
                let range: ByteRange
                switch blob.source {
                case .stored(let stored): range = stored
                case .gzipped(let uncompressed, let diffID):
                    range = try compressor.compressedBytes(of: uncompressed, diffID: diffID, expected: blob.digest)
                case .remote(let remote):
                    throw ArchiveError(.unsupported, "\(remote.origin): a node archive is written from files, not from a registry")
                }
                guard range.length == blob.size else {
                    throw ArchiveError(.invalidImage, "\(range.origin) is \(range.length) bytes, but its manifest says \(blob.size)")
                }
                try tar.addFile("blobs/sha256/\(blob.digest.hex)", size: range.length) { out in
                    // Hash as the bytes pass: a corrupt blob stops the archive before a runtime sees it.
                    let check = DigestingSink(forwardingTo: out)
                    try range.forEachChunk { try check.write($0) }
                    guard check.digest == blob.digest else {
                        throw ArchiveError(.digestMismatch, "\(range.origin) does not match its digest \(blob.digest)")
                    }
                }
            }
            for document in image.documents where written.insert(document.digest).inserted {
                try tar.addFile("blobs/sha256/\(document.digest.hex)", bytes: document.bytes)
            }
        }
        try tar.addFile("index.json", bytes: indexJSON(images))
        try tar.addFile("manifest.json", bytes: manifestJSON(images))
        try tar.finish()
    }

    func indexJSON(_ images: [NodeImage]) throws -> [UInt8] {
        var manifests: [[String: Any]] = []
        for image in images {
            for name in image.names {
                manifests.append([
                    "mediaType": image.root.mediaType,
                    "digest": image.root.digest.string,
                    "size": image.root.bytes.count,
                    "annotations": [
                        "io.containerd.image.name": name.description,
                        "org.opencontainers.image.ref.name": name.tag ?? name.digest?.string ?? "latest",
                    ],
                ])
            }
        }
        let index: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": manifests]
        return Array(try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    func manifestJSON(_ images: [NodeImage]) throws -> [UInt8] {
        let entries: [[String: Any]] = images.map { image in
            [
                "Config": "blobs/sha256/\(image.config.digest.hex)",
                "RepoTags": image.names.filter { $0.tag != nil }.map(\.description),
                "Layers": image.layers.map { "blobs/sha256/\($0.digest.hex)" },
            ]
        }
        return Array(try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys, .withoutEscapingSlashes]))
    }
}
