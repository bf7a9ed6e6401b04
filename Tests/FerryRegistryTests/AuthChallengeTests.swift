import FerryRegistry
import Foundation
import Testing

@Suite struct AuthChallengeTests {
    @Test func parsesBearerChallenges() throws {
        let challenge = try #require(AuthChallenge.parse(#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.realm == "https://auth.docker.io/token")
        #expect(challenge.service == "registry.docker.io")
        #expect(challenge.scope == "repository:samalba/my-app:pull,push")
    }

    @Test func parsesBasicAndQuotedEscapes() throws {
        let basic = try #require(AuthChallenge.parse(#"Basic realm="harbor""#))
        #expect(basic.scheme == "basic" && basic.realm == "harbor")
        let escaped = try #require(AuthChallenge.parse(#"Bearer realm="a\"b", error=insufficient_scope"#))
        #expect(escaped.realm == #"a"b"#)
        #expect(escaped.parameters["error"] == "insufficient_scope")
        let broken = try #require(AuthChallenge.parse(#"Bearer realm="unterminated"#))
        #expect(broken.realm == nil)
    }

    @Test func privateHostsAreRecognised() {
        for host in ["127.0.0.1:5000", "localhost", "10.16.23.145", "192.168.1.2:80", "172.20.0.1", "registry.local", "[::1]:5000"] {
            #expect(TransportSecurity.isPrivate(host: host), "\(host)")
        }
        for host in ["harbor.example.com", "8.8.8.8", "172.32.0.1", "11.0.0.1", "10.1.2"] {
            #expect(!TransportSecurity.isPrivate(host: host), "\(host)")
        }
    }

    @Test func readsDockerConfigAuths() async throws {
        let dir = NSTemporaryDirectory() + "ferry-dockercfg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let auth = Data("alice:pa:ss".utf8).base64EncodedString()
        try Data(#"{"auths":{"harbor.local":{"auth":"\#(auth)"},"https://legacy.local:8443/v1/":{"username":"bob","password":"pw"}}}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/config.json"))
        let resolver = CredentialResolver(environment: ["DOCKER_CONFIG": dir])
        #expect(try await resolver.credentials(for: "harbor.local") == Credentials(username: "alice", password: "pa:ss", origin: dir + "/config.json"))
        #expect(try await resolver.credentials(for: "legacy.local:8443")?.username == "bob")
        #expect(try await resolver.credentials(for: "other.local") == nil)
        // The environment wins over the file; the description never shows the secret.
        let env = CredentialResolver(environment: ["DOCKER_CONFIG": dir, "FERRY_REGISTRY_USERNAME": "ci", "FERRY_REGISTRY_PASSWORD": "topsecret"])
        let creds = try #require(try await env.credentials(for: "harbor.local"))
        #expect(creds.username == "ci")
        #expect(!"\(creds)".contains("topsecret"))
    }
}
