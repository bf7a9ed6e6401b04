import FerryOCI
import Testing

@Suite struct ManifestTests {
    /// The exact bytes Go's json.MarshalIndent(manifest, "", "   ") gives for a go-containerregistry
    /// manifest, as charts-syncer pushes it; typed out here from the Go encoder's rules.
    @Test func dockerManifestMatchesChartsSyncerBytes() throws {
        let config = Descriptor(mediaType: MediaType.dockerConfig, digest: try Digest(parsing: "sha256:" + String(repeating: "1", count: 64)), size: 1456)
        let layer = Descriptor(mediaType: MediaType.dockerLayerGzip, digest: try Digest(parsing: "sha256:" + String(repeating: "2", count: 64)), size: 767322)
        let document = DockerManifestBuilder.build(config: config, layers: [layer, layer])
        let expected = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {
                  "mediaType": "application/vnd.docker.container.image.v1+json",
                  "size": 1456,
                  "digest": "sha256:\(String(repeating: "1", count: 64))"
               },
               "layers": [
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 767322,
                     "digest": "sha256:\(String(repeating: "2", count: 64))"
                  },
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 767322,
                     "digest": "sha256:\(String(repeating: "2", count: 64))"
                  }
               ]
            }
            """
        #expect(String(decoding: document.bytes, as: UTF8.self) == expected)
        #expect(document.digest == Digest.of(Array(expected.utf8)))
        #expect(document.mediaType == MediaType.dockerManifest)
        let parsed = try document.manifest()
        #expect(parsed.layers.count == 2)
        #expect(parsed.config.size == 1456)
    }

    @Test func imageWithoutLayersHasEmptyList() {
        let config = Descriptor(mediaType: MediaType.dockerConfig, digest: Digest.of(Array("{}".utf8)), size: 2)
        let text = String(decoding: DockerManifestBuilder.build(config: config, layers: []).bytes, as: UTF8.self)
        #expect(text.contains("\"layers\": []\n}"))
    }

    @Test func documentKeepsBytesAndDetectsType() throws {
        let bytes = Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8)
        let index = try ManifestDocument(bytes: bytes, declared: nil, origin: "test")
        #expect(index.isIndex)
        #expect(index.bytes == bytes)
        #expect(index.digest == Digest.of(bytes))
        #expect(throws: OCIError.self) {
            try ManifestDocument(bytes: Array("{not json".utf8), declared: nil, origin: "test")
        }
        #expect(throws: OCIError.self) {
            try ManifestDocument(bytes: Array(#"{"mediaType":"application/vnd.cncf.helm.config.v1+json"}"#.utf8), declared: nil, origin: "test")
        }
    }
}
