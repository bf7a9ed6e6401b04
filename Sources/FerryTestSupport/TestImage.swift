import FerryArchive
import FerryOCI
import Foundation

/// A layer made for a test: a tar holding one file of random bytes, and its gzip.
public struct TestLayer: Sendable {
    public var uncompressed: [UInt8]
    public var gzipped: [UInt8]
    public var diffID: Digest
    public var digest: Digest

    public static func random(size: Int, name: String = "data.bin") -> TestLayer {
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

    public init(uncompressed: [UInt8]) {
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
}

/// An image made for a test, with the name an archive gives it.
public struct TestImage: Sendable {
    public var name: String
    public var layers: [TestLayer]
    public var config: [UInt8]
    public var platform: Platform

    public var configDigest: Digest { Digest.of(config) }

    public static func make(_ name: String, layerSizes: [Int] = [2048, 4096], shared: [TestLayer] = [],
                            platform: Platform = Platform(os: "linux", architecture: "amd64")) -> TestImage {
        let layers = shared + layerSizes.enumerated().map { TestLayer.random(size: $0.element, name: "layer\($0.offset).bin") }
        return TestImage(name: name, layers: layers, platform: platform)
    }

    public init(name: String, layers: [TestLayer], platform: Platform = Platform(os: "linux", architecture: "amd64")) {
        self.name = name
        self.layers = layers
        self.platform = platform
        let diffIDs = layers.map { "\"\($0.diffID)\"" }.joined(separator: ",")
        let variant = platform.variant.map { ",\"variant\":\"\($0)\"" } ?? ""
        config = Array("""
            {"architecture":"\(platform.architecture)","os":"\(platform.os)"\(variant),"config":{"Cmd":["/bin/true"],"Labels":{"test.name":"\(name)"}},"rootfs":{"type":"layers","diff_ids":[\(diffIDs)]}}
            """.utf8)
    }

    /// The OCI manifest of the image with gzip layers (what an OCI layout holds).
    public var ociManifest: [UInt8] {
        let layerList = layers.map {
            "{\"mediaType\":\"\(MediaType.ociLayerGzip)\",\"digest\":\"\($0.digest)\",\"size\":\($0.gzipped.count)}"
        }.joined(separator: ",")
        return Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(config.count)},"layers":[\(layerList)]}
            """.utf8)
    }

    /// The OCI manifest with uncompressed layers, as Docker ≥ 25 writes into its save archives.
    public var ociUncompressedManifest: [UInt8] {
        let layerList = layers.map {
            "{\"mediaType\":\"\(MediaType.ociLayer)\",\"digest\":\"\($0.diffID)\",\"size\":\($0.uncompressed.count)}"
        }.joined(separator: ",")
        return Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(config.count)},"layers":[\(layerList)]}
            """.utf8)
    }

    /// The Docker schema-2 manifest charts-syncer would push for this image read from a docker-archive
    /// with gzip layers (Go's MarshalIndent with three spaces), written out independently of Ferry.
    public var chartsSyncerManifest: [UInt8] {
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
