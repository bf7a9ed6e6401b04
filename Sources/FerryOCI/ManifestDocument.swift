import Foundation

/// A manifest or index as bytes. The bytes are what gets pushed, so the digest never changes.
package struct ManifestDocument: Sendable {
    /// Manifests and configs are small; anything larger is refused before it is read into memory.
    package static let maximumSize = 4 << 20

    package let bytes: [UInt8]
    package let mediaType: String
    package let digest: Digest

    package init(bytes: [UInt8], mediaType: String) {
        self.bytes = bytes
        self.mediaType = mediaType
        self.digest = Digest.of(bytes)
    }

    /// Wraps bytes read from `origin` (for messages), taking the media type from the document
    /// itself when `declared` is nil.
    package init(bytes: [UInt8], declared: String?, origin: String) throws {
        struct Probe: Decodable {
            var mediaType: String?
            var manifests: [Descriptor]?
            var config: Descriptor?
        }
        let probe: Probe
        do {
            probe = try GoJSON.decode(Probe.self, from: bytes)
        } catch {
            throw OCIError(.invalidDocument, "\(origin) is not a valid manifest: \(error.shortDescription)")
        }
        let type = probe.mediaType ?? declared ?? (probe.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest)
        guard MediaType.isIndex(type) || MediaType.isManifest(type) else {
            throw OCIError(.unsupportedMediaType, "\(origin) has media type \(type), which is not an image manifest or index")
        }
        self.init(bytes: bytes, mediaType: type)
    }

    package var isIndex: Bool { MediaType.isIndex(mediaType) }

    package func manifest() throws -> ImageManifest {
        do {
            return try GoJSON.decode(ImageManifest.self, from: bytes)
        } catch {
            throw OCIError(.invalidDocument, "manifest \(digest) is malformed: \(error.shortDescription)")
        }
    }

    package func index() throws -> ImageIndex {
        do {
            return try GoJSON.decode(ImageIndex.self, from: bytes)
        } catch {
            throw OCIError(.invalidDocument, "index \(digest) is malformed: \(error.shortDescription)")
        }
    }

    package var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }
}

extension Error {
    /// A one-line account of a decoding error: the coding path and what was wrong.
    package var shortDescription: String {
        switch self as? DecodingError {
        case .dataCorrupted(let context)?:
            return path(context) + context.debugDescription
        case .keyNotFound(let key, let context)?:
            return path(context) + "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return path(context) + context.debugDescription
        default:
            return String(describing: self)
        }
    }

    private func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "" : keys.joined(separator: ".") + ": "
    }
}
