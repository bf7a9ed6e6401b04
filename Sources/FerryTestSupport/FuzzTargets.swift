import FerryArchive
import FerryCharts
import FerryOCI
import FerrySync
import Foundation

/// The readers Ferry points at input from outside, each as one function of the input's bytes.
/// `scripts/fuzz` mutates seeds and runs them (a trap or a hang is a finding); the regression
/// corpus in `Tests/FuzzCorpus/<target>/` runs through the same functions in the test suite.
/// A target returns normally or throws; it must never trap, hang or write outside `scratch`.
package enum FuzzTarget: String, CaseIterable, Sendable {
    case tar, dockerArchive = "docker-archive", ociLayout = "oci-layout", bundle, hints, values, chart, config

    /// Whether inputs are tars: their header checksums are then mostly kept valid after mutation,
    /// so mutated inputs reach past the checksum into the readers behind it.
    package var readsTar: Bool { [.tar, .dockerArchive, .ociLayout, .bundle].contains(self) }

    /// Runs the reader on `input`; `scratch` is a directory it may use for the input file.
    package func run(_ input: [UInt8], scratch: String) throws {
        switch self {
        case .tar:
            let path = try Self.file(input, scratch)
            _ = try TarIndex(file: try RandomAccessFile(path: path))
        case .dockerArchive, .ociLayout, .bundle:
            let path = try Self.file(input, scratch)
            let compressor = LayerCompressor(cacheDirectory: nil)
            let opened = try ImageSource.open(path, compressor: compressor)
            for source in opened.sources {
                for image in source.archive.images { _ = try image.layers() }
                if let bundle = source.bundle { _ = try ChartTree.load(bundle: bundle) }
            }
        case .hints:
            _ = try ImageHints.parse(input, origin: "fuzz!hints.yaml")
        case .values:
            let values = try ValuesFile(text: String(decoding: input, as: UTF8.self), origin: "fuzz!values.yaml")
            // Relocate whatever the document names `image.*`.
            let chart = try ChartTree(files: ["Chart.yaml": Array("name: fuzz\nversion: 1.0.0\n".utf8), "values.yaml": input],
                                      origin: "fuzz")
            if values.scalar(at: ["image", "repository"]) != nil {
                let hint = try ImageTemplate(parsing: "{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}")
                _ = try? ChartRelocation.relocate(chart, hints: [hint], rule: RelocationRule(registry: "r.local", repositoryPrefix: "p")) { _, _ in
                    Digest.of(input)
                }
            }
        case .chart:
            let chart = try ChartTree(files: ["Chart.yaml": input], origin: "fuzz")
            _ = try chart.strippingDependencies()
            _ = try ChartArchive.package(chart)
        case .config:
            var config = try SyncConfig(yaml: String(decoding: input, as: UTF8.self), origin: "fuzz!load-image.yaml")
            config.applyEnvironment([:])
            try config.validate()
        }
    }

    static func file(_ input: [UInt8], _ scratch: String) throws -> String {
        let path = scratch + "/input.tar"
        try? FileManager.default.removeItem(atPath: path)
        guard FileManager.default.createFile(atPath: path, contents: Data(input)) else {
            throw TestSupportError("cannot write \(path)")
        }
        return path
    }

    /// Valid inputs to start mutating from, made by the fixture writers.
    package func seeds() throws -> [[UInt8]] {
        let images = [TestImage.make("r.io/a/app:1", layerSizes: [600, 1500]), TestImage.make("r.io/b/web:2", layerSizes: [700])]
        switch self {
        case .tar, .dockerArchive:
            return try [ArchiveStyle.ggcr, .legacyDockerSave, .skopeo].map { try ArchiveFixture.bytes(images, style: $0) }
        case .ociLayout:
            return try [ArchiveStyle.ociTar, .docker25].map { try ArchiveFixture.bytes(images, style: $0) }
        case .bundle:
            let dir = try TemporaryDirectory("fuzzseed")
            let path = dir.file("demo-1.2.3.bundle.tar")
            try BundleFixture.write(to: path, images: images)
            return [Array(try Data(contentsOf: URL(fileURLWithPath: path)))]
        case .hints:
            return [Array("- \"{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}\"\n- \"{{ .sub.image }}@{{ .sub.digest }}\"\n".utf8)]
        case .values:
            return [Array("# c\nimage:\n  registry: quay.io   # r\n  repository: \"org/app\"\n  tag: 'v1'\nlist: [a, {b: c}]\nanchor: &x {k: v}\nuse: *x\n".utf8)]
        case .chart:
            return [Array("apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n".utf8),
                    Array("{apiVersion: v2, name: demo, version: 1.0.0, dependencies: [{name: sub}]}\n".utf8)]
        case .config:
            return [Array("""
                source:
                  intermediateBundlesPath: offline
                target:
                  containerRegistry: 10.0.0.1
                  containerRepository: release/p
                  repo:
                    kind: LOCAL
                    path: ./local-repo
                  containers:
                    auth: {username: admin, password: "x"}

                """.utf8)]
        }
    }
}

