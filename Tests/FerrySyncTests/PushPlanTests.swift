import FerryArchive
import FerryOCI
import FerrySync
import FerryTestSupport
import Foundation
import Testing

/// The push plan alone (no registry): every blob once, with every repository that needs it;
/// the charts-syncer naming rule; one name, one image.
@Suite struct PushPlanTests {
    func sources(_ images: [TestImage], in dir: TemporaryDirectory, name: String = "a.tar") throws -> [ImageSource] {
        let path = dir.file(name)
        try ArchiveFixture.write(images, style: .ggcr, to: path)
        return try ImageSource.open(path, compressor: LayerCompressor(cacheDirectory: nil)).sources
    }

    @Test func aSharedBlobIsPlannedOnceForEveryRepository() throws {
        let dir = try TemporaryDirectory("plan")
        let base = TestLayer.random(size: 3000, name: "base.bin")
        let images = [TestImage.make("docker.io/org/web:1", layerSizes: [500], shared: [base]),
                      TestImage.make("quay.io/other/api:2", layerSizes: [700], shared: [base])]
        let plan = try PushPlan(sources: try sources(images, in: dir), target: PushTarget(registry: "10.0.0.1:5000", repositoryPrefix: "site/mod"))
        #expect(plan.images.map { $0.targets.map(\.description) } == [["10.0.0.1:5000/site/mod/web:1"], ["10.0.0.1:5000/site/mod/api:2"]])
        let shared = try #require(plan.blobs.first { $0.blob.digest == base.digest })
        #expect(shared.repositories == ["site/mod/web", "site/mod/api"])
        // Configs, two own layers, one shared layer: each once.
        #expect(plan.blobs.count == 5 && Set(plan.blobs.map(\.blob.digest)).count == 5)
        #expect(plan.totalBytes == plan.blobs.reduce(0) { $0 + $1.blob.size })
    }

    @Test func oneNameOneImage() throws {
        let dir = try TemporaryDirectory("plan")
        // Two repositories with the same last element would land on one name.
        let clash = try sources([TestImage.make("docker.io/a/app:1"), TestImage.make("quay.io/b/app:1")], in: dir)
        let error = #expect(throws: SyncError.self) {
            try PushPlan(sources: clash, target: PushTarget(registry: "r", repositoryPrefix: "p"))
        }
        #expect(error?.code == .conflictingTargets && error?.message.contains("r/p/app:1") == true)
        // The same image under two names that relocate alike joins its first entry.
        let image = TestImage.make("docker.io/a/app:1")
        let twice = try sources([image], in: dir, name: "one.tar") + sources([image], in: dir, name: "two.tar")
        let plan = try PushPlan(sources: twice, target: PushTarget(registry: "r", repositoryPrefix: "p"))
        #expect(plan.images.count == 1 && plan.images[0].targets.map(\.description) == ["r/p/app:1"])
    }

    @Test func nameOwnersTellNewSameAndTaken() throws {
        var owners = ImageNameOwners()
        let name = try Reference(parsing: "r/p/app:1")
        #expect(owners.claim(name, digest: Digest.of([1]), origin: "a.tar") == .new)
        #expect(owners.claim(name, digest: Digest.of([1]), origin: "b.tar") == .same)
        #expect(owners.claim(name, digest: Digest.of([2]), origin: "c.tar") == .taken(by: "a.tar", digest: Digest.of([1])))
        #expect(owners.owner(of: name)?.origin == "a.tar")
    }
}
