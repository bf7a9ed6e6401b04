/// Builds the Docker schema-2 manifest of an image read from a docker-archive, byte for byte as
/// charts-syncer's relocation library does: Go's `json.MarshalIndent(m, "", "   ")` of the
/// manifest struct, so that an image pushed by Ferry has the digest charts-syncer would give it.
package enum DockerManifestBuilder {
    package static func build(config: Descriptor, layers: [Descriptor]) -> ManifestDocument {
        var out = "{\n"
        out += "   \"schemaVersion\": 2,\n"
        out += "   \"mediaType\": \"\(MediaType.dockerManifest)\",\n"
        out += "   \"config\": " + descriptor(config, indent: "   ") + ",\n"
        if layers.isEmpty {
            out += "   \"layers\": []\n"
        } else {
            out += "   \"layers\": [\n"
            out += layers.map { "      " + descriptor($0, indent: "      ") }.joined(separator: ",\n")
            out += "\n   ]\n"
        }
        out += "}"
        return ManifestDocument(bytes: Array(out.utf8), mediaType: MediaType.dockerManifest)
    }

    /// Field order of the Go struct: mediaType, size, digest.
    private static func descriptor(_ d: Descriptor, indent: String) -> String {
        let inner = indent + "   "
        return "{\n"
            + "\(inner)\"mediaType\": \"\(d.mediaType)\",\n"
            + "\(inner)\"size\": \(d.size),\n"
            + "\(inner)\"digest\": \"\(d.digest.string)\"\n"
            + "\(indent)}"
    }
}
