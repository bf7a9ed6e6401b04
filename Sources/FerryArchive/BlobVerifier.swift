import FerryCore
import FerryOCI
import Synchronization

/// `verify`'s work: every distinct blob of every image read and hashed against its digest and
/// size, and every layer, uncompressed, against its config's diff_id. Hashing runs on the thread
/// pool, `concurrency` blobs at once.
package enum BlobVerifier {
    package struct Result: Sendable, Codable {
        package var blobs: Int
        package var bytes: Int64
        package var problems: [String]
        package var ok: Bool
    }

    package static func verify(_ sources: [ImageSource], concurrency: Int) async -> Result {
        var checks: [Check] = []
        var seen = Set<Digest>()
        for source in sources {
            for image in source.archive.images {
                let diffIDs = layerDiffIDs(image)
                for blob in image.blobsWithArtifacts where seen.insert(blob.digest).inserted {
                    checks.append(Check(blob: blob, diffID: diffIDs[blob.digest]))
                }
            }
        }
        // Largest first, so the run does not end on one big blob hashed by one core.
        checks.sort { $0.blob.size > $1.blob.size }
        let problems = Mutex<[String]>([])
        let bytes = Mutex<Int64>(0)
        await forEachConcurrently(checks, limit: max(1, concurrency)) { item in
            let problem: String?
            do {
                problem = try await Blocking.run { check(item.blob, diffID: item.diffID) }
            } catch {
                problem = "\(item.blob.origin): \(error)"
            }
            if let problem { problems.withLock { $0.append(problem) } }
            bytes.withLock { $0 += item.blob.size }
        }
        let found = problems.withLock { $0.sorted() }
        return Result(blobs: checks.count, bytes: bytes.withLock { $0 }, problems: found, ok: found.isEmpty)
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
                  let parsed = try? GoJSON.decode(ImageConfiguration.self, from: bytes),
                  let diffIDs = parsed.rootfs?.diffIDs, diffIDs.count == manifest.layers.count else { continue }
            for (layer, diffID) in zip(manifest.layers, diffIDs) { result[layer.digest] = diffID }
        }
        return result
    }

    /// Nil when the blob is sound, else what is wrong with it. The bytes are always read and
    /// hashed: the compression cache may speed up a push, but never vouches for content.
    static func check(_ blob: ArchivedBlob, diffID: Digest?) -> String? {
        do {
            switch blob.source {
            case .gzipped(let range, let layerDiffID):
                // Stored uncompressed: the bytes must hash to the diff_id.
                let hash = DigestingSink()
                try range.forEachChunk { try hash.write($0) }
                guard hash.digest == layerDiffID else {
                    return "\(range.origin): the uncompressed layer hashes to \(hash.digest), but the config's diff_id is \(layerDiffID)"
                }
                return nil
            case .stored(let range):
                guard range.length == blob.size else {
                    return "\(range.origin): size \(range.length), expected \(blob.size)"
                }
                return try checkStored(range, digest: blob.digest, diffID: diffID)
            case .remote(let remote):
                return "\(remote.origin): not stored here; verify checks archives"
            }
        } catch let error as any FerryError where error.message.hasPrefix(blob.origin) {
            return error.message  // already names the blob
        } catch {
            return "\(blob.origin): \(error)"
        }
    }

    private static func checkStored(_ range: ByteRange, digest: Digest, diffID: Digest?) throws -> String? {
        let hash = DigestingSink()
        let uncompressed = DigestingSink()
        var decompressor: (any ByteSink)?
        var finish: (() throws -> Void)?
        if diffID != nil {
            switch Compression.detect(try range.prefix(4)) {
            case .gzip:
                let gunzip = IsalGzipDecompressor(writingTo: uncompressed, origin: range.origin)
                decompressor = gunzip
                finish = gunzip.finish
            case .zstd:
                let unzstd = try ZstdDecompressor(writingTo: uncompressed, origin: range.origin)
                decompressor = unzstd
                finish = unzstd.finish
            case .none:
                decompressor = uncompressed
            default:
                break
            }
        }
        // A damaged blob usually breaks its compression too; the digest is what names the damage,
        // so hashing goes on to the end and the decompressor's error comes second.
        var inflateError: (any Error)?
        try range.forEachChunk { chunk in
            try hash.write(chunk)
            guard inflateError == nil else { return }
            do { try decompressor?.write(chunk) } catch { inflateError = error }
        }
        guard hash.digest == digest else {
            return "\(range.origin): digest \(hash.digest), expected \(digest)"
        }
        if let inflateError { throw inflateError }
        if decompressor != nil, let diffID {
            try finish?()
            guard uncompressed.digest == diffID else {
                return "\(range.origin): uncompressed digest \(uncompressed.digest), but the config's diff_id is \(diffID)"
            }
        }
        return nil
    }
}
