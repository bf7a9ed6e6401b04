import Crypto

/// Incremental sha256, so that modules hashing streams need not import Crypto (whose `Digest`
/// protocol would clash with ours).
public struct DigestHasher: Sendable {
    private var hasher = SHA256()

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public func finalize() -> Digest {
        Digest(finalizing: hasher)
    }
}
