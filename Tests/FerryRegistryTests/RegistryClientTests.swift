import FerryArchive
import FerryOCI
import FerryRegistry
import FerryTestSupport
import Foundation
import NIOCore
import Testing

/// The client against the real registry, in each of its auth and TLS set-ups.
@Suite struct RegistryClientTests {
    func connect(_ registry: LiveRegistry, credentials: Credentials? = nil, security: TransportSecurity? = nil,
                 body: (RegistryClient) async throws -> Void) async throws {
        let security = security ?? (registry.mode == .tls
            ? TransportSecurity(mode: .https, caFile: registry.caFile) : TransportSecurity(mode: .plainHTTP))
        try await HTTPTransport.with(security: security) { transport in
            let client = try await RegistryClient.connect(host: registry.host, transport: transport, credentials: credentials,
                                                          retry: RetryPolicy(attempts: 2, baseDelay: .milliseconds(10)))
            try await body(client)
        }
    }

    func credentials(_ registry: LiveRegistry, password: String? = nil) -> Credentials {
        Credentials(username: registry.username, password: password ?? registry.password, origin: "test")
    }

    func body(_ bytes: [UInt8]) -> @Sendable () -> AsyncThrowingStream<ByteBuffer, any Error> {
        { AsyncThrowingStream { $0.yield(ByteBuffer(bytes: bytes)); $0.finish() } }
    }

    /// Upload, HEAD, mount, manifest: the whole push path on one registry.
    func exercisePush(_ client: RegistryClient) async throws {
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let digest = Digest.of(config)
        #expect(try await client.blobExists(digest, in: "team/app") == false)
        try await client.uploadBlob(digest, size: Int64(config.count), to: "team/app", body: body(config))
        #expect(try await client.blobExists(digest, in: "team/app"))
        #expect(try await client.fetchBlob(digest, from: "team/app") == config)
        // Cross-repository mount instead of a second upload.
        #expect(try await client.mountBlob(digest, into: "team/other", from: "team/app"))
        #expect(try await client.blobExists(digest, in: "team/other"))
        // Mounting from a repository that lacks the blob falls back cleanly.
        let absent = Digest.of(Array("absent".utf8))
        #expect(try await client.mountBlob(absent, into: "team/other", from: "team/app") == false)

        let manifest = DockerManifestBuilder.build(
            config: Descriptor(mediaType: MediaType.dockerConfig, digest: digest, size: Int64(config.count)), layers: [])
        #expect(try await client.manifestDigest("1.0", in: "team/app") == nil)
        try await client.putManifest(manifest, as: "1.0", in: "team/app")
        #expect(try await client.manifestDigest("1.0", in: "team/app") == manifest.digest)
        let fetched = try await client.fetchManifest("1.0", from: "team/app")
        #expect(fetched.bytes == manifest.bytes)
        #expect(fetched.mediaType == MediaType.dockerManifest)
        #expect(try await client.tags(of: "team/app") == ["1.0"])
    }

    @Test func plainRegistry() async throws {
        let registry = try LiveRegistry.start(.plain)
        try await connect(registry) { try await exercisePush($0) }
    }

