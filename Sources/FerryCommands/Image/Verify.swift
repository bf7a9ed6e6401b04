import ArgumentParser
import FerryArchive
import FerryOCI
import FerrySync
import Foundation
import Synchronization

extension Ferry {
    /// `ferry verify`: every blob checked against its digest, size and diff_id.
    public struct Verify: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Check every blob of a bundle or archive against its digest and size, and every layer against its diff_id.",
            discussion: """
                Exits 1 and lists each problem when anything does not match; exits 2 when the archive cannot be read at all.

                Examples:
                  ferry verify spidernet_0.8.0.bundle.tar
                  ferry verify images.tar --output json
                """)

        @Argument(help: ArgumentHelp("Bundles, directories of bundles, docker-archives or OCI layouts.", valueName: "source"))
        public var sources: [String]

        @Option(name: .long, help: "Blobs checked at once.")
        public var concurrency: Int = 2

        @OptionGroup(title: "Output") public var output: OutputOptions

        public init() {}

        struct Result: Encodable {
            var blobs: Int
            var bytes: Int64
            var problems: [String]
            var ok: Bool
        }

        public func run() async throws {
            try await reportingErrors(output) {
                let console = Console.current
                // Opening computes the digest of every uncompressed layer and checks it against its diff_id.
                let opened = try openSources(sources, compressor: makeCompressor(writesCache: false), output: output)
                var checks: [(ArchivedBlob, Digest?)] = []
                var seen = Set<Digest>()
                for source in opened {
                    for image in source.archive.images {
                        let diffIDs = Self.layerDiffIDs(image)
                        for blob in image.blobs where seen.insert(blob.digest).inserted {
                            checks.append((blob, diffIDs[blob.digest]))
                        }
                    }
                }
                let problems = Mutex<[String]>([])
                let bytes = Mutex<Int64>(0)
                let items = checks.map { Check(blob: $0.0, diffID: $0.1) }
                await forEachConcurrently(items, limit: max(1, concurrency)) { item in
                    if let problem = Self.check(item.blob, diffID: item.diffID) {
                        problems.withLock { $0.append(problem) }
                    }
                    bytes.withLock { $0 += item.blob.size }
                }
                let found = problems.withLock { $0.sorted() }
                let result = Result(blobs: checks.count, bytes: bytes.withLock { $0 }, problems: found, ok: found.isEmpty)
                if output.output == .json {
                    console.out(JSONLines.pretty(result))
                } else if found.isEmpty {
                    console.out("OK: \(result.blobs) blob(s), \(ByteCount.format(result.bytes)) verified")
                } else {
                    console.out("\(found.count) problem(s) in \(result.blobs) blob(s):")
                    for problem in found { console.out("  - \(problem)") }
                }
                if !found.isEmpty { throw ExitCode(ExitStatus.partialFailure) }
            }
        }

        struct Check: Sendable {
            var blob: ArchivedBlob
            var diffID: Digest?
        }

        /// Maps each gzip layer of the image's manifests to the diff_id its config gives it.
        static func layerDiffIDs(_ image: ArchivedImage) -> [Digest: Digest] {
            var result: [Digest: Digest] = [:]
            let manifests = ([image.root] + image.children).filter { !$0.isIndex }
            for document in manifests {
                guard let manifest = try? document.manifest(),
                      let config = image.blobs.first(where: { $0.digest == manifest.config.digest }),
                      case .stored(let range) = config.source,
                      let bytes = try? range.readAll(),
                      let parsed = try? JSONDecoder().decode(ImageConfiguration.self, from: Data(bytes)),
                      let diffIDs = parsed.rootfs?.diffIDs, diffIDs.count == manifest.layers.count else { continue }
                for (layer, diffID) in zip(manifest.layers, diffIDs) { result[layer.digest] = diffID }
            }
            return result
        }

        /// Nil when the blob is sound, else what is wrong with it.
        static func check(_ blob: ArchivedBlob, diffID: Digest?) -> String? {
            switch blob.source {
            case .gzipped:
                // Checked against its diff_id while the archive was opened.
                return nil
            case .stored(let range):
                guard range.length == blob.size else {
                    return "\(range.origin): size \(range.length), expected \(blob.size)"
                }
                do {
                    let hash = DigestingSink()
                    var gunzip: GzipDecompressor?
                    let uncompressed = DigestingSink()
                    if diffID != nil, Compression.detect(try range.prefix(4)) == .gzip {
                        gunzip = try GzipDecompressor(writingTo: uncompressed, origin: range.origin)
                    }
                    try range.forEachChunk { chunk in
                        try hash.write(chunk)
                        try gunzip?.write(chunk)
                    }
                    guard hash.digest == blob.digest else {
                        return "\(range.origin): digest \(hash.digest), expected \(blob.digest)"
                    }
                    if let gunzip, let diffID {
                        try gunzip.finish()
                        guard uncompressed.digest == diffID else {
                            return "\(range.origin): uncompressed digest \(uncompressed.digest), but the config's diff_id is \(diffID)"
                        }
                    }
                    return nil
                } catch {
                    return "\(range.origin): \(error)"
                }
            }
        }
    }
}
