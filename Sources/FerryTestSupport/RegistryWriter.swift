import FerryOCI
import Foundation

/// Puts content into a live registry without Ferry: images with skopeo (`--preserve-digests`,
/// every platform), blobs and manifests with curl, as cosign and oras store signatures and
/// referrers.
package struct RegistryWriter: Sendable {
    package let registry: LiveRegistry
    let scratch: TemporaryDirectory

    package init(_ registry: LiveRegistry) throws {
        self.registry = registry
        scratch = try TemporaryDirectory("writer")
    }

    /// Copies the image `name` of an OCI layout tar to `host/repository:tag`, every platform, bytes unchanged.
    package func copyLayout(_ archive: String, name: String, to repository: String, tag: String) throws {
        let destination = registry.skopeoSourceFlags.map { $0.replacingOccurrences(of: "--src-", with: "--dest-") }
        try Subprocess.check(try Subprocess.require("skopeo"),
                             ["copy", "--quiet", "--all", "--preserve-digests"] + destination
                                + ["oci-archive:\(archive):\(name)", "docker://\(registry.host)/\(repository):\(tag)"])
    }

    /// Uploads a blob: a POST opens the upload, one PUT with the digest sends it all.
    @discardableResult
    package func putBlob(_ bytes: [UInt8], mediaType: String, in repository: String) throws -> Descriptor {
        let digest = Digest.of(bytes)
        let file = try scratch.write("blob-\(digest.hex)", bytes)
        let headers = scratch.file("headers-\(digest.hex)")
        try curl(["-X", "POST", "-D", headers, "http://\(registry.host)/v2/\(repository)/blobs/uploads/"])
        let text = try String(contentsOfFile: headers, encoding: .utf8)
        guard let line = text.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("location:") }) else {
            throw TestSupportError("no Location in the answer to the upload POST: \(text)")
        }
        var location = line.dropFirst("location:".count).trimmingCharacters(in: .whitespaces)
        if location.hasPrefix("/") { location = "http://\(registry.host)" + location }
        try curl(["-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)",
                  location + (location.contains("?") ? "&" : "?") + "digest=\(digest)"])
        return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    /// Stores a manifest under `reference` (a tag, or its own digest when nil).
    @discardableResult
    package func putManifest(_ bytes: [UInt8], mediaType: String, in repository: String, as reference: String? = nil) throws -> Descriptor {
        let digest = Digest.of(bytes)
        let file = try scratch.write("manifest-\(digest.hex)", bytes)
        try curl(["-X", "PUT", "-H", "Content-Type: \(mediaType)", "--data-binary", "@\(file)",
                  "http://\(registry.host)/v2/\(repository)/manifests/\(reference ?? digest.string)"])
        return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    /// The bytes the registry serves for a manifest (a tag or a digest), or nil when it has none.
    package func manifest(_ reference: String, in repository: String) throws -> [UInt8]? {
        let accept = MediaType.manifestAccept.joined(separator: ", ")
        let result = try Subprocess.run(try Subprocess.require("curl"),
                                        ["-s", "-f", "-H", "Accept: \(accept)", "http://\(registry.host)/v2/\(repository)/manifests/\(reference)"])
        return result.status == 0 ? Array(result.stdout.utf8) : nil
    }

    /// A cosign-style signature of `subject` under `sha256-<hex>.sig`: a simple-signing payload
    /// layer with its signature annotation.
    @discardableResult
    package func signature(of subject: Digest, in repository: String) throws -> Descriptor {
        let payload = Array(#"{"critical":{"identity":{"docker-reference":"\#(registry.host)/\#(repository)"},"image":{"docker-manifest-digest":"\#(subject)"},"type":"cosign container image signature"},"optional":null}"#.utf8)
        return try cosignArtifact(subject, suffix: "sig", layerType: "application/vnd.dev.cosign.simplesigning.v1+json", payload: payload,
                                  annotations: #"{"dev.cosignproject.cosign/signature":"MEUCIQDk1ZJ0lNvGzL0=="}"#, in: repository)
    }

    /// A cosign-style attestation of `subject` under `sha256-<hex>.att`: a DSSE envelope layer.
    @discardableResult
    package func attestation(of subject: Digest, in repository: String) throws -> Descriptor {
        let payload = Array(#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"MEQ="}]}"#.utf8)
        return try cosignArtifact(subject, suffix: "att", layerType: "application/vnd.dsse.envelope.v1+json", payload: payload,
                                  annotations: #"{"dev.cosignproject.cosign/signature":"","predicateType":"https://slsa.dev/provenance/v0.2"}"#, in: repository)
    }

    func cosignArtifact(_ subject: Digest, suffix: String, layerType: String, payload: [UInt8], annotations: String,
                        in repository: String) throws -> Descriptor {
        let layer = try putBlob(payload, mediaType: layerType, in: repository)
        let config = Array(#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["\#(Digest.of(payload))"]},"config":{}}"#.utf8)
        let configDescriptor = try putBlob(config, mediaType: MediaType.ociConfig, in: repository)
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","config":{"mediaType":"\(MediaType.ociConfig)","size":\(configDescriptor.size),"digest":"\(configDescriptor.digest)"},"layers":[{"mediaType":"\(layerType)","size":\(layer.size),"digest":"\(layer.digest)","annotations":\(annotations)}]}
            """.utf8)
        return try putManifest(manifest, mediaType: MediaType.ociManifest, in: repository, as: "sha256-\(subject.hex).\(suffix)")
    }

    /// An OCI 1.1 referrer of `subject` (an SBOM artifact with `subject`), stored by digest, and the
    /// referrers fallback tag `sha256-<hex>` listing it, as a client writes them to a registry
    /// without the referrers API. Returns the referrer and the fallback index.
    package func referrer(of subject: Descriptor, in repository: String) throws -> (referrer: Descriptor, index: Descriptor) {
        let empty = try putBlob(Array("{}".utf8), mediaType: "application/vnd.oci.empty.v1+json", in: repository)
        let sbom = try putBlob(Array(#"{"spdxVersion":"SPDX-2.3","name":"test"}"#.utf8), mediaType: "application/spdx+json", in: repository)
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"application/spdx+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(empty.digest)","size":2},"layers":[{"mediaType":"application/spdx+json","digest":"\(sbom.digest)","size":\(sbom.size)}],"subject":{"mediaType":"\(subject.mediaType)","digest":"\(subject.digest)","size":\(subject.size)}}
            """.utf8)
        let referrer = try putManifest(manifest, mediaType: MediaType.ociManifest, in: repository)
        let index = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)","digest":"\(referrer.digest)","size":\(referrer.size),"artifactType":"application/spdx+json"}]}
            """.utf8)
        let fallback = try putManifest(index, mediaType: MediaType.ociIndex, in: repository, as: "sha256-\(subject.digest.hex)")
        return (referrer, fallback)
    }

    /// A Helm chart in the registry as `helm push` stores it: a Helm config and the package as its one layer.
    package func pushChart(_ package: [UInt8], name: String, version: String, in repository: String) throws {
        let config = Array(#"{"apiVersion":"v2","name":"\#(name)","version":"\#(version)"}"#.utf8)
        let configDescriptor = try putBlob(config, mediaType: MediaType.helmConfig, in: repository)
        let layer = try putBlob(package, mediaType: MediaType.helmChart, in: repository)
        let manifest = Array("""
            {"schemaVersion":2,"config":{"mediaType":"\(MediaType.helmConfig)","digest":"\(configDescriptor.digest)","size":\(configDescriptor.size)},"layers":[{"mediaType":"\(MediaType.helmChart)","digest":"\(layer.digest)","size":\(layer.size)}],"annotations":{"org.opencontainers.image.title":"\(name)","org.opencontainers.image.version":"\(version)"}}
            """.utf8)
        try putManifest(manifest, mediaType: MediaType.ociManifest, in: repository, as: version.replacingOccurrences(of: "+", with: "_"))
    }

    private func curl(_ arguments: [String]) throws {
        let result = try Subprocess.run(try Subprocess.require("curl"), ["-s", "-S", "-f", "-o", "/dev/null"] + arguments)
        guard result.status == 0 else {
            throw TestSupportError("curl \(arguments.last ?? ""): exit \(result.status): \(result.stderr)")
        }
    }
}
