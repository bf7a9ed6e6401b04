import FerryCore
import FerryOCI
import Foundation

/// Writes images into an OCI image layout directory (`oci:DIR`, as skopeo names it): each blob
/// not there yet (written whole or not at all), `oci-layout`, and `index.json` with the new entries
/// merged in: an entry already there under the same name is replaced, the others kept.
package enum OCILayoutDirectory {
    package static func write(_ images: [BundleImage], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory + "/blobs/sha256", withIntermediateDirectories: true)
        for (digest, content) in try BundleImagesTar.contents(images) {
            let path = "\(directory)/blobs/sha256/\(digest.hex)"
            if FileManager.default.fileExists(atPath: path) { continue }
            let sink = try AtomicFileSink(path: path)
            let check = DigestingSink(forwardingTo: sink)
            switch content {
            case .bytes(let bytes): try check.write(bytes)
            case .range(let range): try range.forEachChunk { try check.write($0) }
            case .link: continue
            }
            guard check.digest == digest else {
                throw ArchiveError(.digestMismatch, "\(path): the bytes hash to \(check.digest), not \(digest)")
            }
            try sink.commit()
        }
        let layout = try AtomicFileSink(path: directory + "/oci-layout")
        try layout.write(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        try layout.commit()

        let added = BundleImagesTar.indexEntries(images)
        let names = Set(images.map { $0.refName ?? $0.reference.description })
        var kept: [String] = []
        if let data = FileManager.default.contents(atPath: directory + "/index.json") {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ArchiveError(.invalidImage, "\(directory)/index.json is not a JSON object; Ferry will not replace it")
            }
            for entry in object["manifests"] as? [[String: Any]] ?? [] {
                let name = (entry["annotations"] as? [String: Any])?["org.opencontainers.image.ref.name"] as? String
                if let name, names.contains(name) { continue }
                kept.append(String(decoding: try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            }
        }
        let index = try AtomicFileSink(path: directory + "/index.json")
        try index.write(Array("{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.ociIndex)\",\"manifests\":[\((kept + added).joined(separator: ","))]}".utf8))
        try index.commit()
    }
}
