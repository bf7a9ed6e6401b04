import FerryCommands
import FerryTestSupport
import Foundation
import Testing

@Suite struct RedactionTests {
    @Test func credentialsInURLsAreHidden() {
        #expect(Console.redact("GET http://admin:Harbor12345@10.16.23.145/chartrepo/p/index.yaml failed")
                == "GET http://***@10.16.23.145/chartrepo/p/index.yaml failed")
        #expect(Console.redact("'https://tok@host:8443' and http://plain.host/x") == "'https://***@host:8443' and http://plain.host/x")
        #expect(Console.redact("mail me@host, no url") == "mail me@host, no url")
        #expect(Console.redact("oci://registry.local/charts/a@sha256:00") == "oci://registry.local/charts/a@sha256:00")
    }

    @Test func aSyncErrorNeverShowsTheURLsPassword() async throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("offline"), withIntermediateDirectories: true)
        try BundleFixture.write(to: dir.file("offline/a-1.0.0.bundle.tar"), images: [TestImage.make("r.io/a/b:1")])
        _ = try dir.write("load-image.yaml", """
            source: {intermediateBundlesPath: offline}
            target:
              containerRegistry: 127.0.0.1:1
              repo: {kind: CHARTMUSEUM, url: "http://admin:Sup3r-Secret@127.0.0.1:1"}
            """)
        let result = await CLIRunner.run(["sync", "-c", dir.file("load-image.yaml"), "--dry-run"],
                                         environment: ["PWD": dir.path, "FERRY_CACHE_DIR": dir.file("cache")])
        #expect(result.exitCode != 0)
        #expect((result.stdout + result.stderr).contains("127.0.0.1:1"), "\(result.stdout)\(result.stderr)")
        #expect(!(result.stdout + result.stderr).contains("Sup3r-Secret"))
    }
}

@Suite struct BareCredentialRedactionTests {
    @Test func credentialsWithoutASchemeAreHiddenAndImageReferencesAreNot() {
        #expect(Console.redact("url admin:S3CRET@host/charts is not valid") == "url ***@host/charts is not valid")
        #expect(Console.redact("'admin:S3CRET@10.0.0.1:8080'") == "'***@10.0.0.1:8080'")
        let digest = "sha256:" + String(repeating: "a", count: 64)
        #expect(Console.redact("nginx:1.0@\(digest) and r.io/a/b:1@\(digest)") == "nginx:1.0@\(digest) and r.io/a/b:1@\(digest)")
        #expect(Console.redact("root@node1:22 failed") == "root@node1:22 failed")
    }
}
