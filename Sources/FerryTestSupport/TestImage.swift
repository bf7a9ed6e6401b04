import FerryArchive
import FerryCore
import FerryOCI
import Foundation

/// A layer made for a test: a tar holding one file of random bytes, and its gzip.
package struct TestLayer: Sendable {
    package var uncompressed: [UInt8]
    package var gzipped: [UInt8]
    package var diffID: Digest
    /// The digest of the compressed bytes the archive stores: the gzip, or the zstd when `zstd` is set.
    package var digest: Digest
    /// The zstd-compressed layer, when the layer is stored that way (OCI layouts only; see `zstdCompressed()`).
    package var zstd: [UInt8]? = nil

    /// The compressed bytes an OCI layout stores for the layer: the zstd when set, else the gzip.
    package var stored: [UInt8] { zstd ?? gzipped }
    /// The media type of `stored`.
    package var storedMediaType: String { zstd == nil ? MediaType.ociLayerGzip : MediaType.ociLayerZstd }

    package static func random(size: Int, name: String = "data.bin") -> TestLayer {
        var generator = SystemRandomNumberGenerator()
        var payload = [UInt8](repeating: 0, count: size)
        var i = 0
        while i < size {
            var word = generator.next()
            for _ in 0..<8 where i < size {
                payload[i] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                i += 1
            }
        }
        let tar = MemorySink()
        let writer = TarWriter(writingTo: tar)
        try! writer.addFile(name, bytes: payload)
        try! writer.finish()
        return TestLayer(uncompressed: tar.bytes)
    }

    package init(uncompressed: [UInt8]) {
        self.uncompressed = uncompressed
        let gz = MemorySink()
        // Level 6, not Ferry's level 1: fixtures must not share Ferry's exact compression choices.
        let gzip = try! GzipCompressor(writingTo: gz, level: 6)
        try! gzip.write(uncompressed)
        try! gzip.finish()
        gzipped = gz.bytes
        diffID = Digest.of(uncompressed)
        digest = Digest.of(gzipped)
    }

    /// The same layer stored zstd-compressed, by the `zstd` CLI (Debian's `zstd`), not by Ferry's
    /// code: `zstd` holds the bytes and `digest` is theirs; `diffID` is unchanged.
    package func zstdCompressed() throws -> TestLayer {
        let zstdTool = try Subprocess.require("zstd")
        let scratch = try TemporaryDirectory("zstd")
        let input = try scratch.write("layer.tar", uncompressed)
        let output = scratch.file("layer.tar.zst")
        try Subprocess.check(zstdTool, ["-q", "-f", "-19", input, "-o", output])
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: output)))
        var layer = self
        layer.zstd = bytes
        layer.digest = Digest.of(bytes)
        return layer
    }
}

/// An image made for a test, with the name an archive gives it.
package struct TestImage: Sendable {
    package var name: String
    package var layers: [TestLayer]
    package var config: [UInt8]
    package var platform: Platform
    /// Written as Go programs (go-containerregistry, Docker, containerd) write empty lists: `null`.
    /// The config has `"history":null` and, with no layers, `"diff_ids":null`; archive writers then
    /// write `"Layers":null` in manifest.json and `"layers":null` in the OCI manifest of a zero-layer
    /// image, and `"RepoTags":null` / `"annotations":null` for an `unnamed` image.
    package var goNulls: Bool = false
    /// Written without a name, as `docker save <image id>` or `skopeo copy … oci:DIR` (no tag) do:
    /// manifest.json `RepoTags` empty (`null` with `goNulls`), no `repositories` entry, and an
    /// index.json entry without a name annotation (`"annotations":null` with `goNulls`). `name`
    /// still labels the config, so the image's bytes stay distinct.
    package var unnamed: Bool = false

    package var configDigest: Digest { Digest.of(config) }

    package static func make(_ name: String, layerSizes: [Int] = [2048, 4096], shared: [TestLayer] = [],
                            platform: Platform = Platform(os: "linux", architecture: "amd64"), goNulls: Bool = false) -> TestImage {
        let layers = shared + layerSizes.enumerated().map { TestLayer.random(size: $0.element, name: "layer\($0.offset).bin") }
        return TestImage(name: name, layers: layers, platform: platform, goNulls: goNulls)
    }

    package init(name: String, layers: [TestLayer], platform: Platform = Platform(os: "linux", architecture: "amd64"),
                goNulls: Bool = false) {
        self.name = name
        self.layers = layers
        self.platform = platform
        self.goNulls = goNulls
        let diffIDs = goNulls && layers.isEmpty ? "null" : "[" + layers.map { "\"\($0.diffID)\"" }.joined(separator: ",") + "]"
        let variant = platform.variant.map { ",\"variant\":\"\($0)\"" } ?? ""
        let history = goNulls ? ",\"history\":null" : ""
        config = Array("""
            {"architecture":"\(platform.architecture)","os":"\(platform.os)"\(variant),"config":{"Cmd":["/bin/true"],"Labels":{"test.name":"\(name)"}}\(history),"rootfs":{"type":"layers","diff_ids":\(diffIDs)}}
            """.utf8)
    }

    /// An OCI manifest's `layers` value: `null` for a zero-layer Go-written image.
    func layerList(_ entries: [String]) -> String {
        goNulls && entries.isEmpty ? "null" : "[" + entries.joined(separator: ",") + "]"
    }

    /// The OCI manifest of the image with gzip layers (what an OCI layout holds).
    package var ociManifest: [UInt8] {
        let list = layerList(layers.map {
            "{\"mediaType\":\"\($0.storedMediaType)\",\"digest\":\"\($0.digest)\",\"size\":\($0.stored.count)}"
        })
        return Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(config.count)},"layers":\(list)}
            """.utf8)
    }

    /// The OCI manifest with uncompressed layers, as Docker ≥ 25 writes into its save archives.
    package var ociUncompressedManifest: [UInt8] {
        let list = layerList(layers.map {
            "{\"mediaType\":\"\(MediaType.ociLayer)\",\"digest\":\"\($0.diffID)\",\"size\":\($0.uncompressed.count)}"
        })
        return Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(config.count)},"layers":\(list)}
            """.utf8)
    }

    /// The Docker schema-2 manifest charts-syncer would push for this image read from a docker-archive
    /// with gzip layers (Go's MarshalIndent with three spaces), written out independently of Ferry.
    package var chartsSyncerManifest: [UInt8] {
        var text = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
        text += "   \"config\": {\n      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
        text += "      \"size\": \(config.count),\n      \"digest\": \"\(configDigest)\"\n   },\n"
        if layers.isEmpty {
            text += "   \"layers\": []\n}"
        } else {
            text += "   \"layers\": [\n"
            text += layers.map {
                "      {\n         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n         \"size\": \($0.gzipped.count),\n         \"digest\": \"\($0.digest)\"\n      }"
            }.joined(separator: ",\n")
            text += "\n   ]\n}"
        }
        return Array(text.utf8)
    }
}
