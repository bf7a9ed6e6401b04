import Crypto

/// Incremental sha256, so that modules hashing streams need not import Crypto (whose `Digest`
/// protocol would clash with ours).
package struct DigestHasher: Sendable {
    private var hasher = SHA256()

    package init() {}

    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    package func finalize() -> Digest {
        Digest(finalizing: hasher)
    }
}
