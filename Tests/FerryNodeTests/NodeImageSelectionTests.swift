import FerryArchive
import FerryNode
import FerryOCI
import FerryTestSupport
import Testing

/// The names images get on nodes: relocated as push relocates them, the originals kept on request,
/// and two different images never under one name.
@Suite struct NodeImageSelectionTests {
    func sources(_ images: [TestImage], _ dir: TemporaryDirectory) throws -> [ImageSource] {
        try ArchiveFixture.write(images, style: .ggcr, to: dir.file("images.tar"))
        return try ImageSource.open(dir.file("images.tar"), compressor: LayerCompressor(cacheDirectory: dir.file("cache"))).sources
    }

    @Test func relocatedNamesAndTheOriginalsOnRequest() throws {
        let dir = try TemporaryDirectory("selection")
        let opened = try sources([TestImage.make("quay.io/team/app:1")], dir)
        let relocated = try NodeImageSelection(registry: "10.0.0.5", repository: "site", keepOriginalNames: false, platform: nil).images(opened)
        #expect(relocated.images.map { $0.names.map(\.description) } == [["10.0.0.5/site/app:1"]] && relocated.refused.isEmpty)
        let both = try NodeImageSelection(registry: "10.0.0.5", repository: "site", keepOriginalNames: true, platform: nil).images(opened)
        #expect(both.images.map { $0.names.map(\.description) } == [["10.0.0.5/site/app:1", "quay.io/team/app:1"]])
        let asIs = try NodeImageSelection(registry: nil, repository: "", keepOriginalNames: false, platform: nil).images(opened)
        #expect(asIs.images.map { $0.names.map(\.description) } == [["quay.io/team/app:1"]])
    }

    @Test func twoImagesUnderOneNameAreRefusedByName() throws {
        let dir = try TemporaryDirectory("selection")
        let opened = try sources([TestImage.make("quay.io/a/app:1", layerSizes: [100]), TestImage.make("docker.io/b/app:1", layerSizes: [200])], dir)
        #expect {
            try NodeImageSelection(registry: "10.0.0.5", repository: "site", keepOriginalNames: false, platform: nil).images(opened)
        } throws: { error in
            guard let error = error as? NodeError else { return false }
            return error.code == .nameClash && error.kind == .invalidInput && error.message.contains("10.0.0.5/site/app:1")
                && !(error.hint ?? "").contains("--")
        }
    }
}
