import FerryOCI
import Testing

@Suite struct ReferenceTests {
    @Test(arguments: [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.25", "docker.io/library/nginx:1.25"),
        ("bitnami/nginx:1.21.6-debian-10-r0", "docker.io/bitnami/nginx:1.21.6-debian-10-r0"),
        ("docker.io/bitnami/nginx:1.0", "docker.io/bitnami/nginx:1.0"),
        ("index.docker.io/library/busybox:1.33.1", "docker.io/library/busybox:1.33.1"),
        ("registry-1.docker.io/busybox", "docker.io/library/busybox:latest"),
        ("localhost/app:1", "localhost/app:1"),
        ("localhost:5000/team/app:2", "localhost:5000/team/app:2"),
        ("10.16.23.145/release.daocloud.io/spidernet/spiderpool:v0.8.0", "10.16.23.145/release.daocloud.io/spidernet/spiderpool:v0.8.0"),
        ("harbor-repo.vmware.com/tanzu_isv_engineering/tiny:tiniest", "harbor-repo.vmware.com/tanzu_isv_engineering/tiny:tiniest"),
        ("ghcr.io/a/b/c@sha256:" + String(repeating: "0", count: 64), "ghcr.io/a/b/c@sha256:" + String(repeating: "0", count: 64)),
        ("ghcr.io/a/b:v1@sha256:" + String(repeating: "1", count: 64), "ghcr.io/a/b:v1@sha256:" + String(repeating: "1", count: 64)),
    ])
    func normalisesAsDockerDoes(_ input: String, _ expected: String) throws {
        #expect(try Reference(parsing: input).description == expected)
    }

    @Test(arguments: ["", "team/UPPER:1", "a//b", "app:tag+build", "app:" + String(repeating: "t", count: 129), "-app", "app@sha256:zz", "a/b_/c"])
    func rejectsInvalidReferences(_ input: String) {
        #expect(throws: OCIError.self) { try Reference(parsing: input) }
    }

    @Test func relocatesByLastPathElement() throws {
        let source = try Reference(parsing: "docker.io/spidernet-io/spiderpool/spiderpool-agent:v0.8.0")
        let target = try source.relocated(registry: "10.16.23.145", repositoryPrefix: "release.daocloud.io/spidernet")
        #expect(target.description == "10.16.23.145/release.daocloud.io/spidernet/spiderpool-agent:v0.8.0")
        let noPrefix = try source.relocated(registry: "127.0.0.1:5000", repositoryPrefix: "")
        #expect(noPrefix.description == "127.0.0.1:5000/spiderpool-agent:v0.8.0")
        let slashes = try source.relocated(registry: "r.local", repositoryPrefix: "/proj/sub/")
        #expect(slashes.repository == "proj/sub/spiderpool-agent")
    }

    @Test func relocationKeepsDigest() throws {
        let digest = "sha256:" + String(repeating: "a", count: 64)
        let target = try Reference(parsing: "quay.io/x/y@\(digest)").relocated(registry: "h:1", repositoryPrefix: "p")
        #expect(target.description == "h:1/p/y@\(digest)")
        #expect(target.tag == nil)
    }

    @Test func parsesPlatforms() throws {
        #expect(try Platform(parsing: "linux/arm64/v8") == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(try Platform(parsing: "linux/amd64").description == "linux/amd64")
        #expect(throws: OCIError.self) { try Platform(parsing: "linux") }
    }
}
