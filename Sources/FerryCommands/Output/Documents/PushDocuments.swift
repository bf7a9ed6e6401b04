import FerryOCI
import FerrySync

/// `ferry push --dry-run --output json`: what the push would do, image by image.
package struct PushPlanDocument: Codable, Sendable {
    package enum Status: String, Codable, Sendable {
        /// Every target already names this image.
        case present
        /// A target tag names another image and --force was not given.
        case refused
        case push
    }

    package struct Image: Codable, Sendable {
        package var source: String
        package var sourceNames: [String]
        package var targets: [String]
        package var digest: String
        package var mediaType: String
        package var status: Status
        /// The digest a target tag points at now when pushing would move it.
        package var tagMovesFrom: [String: String]
        package var blobs: Int
        package var blobsToSend: Int
        package var bytesToSend: Int64
        /// With --platform: the platforms pushed, and the source's digest when the pushed one differs.
        package var platforms: [String]?
        package var sourceDigest: String?
        package var platformNote: String?
    }

    package var registry: String
    package var images: [Image]
    package var unnamed: [String]
    package var summary: PushProbe.Summary

    init(registry: String, plan: PushPlan, probe: PushProbe, force: Bool) {
        self.registry = registry
        images = plan.images.map { Self.image($0, probe: probe, force: force) }
        unnamed = plan.unnamed.map(\.image.unnamedProblem) + plan.withoutPlatform.map(\.problem)
        summary = probe.summary
    }

    static func image(_ planned: PlannedImage, probe: PushProbe, force: Bool) -> Image {
        let missing = probe.blobsToSend(for: planned)
        let upToDate = planned.targets.allSatisfy { probe.manifests[$0.description] == planned.image.root.digest }
        var moves: [String: String] = [:]
        for target in planned.targets { moves[target.description] = probe.tagMove(target, to: planned.image)?.string }
        return Image(source: planned.source, sourceNames: planned.image.sourceNames,
                     targets: planned.targets.map(\.description), digest: planned.image.root.digest.string,
                     mediaType: planned.image.root.mediaType,
                     status: upToDate ? .present : (!moves.isEmpty && !force ? .refused : .push),
                     tagMovesFrom: moves, blobs: planned.image.blobs.count, blobsToSend: missing.count,
                     bytesToSend: missing.reduce(0) { $0 + $1.size },
                     platforms: planned.platformChoice == .unchanged ? nil : planned.image.platforms.map(\.description),
                     sourceDigest: planned.sourceDigest?.string, platformNote: planned.platformNote)
    }
}

/// The last line of `ferry push --output json`.
package struct PushSummaryDocument: Codable, Sendable {
    package var report: ImagePusher.Report
    package var seconds: Double
    package var ok: Bool
}

extension PlannedImage {
    /// The source's digest when `--platform` makes the pushed one differ.
    var sourceDigest: Digest? {
        switch platformChoice {
        case .unchanged: nil
        case .child(_, let from), .newIndex(let from): from
        }
    }

    /// What `--platform` does to this image, for the plan: said before anything is sent.
    var platformNote: String? {
        switch platformChoice {
        case .unchanged:
            return nil
        case .child(let platform, let from):
            return "\(image.displayName): \(platform) only: the tag names that platform's manifest \(image.root.digest) (its original bytes), not the source's index \(from)"
        case .newIndex(let from):
            return "\(image.displayName): \(image.platforms.map(\.description).joined(separator: ", ")) only: a new index \(image.root.digest) of those, whose digest differs from the source's \(from)"
        }
    }
}
