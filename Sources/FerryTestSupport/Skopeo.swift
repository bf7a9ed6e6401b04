import FerryOCI
import Foundation

/// skopeo, the independent check of what Ferry pushed: it copies an image out of the registry
/// into a `dir:` layout (verifying every blob as it pulls), and the copy is hashed again here.
package enum Skopeo {
    package struct Copy: Sendable {
        /// The digest of the manifest bytes the registry served.
        package var manifestDigest: Digest
        package var manifestBytes: [UInt8]
        /// Every blob copied, each checked to hash to its name.
        package var blobs: Set<Digest>
    }

    /// Copies `reference` (host/repo:tag) from `registry` into a directory and checks it.
    package static func copy(_ reference: String, from registry: LiveRegistry, into directory: TemporaryDirectory,
                            allPlatforms: Bool = false) throws -> Copy {
        let skopeo = try Subprocess.require("skopeo")
        let target = directory.file("skopeo-\(UUID().uuidString.prefix(8))")
        var arguments = ["copy", "--quiet", "--preserve-digests"] + registry.skopeoSourceFlags
        if allPlatforms { arguments.append("--all") }
        arguments += ["docker://\(reference)", "dir:\(target)"]
        try Subprocess.check(skopeo, arguments)
        let manifest = try Array(Data(contentsOf: URL(fileURLWithPath: target + "/manifest.json")))
        var blobs = Set<Digest>()
        for name in try FileManager.default.contentsOfDirectory(atPath: target) where name.count == 64 {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: "\(target)/\(name)")))
            let digest = Digest.of(bytes)
            guard digest.hex == name else {
                throw TestSupportError("skopeo copied blob \(name) but it hashes to \(digest)")
            }
            blobs.insert(digest)
        }
        return Copy(manifestDigest: Digest.of(manifest), manifestBytes: manifest, blobs: blobs)
    }

    /// The raw manifest bytes the registry serves for `reference`.
    package static func rawManifest(_ reference: String, from registry: LiveRegistry) throws -> [UInt8] {
        let out = try Subprocess.check(try Subprocess.require("skopeo"),
                                       ["inspect", "--raw"] + registry.skopeoSourceFlags.map {
                                           $0.replacingOccurrences(of: "--src-", with: "--")
                                       } + ["docker://\(reference)"])
        return Array(out.utf8)
    }
}
