import FerryArchive
import FerryOCI
import FerryRegistry
import Foundation

/// OCI referrers pushed to a registry without the referrers API: they are found there only
/// through the fallback tag `sha256-<subject hex>`, an index listing them, which the distribution
/// spec has clients keep. After the referrers are pushed, each such index is read (when there is
/// one), the new referrers added, and it is stored again; a registry with the API needs none.
struct ReferrersFallback {
    let client: RegistryClient

    /// Keeps the fallback tag of each subject that `pushed` referrers name, per repository.
    func update(_ plan: PushPlan, pushed: Set<String>) async throws {
        var wanted: [String: [(subject: Digest, referrer: ManifestDocument)]] = [:]
        var carried = Set<String>()
        for planned in plan.images {
            for target in planned.targets where pushed.contains(target.description) {
                if let tag = target.tag { carried.insert("\(target.repository):\(tag)") }
                if let subject = planned.referrerOf, target.tag == nil {
                    wanted[target.repository, default: []].append((subject, planned.image.root))
                }
            }
        }
        for (repository, referrers) in wanted.sorted(by: { $0.key < $1.key }) {
            for subject in Set(referrers.map(\.subject)).sorted(by: { $0.hex < $1.hex }) {
                let tag = "sha256-\(subject.hex)"
                // The bundle carried the index itself (made by the source's client): it was pushed as it was.
                if carried.contains("\(repository):\(tag)") { continue }
                if try await client.referrers(of: subject, in: repository) != nil { continue }
                let documents = referrers.filter { $0.subject == subject }.map(\.referrer)
                try await store(documents, subject: subject, tag: tag, in: repository)
            }
        }
    }

    func store(_ documents: [ManifestDocument], subject: Digest, tag: String, in repository: String) async throws {
        var entries: [[String: Any]] = []
        if let existing = try await client.currentManifest(tag, in: repository),
           let object = try? JSONSerialization.jsonObject(with: Data(existing.bytes)) as? [String: Any] {
            entries = object["manifests"] as? [[String: Any]] ?? []
        }
        let listed = Set(entries.compactMap { $0["digest"] as? String })
        for document in documents where !listed.contains(document.digest.string) {
            entries.append(Self.descriptor(of: document))
        }
        let index: [String: Any] = ["schemaVersion": 2, "mediaType": MediaType.ociIndex, "manifests": entries]
        let bytes = try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .withoutEscapingSlashes])
        try await client.putManifest(ManifestDocument(bytes: Array(bytes), mediaType: MediaType.ociIndex), as: tag, in: repository)
    }

    /// A referrer as the referrers API lists it: its descriptor, artifact type and annotations.
    static func descriptor(of document: ManifestDocument) -> [String: Any] {
        var entry: [String: Any] = ["mediaType": document.mediaType, "digest": document.digest.string, "size": document.bytes.count]
        let object = (try? JSONSerialization.jsonObject(with: Data(document.bytes))) as? [String: Any]
        let configType = (object?["config"] as? [String: Any])?["mediaType"] as? String
        if let type = object?["artifactType"] as? String ?? configType { entry["artifactType"] = type }
        if let annotations = object?["annotations"] as? [String: Any] { entry["annotations"] = annotations }
        return entry
    }
}
