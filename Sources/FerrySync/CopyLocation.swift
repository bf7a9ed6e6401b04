import FerryOCI

/// One side of `ferry copy`, named as skopeo names its transports: `docker://REF`, `oci:DIR[:REF]`,
/// `oci-archive:FILE[:REF]`, `docker-archive:FILE[:REF]`. REF picks an image of an archive that
/// holds several, and names the image written to one.
package enum CopyLocation: Sendable, Equatable, CustomStringConvertible {
    case registry(Reference)
    case ociDirectory(path: String, reference: String?)
    case ociArchive(path: String, reference: String?)
    case dockerArchive(path: String, reference: String?)

    package init(parsing text: String) throws {
        if text.hasPrefix("docker://") {
            let rest = String(text.dropFirst("docker://".count))
            do {
                self = .registry(try Reference(parsing: rest))
            } catch {
                throw SyncError(.invalidConfig, "'\(text)': '\(rest)' is not an image reference (host/repository:tag)")
            }
            return
        }
        for (prefix, make) in [("oci:", Self.ociDirectory), ("oci-archive:", Self.ociArchive), ("docker-archive:", Self.dockerArchive)] {
            guard text.hasPrefix(prefix) else { continue }
            let rest = text.dropFirst(prefix.count)
            // As skopeo splits it: the path ends at the first ':'.
            let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let path = parts.first, !path.isEmpty else { throw SyncError(.invalidConfig, "'\(text)' names no path") }
            let reference = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
            self = make(String(path), reference)
            return
        }
        throw SyncError(.invalidConfig, "'\(text)' names no transport Ferry copies with",
                        hint: "use docker://HOST/REPO:TAG, oci:DIR[:REF], oci-archive:FILE[:REF] or docker-archive:FILE[:REF]")
    }

    package var description: String {
        switch self {
        case .registry(let reference): return "docker://\(reference)"
        case .ociDirectory(let path, let reference): return "oci:\(path)" + (reference.map { ":\($0)" } ?? "")
        case .ociArchive(let path, let reference): return "oci-archive:\(path)" + (reference.map { ":\($0)" } ?? "")
        case .dockerArchive(let path, let reference): return "docker-archive:\(path)" + (reference.map { ":\($0)" } ?? "")
        }
    }
}
