import FerryCore
import FerryOCI

/// Hashes and counts what passes through, optionally forwarding it.
public final class DigestingSink: ByteSink {
    private var hasher = DigestHasher()
    public private(set) var count: Int64 = 0
    private let next: (any ByteSink)?

    public init(forwardingTo next: (any ByteSink)? = nil) {
        self.next = next
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        count += Int64(bytes.count)
        try next?.write(bytes)
    }

    public var digest: Digest { hasher.finalize() }
}