/// A deterministic mutator: the same seed and step always give the same input.
package struct FuzzMutator: Sendable {
    var state: UInt64

    package init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    package mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }

    /// Values that break parsers: the edges of sizes and lengths as text, octal and base-256.
    static let interesting: [[UInt8]] = [
        Array("9223372036854775807".utf8), Array("77777777777".utf8), Array("-1".utf8), Array("1e30".utf8),
        [0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff], [0], [0x7f],
        Array("../../".utf8), Array("/etc/".utf8), Array("*a".utf8), Array("&a".utf8), Array("{{".utf8), Array("null".utf8),
    ]

    /// One mutation of `input`; `pool` gives material to splice in.
    package mutating func mutate(_ input: [UInt8], pool: [[UInt8]]) -> [UInt8] {
        var bytes = input
        let rounds = 1 + below(4)
        for _ in 0..<rounds {
            guard !bytes.isEmpty else { bytes = [UInt8(truncatingIfNeeded: next())]; continue }
            switch below(7) {
            case 0:
                bytes[below(bytes.count)] ^= UInt8(1 << below(8))
            case 1:
                bytes[below(bytes.count)] = UInt8(truncatingIfNeeded: next())
            case 2:
                let value = Self.interesting[below(Self.interesting.count)]
                // Header fields of tars sit at multiples of 512 plus a fixed offset: aim there often.
                let at = below(2) == 0 ? (below(max(1, bytes.count / 512)) * 512 + [124, 148, 156, 0, 345][below(5)]) : below(bytes.count)
                for (i, b) in value.enumerated() where at + i < bytes.count { bytes[at + i] = b }
            case 3:
                let start = below(bytes.count), length = min(bytes.count - start, 1 + below(64))
                bytes.removeSubrange(start..<(start + length))
            case 4:
                let start = below(bytes.count), length = min(bytes.count - start, 1 + below(256))
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: below(bytes.count))
            case 5:
                bytes.removeLast(below(bytes.count))
            default:
                if let other = pool.randomElement(using: &self), !other.isEmpty {
                    let start = below(other.count), length = min(other.count - start, 1 + below(512))
                    let at = below(bytes.count)
                    bytes.replaceSubrange(at..<min(bytes.count, at + length), with: other[start..<(start + length)])
                }
            }
        }
        return bytes
    }
}

extension FuzzMutator {
    /// Rewrites the checksum of every ustar header found at a 512-byte boundary (a tar nested in a
    /// tar starts on one too), as a writer would have; otherwise almost every mutation of a tar is
    /// refused by the checksum test and the readers behind it are never reached.
    package static func repairTarChecksums(_ bytes: inout [UInt8]) {
        var offset = 0
        while offset + 512 <= bytes.count {
            if bytes[offset + 257] == UInt8(ascii: "u"), bytes[offset + 258] == UInt8(ascii: "s"),
               bytes[offset + 259] == UInt8(ascii: "t"), bytes[offset + 260] == UInt8(ascii: "a"),
               bytes[offset + 261] == UInt8(ascii: "r") {
                var sum = 0
                for i in 0..<512 { sum += (148..<156).contains(i) ? 32 : Int(bytes[offset + i]) }
                let octal = Array(String(sum, radix: 8).utf8)
                let field = Array(repeating: UInt8(ascii: "0"), count: max(0, 6 - octal.count)) + octal.suffix(6) + [0, 32]
                bytes.replaceSubrange((offset + 148)..<(offset + 156), with: field)
            }
            offset += 512
        }
    }
}

extension FuzzMutator: RandomNumberGenerator {}