    @Test func basicAuthRegistry() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        try await connect(registry, credentials: credentials(registry)) { try await exercisePush($0) }
    }

    @Test func tokenAuthRegistry() async throws {
        let registry = try LiveRegistry.start(.token)
        try await connect(registry, credentials: credentials(registry)) { try await exercisePush($0) }
    }

    @Test func tlsRegistryWithItsCA() async throws {
        let registry = try LiveRegistry.start(.tls)
        try await connect(registry, credentials: credentials(registry)) { try await exercisePush($0) }
    }

    @Test func tlsRegistryInsecureSkipsVerification() async throws {
        let registry = try LiveRegistry.start(.tls)
        try await connect(registry, credentials: credentials(registry), security: TransportSecurity(mode: .httpsUnverified)) { client in
            #expect(client.baseURL.hasPrefix("https://"))
        }
    }

    @Test func tlsWithoutTheCANamesHostAndSaysWhyInPlainWords() async throws {
        let registry = try LiveRegistry.start(.tls)
        await #expect {
            try await connect(registry, credentials: credentials(registry), security: TransportSecurity(mode: .https)) { _ in }
        } throws: { error in
            guard let error = error as? RegistryError else { return false }
            // The reason in words, no TLS library's source paths, and no CLI flag (commands word those).
            let text = "\(error)"
            return error.code == .tls && error.message.contains(registry.host) && text.contains("not trusted")
                && !text.contains(".cc") && !text.contains("/checkouts/") && !text.contains("--")
        }
    }

    @Test func wrongBasicPasswordIsRefusedAtConnect() async throws {
        let registry = try LiveRegistry.start(.basicAuth)
        await #expect {
            try await connect(registry, credentials: credentials(registry, password: "wrong-password-123")) { _ in }
        } throws: { error in
            guard let error = error as? RegistryError else { return false }
            let text = "\(error)"
            return error.code == .unauthorized && text.contains(registry.host) && text.contains(registry.username)
                && !text.contains("wrong-password-123")
        }
    }

    @Test func wrongTokenPasswordNamesUserAndScope() async throws {
        let registry = try LiveRegistry.start(.token)
        try await connect(registry, credentials: credentials(registry, password: "wrong-password-123")) { client in
            await #expect { _ = try await client.blobExists(Digest.of([1]), in: "team/app") } throws: { error in
                guard let error = error as? RegistryError else { return false }
                let text = "\(error)"
                return error.code == .unauthorized && text.contains(registry.username) && text.contains("repository:team/app:pull,push")
                    && !text.contains("wrong-password-123")
            }
        }
    }

    @Test func anonymousAccessToAuthRegistryIsRefusedAsAnonymous() async throws {
        // The error says no credentials were sent; the command then says how to give them.
        let registry = try LiveRegistry.start(.basicAuth)
        await #expect { try await connect(registry) { _ in } } throws: { error in
            guard let error = error as? RegistryError else { return false }
            return error.code == .unauthorized && error.credentialsSent == false && "\(error)".contains(registry.host)
        }
        let tokenRegistry = try LiveRegistry.start(.token)
        try await connect(tokenRegistry) { client in
            await #expect { _ = try await client.blobExists(Digest.of([1]), in: "team/app") } throws: { error in
                guard let error = error as? RegistryError else { return false }
                return error.code == .unauthorized && error.credentialsSent == false && "\(error)".contains("anonymously")
            }
        }
    }

    @Test func uploadStopsWhenTheBytesDoNotMatch() async throws {
        let registry = try LiveRegistry.start(.plain)
        let dir = try TemporaryDirectory()
        let path = try dir.write("blob", [UInt8](repeating: 9, count: 3 << 20))
        let range = ByteRange(wholeFile: try RandomAccessFile(path: path))
        let claimed = Digest.of(Array("something else".utf8))
        try await connect(registry) { client in
            await #expect {
                try await client.uploadBlob(claimed, size: range.length, to: "team/app",
                                            body: { range.verifiedChunks(expected: claimed) })
            } throws: { error in
                (error as? ArchiveError)?.code == .digestMismatch
            }
            let stored = try await client.blobExists(claimed, in: "team/app")
            #expect(!stored)
        }
    }

    @Test func manifestWithMissingBlobsIsRefusedByName() async throws {
        let registry = try LiveRegistry.start(.plain)
        try await connect(registry) { client in
            let manifest = DockerManifestBuilder.build(
                config: Descriptor(mediaType: MediaType.dockerConfig, digest: Digest.of([1, 2, 3]), size: 3), layers: [])
            await #expect { try await client.putManifest(manifest, as: "x", in: "team/app") } throws: { error in
                (error as? RegistryError)?.code == .manifestBlobUnknown && "\(error)".contains("team/app:x")
            }
        }
    }

    @Test func privateHostFallsBackToPlainHTTP() async throws {
        let registry = try LiveRegistry.start(.plain)
        try await connect(registry, security: TransportSecurity(mode: .https)) { client in
            #expect(client.baseURL == "http://\(registry.host)")
        }
        // Without the fallback, HTTPS to a plain registry fails with a message naming the host.
        await #expect { try await connect(registry, security: TransportSecurity(mode: .https, allowsPrivateHTTPFallback: false)) { _ in } } throws: { error in
            "\(error)".contains(registry.host)
        }
    }
}
